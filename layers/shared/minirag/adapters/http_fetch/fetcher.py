"""SafeFetcher: GET and POST to tenant-supplied URLs, within the UrlPolicy and within size and time caps."""

import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

import httpx

from minirag.adapters.http_fetch.errors import FetchFailedError, ResponseTooLargeError
from minirag.adapters.http_fetch.pinning import pinned_request
from minirag.adapters.http_fetch.policy import UrlPolicy, VettedUrl

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_POST_BODY_BYTES = 4096
_MAX_ADDRESSES_TRIED = 3


@dataclass(frozen=True)
class FetchResult:
    url: str  # the final URL, after redirects
    status: int
    content_type: str | None
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names


@dataclass(frozen=True)
class PostResult:
    status: int
    body: bytes  # up to post()'s read_limit: by default 4 KB, enough to show why an endpoint refused
    elapsed_ms: int


class _Deadline:
    """One time budget for a whole fetch (every hop and the body), not per socket operation."""

    def __init__(self, seconds: float, url: str) -> None:
        self._seconds, self._url = seconds, url
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        left = self._end - time.monotonic()
        if left <= 0:
            raise FetchFailedError(f"{self._url}: timed out after {self._seconds:g} s")
        return left


class SafeFetcher:
    """Outbound HTTP for URL sources, sitemaps and webhooks.

    Every URL, including each redirect hop, goes through the policy, and connections go only to the addresses
    the policy checked (see pinning.py). Time: timeout_s bounds the whole call; it is checked before every
    hop and between body chunks, and each socket operation is bounded by the time left when its hop began, so
    a stalled or trickling server costs at most twice timeout_s. Size: a Content-Length over max_bytes is
    refused before reading, and the body is counted while streaming. Compression is declined
    (Accept-Encoding: identity) so the cap counts what travels; a server that compresses anyway is decoded
    and still counted after decoding.
    """

    def __init__(
        self,
        policy: UrlPolicy,
        *,
        timeout_s: float = 10.0,
        max_bytes: int = 10 * 1024 * 1024,
        max_redirects: int = 5,
        user_agent: str = "MiniRAG/0.1 (+https://github.com/minirag)",
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.policy = policy
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        self._ssl = ssl_context or httpx.create_ssl_context(trust_env=False)

    def fetch(
        self, url: str, *, accept: str | None = None, headers: dict[str, str] | None = None
    ) -> FetchResult:
        """GET, following redirects by hand so that every hop is checked by the policy before connecting.
        Extra `headers` (an Authorization) go to every hop: give such a fetcher max_redirects=0."""
        deadline = _Deadline(self.timeout_s, url)
        headers = self._headers({**(headers or {}), **({"Accept": accept} if accept else {})})
        target: str | httpx.URL = url
        for _ in range(self.max_redirects + 1):
            vetted = self.policy.vet(target)
            with self._exchange(vetted, "GET", headers, None, deadline) as response:
                location = response.headers.get("location") if response.status_code in _REDIRECTS else None
                if location is None:
                    return self._result(vetted, response, deadline)
            target = _join(vetted.url, location)
        raise FetchFailedError(f"{url}: more than {self.max_redirects} redirects")

    def post(
        self,
        url: str,
        *,
        body: bytes,
        headers: dict[str, str],
        timeout_s: float | None = None,
        read_limit: int | None = _POST_BODY_BYTES,
    ) -> PostResult:
        """One POST for a webhook delivery. Redirects are not followed (a 3xx is reported as the status) and
        any status is returned rather than raised: the delivery log records it and the caller decides on
        retries. Network failures and timeouts raise FetchFailedError. read_limit=None reads the whole body
        within max_bytes (an API's answer rather than a receiver's excuse)."""
        deadline = _Deadline(timeout_s or self.timeout_s, url)
        vetted = self.policy.vet(url)
        started = time.monotonic()
        with self._exchange(vetted, "POST", self._headers(headers), body, deadline) as response:
            head = self._read(response, deadline, limit=read_limit, shown=url)
        elapsed_ms = round((time.monotonic() - started) * 1000)
        return PostResult(status=response.status_code, body=head, elapsed_ms=elapsed_ms)

    def _headers(self, extra: dict[str, str]) -> dict[str, str]:
        return {"User-Agent": self.user_agent, "Accept-Encoding": "identity", **extra}

    @contextmanager
    def _exchange(
        self, vetted: VettedUrl, method: str, headers: dict[str, str], body: bytes | None, deadline: _Deadline
    ) -> Iterator[httpx.Response]:
        """Send one request to a checked address and yield the streaming response; httpx errors become
        FetchFailedError with a readable message, also when they happen while the body is read."""
        shown = str(vetted.url)
        timeout = httpx.Timeout(deadline.remaining())
        try:
            with httpx.Client(verify=self._ssl, trust_env=False, timeout=timeout) as client:
                response = self._send(client, vetted, method, headers, body, deadline)
                try:
                    yield response
                finally:
                    response.close()
        except httpx.TimeoutException as exc:
            raise FetchFailedError(f"{shown}: timed out") from exc
        except httpx.HTTPError as exc:
            raise FetchFailedError(f"{shown}: {_describe(exc)}") from exc

    def _send(
        self,
        client: httpx.Client,
        vetted: VettedUrl,
        method: str,
        headers: dict[str, str],
        body: bytes | None,
        deadline: _Deadline,
    ) -> httpx.Response:
        """Try the checked addresses in order; only a failed connection moves on to the next one."""

        def attempt(address: str) -> httpx.Response:
            deadline.remaining()
            request = pinned_request(client, vetted, address, method=method, headers=headers, content=body)
            return client.send(request, stream=True, follow_redirects=False)

        *spares, last = vetted.addresses[:_MAX_ADDRESSES_TRIED]
        for address in spares:
            with suppress(httpx.ConnectError, httpx.ConnectTimeout):
                return attempt(address)
        return attempt(last)

    def _result(self, vetted: VettedUrl, response: httpx.Response, deadline: _Deadline) -> FetchResult:
        if not 200 <= response.status_code < 300:
            raise FetchFailedError(
                f"{vetted.url}: the server answered HTTP {response.status_code}", status=response.status_code
            )
        return FetchResult(
            url=str(vetted.url),
            status=response.status_code,
            content_type=response.headers.get("content-type"),
            body=self._read(response, deadline, limit=None, shown=str(vetted.url)),
            headers={name.lower(): value for name, value in response.headers.items()},
        )

    def _read(self, response: httpx.Response, deadline: _Deadline, *, limit: int | None, shown: str) -> bytes:
        """The body, up to `limit` bytes (then stop reading), or in full within max_bytes (else refuse)."""
        declared = response.headers.get("content-length", "")
        if limit is None and declared.isdigit() and int(declared) > self.max_bytes:
            raise ResponseTooLargeError(
                f"{shown}: the response declares {int(declared):,} bytes, "
                f"over the {self.max_bytes:,} byte limit"
            )
        chunks: list[bytes] = []
        total = 0
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            total += len(chunk)
            if limit is not None and total >= limit:
                return b"".join(chunks)[:limit]
            if total > self.max_bytes:
                raise ResponseTooLargeError(
                    f"{shown}: the response is over the {self.max_bytes:,} byte limit"
                )
            deadline.remaining()
        return b"".join(chunks)


def _join(base: httpx.URL, location: str) -> httpx.URL:
    """Resolve a Location header, relative or absolute, against the URL that sent it."""
    try:
        return base.join(location)
    except httpx.InvalidURL as exc:
        raise FetchFailedError(f"{base}: redirects to an invalid URL") from exc


def _describe(exc: httpx.HTTPError) -> str:
    detail = str(exc)[:200] or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect ({detail})"
    return f"the HTTP exchange failed ({detail})"
