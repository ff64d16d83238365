"""SafeFetcher against real HTTP(S) servers on 127.0.0.1: redirects, caps, timeouts, POST, address pinning."""

import datetime as dt
import gzip
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from minirag.adapters.http_fetch import (
    BlockedUrlError,
    FetchFailedError,
    ResponseTooLargeError,
    SafeFetcher,
    UrlPolicy,
    VettedUrl,
)
from minirag.adapters.sitemaps import expand_sitemap

type Route = Callable[["Handler"], None]


@dataclass
class Seen:
    method: str
    path: str
    host: str | None
    body: bytes
    sni: str | None = None


@dataclass
class Site:
    """One test server: routes by path, records every request."""

    routes: dict[str, Route]
    seen: list[Seen] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    port: int = 0
    sni: list[str | None] = field(default_factory=list)

    def url(self, path: str, host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"


class Handler(BaseHTTPRequestHandler):
    site: Site

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        sni = self.site.sni[-1] if self.site.sni else None
        self.site.seen.append(Seen(self.command, self.path, self.headers.get("Host"), body, sni))
        self.site.routes.get(self.path, not_found)(self)

    def send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def not_found(h: Handler) -> None:
    h.send(404, b"no such page")


def redirect(location: str, status: int = 302) -> Route:
    return lambda h: h.send(status, headers={"Location": location})


def ok(body: bytes, content_type: str = "text/plain") -> Route:
    return lambda h: h.send(200, body, {"Content-Type": content_type})


def stall(h: Handler) -> None:
    h.site.stop.wait(5)


def trickle(h: Handler) -> None:
    """One byte every 0.1 s for up to 5 s: never idle long enough for a read timeout."""
    h.send_response(200)
    h.end_headers()
    with suppress(ConnectionError):
        for _ in range(50):
            if h.site.stop.wait(0.1):
                return
            h.wfile.write(b".")
            h.wfile.flush()


def endless(h: Handler) -> None:
    """A body without Content-Length that never ends, until the client hangs up (or 5 s pass)."""
    h.send_response(200)
    h.end_headers()
    chunk, until = b"x" * 65536, time.monotonic() + 5
    with suppress(ConnectionError):
        while time.monotonic() < until and not h.site.stop.is_set():
            h.wfile.write(chunk)


def serve(site: Site, tls: ssl.SSLContext | None = None) -> Iterator[Site]:
    handler = type("BoundHandler", (Handler,), {"site": site})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.stop.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    yield from serve(Site(routes={}))


def local_fetcher(*, timeout_s: float = 5.0, max_bytes: int = 1 << 20, max_redirects: int = 5) -> SafeFetcher:
    """allow_private=True is what MINIRAG_ALLOW_PRIVATE_URLS=1 gives local runs: loopback is reachable."""
    policy = UrlPolicy(allow_private=True)
    return SafeFetcher(policy, timeout_s=timeout_s, max_bytes=max_bytes, max_redirects=max_redirects)


class OriginIsPublic(UrlPolicy):
    """Strict policy (allow_private=False) that treats the test server, named origin.test, as a public site:
    stands in for a real public server whose redirects are then judged like any tenant URL."""

    def __init__(self, resolver: Callable[[str, int], list[str]] | None = None) -> None:
        super().__init__(allow_private=False, resolver=resolver or (lambda host, port: ["10.9.8.7"]))
        self._origin = UrlPolicy(allow_private=True, resolver=lambda host, port: ["127.0.0.1"])

    def vet(self, url: str | httpx.URL) -> VettedUrl:
        if httpx.URL(url).host == "origin.test":
            return self._origin.vet(url)
        return super().vet(url)


# --- fetch: success paths -------------------------------------------------------------------------------


def test_fetch_returns_body_type_and_headers(site: Site) -> None:
    site.routes["/page"] = ok(b"<html>hi</html>", "text/html; charset=utf-8")

    result = local_fetcher().fetch(site.url("/page"), accept="text/html")

    assert (result.status, result.body, result.content_type) == (
        200,
        b"<html>hi</html>",
        "text/html; charset=utf-8",
    )
    assert result.url == site.url("/page")
    assert result.headers["content-length"] == "15"


def test_fetch_sends_user_agent_and_accept(site: Site) -> None:
    captured: dict[str, str | None] = {}

    def page(h: Handler) -> None:
        captured.update(ua=h.headers.get("User-Agent"), accept=h.headers.get("Accept"))
        h.send(200, b"ok")

    site.routes["/ua"] = page

    local_fetcher().fetch(site.url("/ua"), accept="application/xml")

    assert captured == {"ua": "MiniRAG/0.1 (+https://github.com/minirag)", "accept": "application/xml"}


def test_follows_a_redirect_chain_with_relative_and_absolute_locations(site: Site) -> None:
    site.routes |= {
        "/start": redirect("/dir/next"),
        "/dir/next": redirect("last"),
        "/dir/last": redirect(site.url("/final"), status=301),
        "/final": ok(b"arrived"),
    }

    result = local_fetcher().fetch(site.url("/start"))

    assert (result.body, result.url) == (b"arrived", site.url("/final"))
    assert [s.path for s in site.seen] == ["/start", "/dir/next", "/dir/last", "/final"]


def test_too_many_redirects_are_refused(site: Site) -> None:
    site.routes["/loop"] = redirect("/loop")

    with pytest.raises(FetchFailedError, match="more than 3 redirects"):
        local_fetcher(max_redirects=3).fetch(site.url("/loop"))

    assert len(site.seen) == 4


# --- fetch: redirects into forbidden places ------------------------------------------------------------


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://0xa9fea9fe/",
        "http://[::ffff:169.254.169.254]/",
        "http://[fe80::1]/",
        "http://0.0.0.0/",
        "file:///etc/passwd",
    ],
)
def test_redirect_to_metadata_or_reserved_is_refused_even_for_local_runs(site: Site, location: str) -> None:
    site.routes["/go"] = redirect(location)

    with pytest.raises(BlockedUrlError):
        local_fetcher().fetch(site.url("/go"))


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:{port}/secret",
        "http://localhost:{port}/secret",
        "http://[::1]:{port}/secret",
        "http://2130706433:{port}/secret",
        "http://intranet.test/",  # resolves to 10.9.8.7
    ],
)
def test_public_site_redirecting_into_the_private_network_is_refused(site: Site, location: str) -> None:
    site.routes["/go"] = redirect(location.format(port=site.port))
    site.routes["/secret"] = ok(b"internal")
    fetcher = SafeFetcher(OriginIsPublic())

    with pytest.raises(BlockedUrlError, match="loopback or private"):
        fetcher.fetch(site.url("/go", host="origin.test"))

    assert [s.path for s in site.seen] == ["/go"]


# --- fetch: caps and failures ---------------------------------------------------------------------------


def test_declared_length_over_the_cap_is_refused_before_reading(site: Site) -> None:
    site.routes["/big"] = ok(b"x" * 5000)

    with pytest.raises(ResponseTooLargeError, match="declares 5,000 bytes"):
        local_fetcher(max_bytes=1000).fetch(site.url("/big"))


def test_streamed_body_over_the_cap_is_aborted(site: Site) -> None:
    site.routes["/endless"] = endless
    started = time.monotonic()

    with pytest.raises(ResponseTooLargeError, match="over the 1,048,576 byte limit"):
        local_fetcher(max_bytes=1024 * 1024).fetch(site.url("/endless"))

    assert time.monotonic() - started < 2


def test_body_at_the_cap_is_accepted(site: Site) -> None:
    site.routes["/exact"] = ok(b"y" * 1000)

    assert len(local_fetcher(max_bytes=1000).fetch(site.url("/exact")).body) == 1000


def test_a_stalled_server_times_out(site: Site) -> None:
    site.routes["/stall"] = stall
    started = time.monotonic()

    with pytest.raises(FetchFailedError, match="timed out"):
        local_fetcher(timeout_s=0.5).fetch(site.url("/stall"))

    assert time.monotonic() - started < 2


def test_a_trickling_server_hits_the_total_time_cap(site: Site) -> None:
    site.routes["/trickle"] = trickle
    started = time.monotonic()

    with pytest.raises(FetchFailedError, match=r"timed out after 0\.6 s"):
        local_fetcher(timeout_s=0.6).fetch(site.url("/trickle"))

    assert time.monotonic() - started < 2


@pytest.mark.parametrize("status", [404, 500, 503])
def test_non_2xx_is_a_failure_with_the_status(site: Site, status: int) -> None:
    site.routes["/status"] = lambda h: h.send(status, b"nope")

    with pytest.raises(FetchFailedError, match=f"HTTP {status}") as caught:
        local_fetcher().fetch(site.url("/status"))

    assert caught.value.status == status


def test_connection_refused_is_a_readable_failure() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        unused_port = probe.getsockname()[1]

    with pytest.raises(FetchFailedError, match="could not connect") as caught:
        local_fetcher().fetch(f"http://127.0.0.1:{unused_port}/")

    assert caught.value.status is None


# --- post -------------------------------------------------------------------------------------------------


def test_post_returns_status_first_4kb_and_elapsed(site: Site) -> None:
    site.routes["/hook"] = lambda h: h.send(202, b"z" * 10_000)

    result = local_fetcher().post(
        site.url("/hook"), body=b'{"event":"x"}', headers={"Content-Type": "application/json"}, timeout_s=2
    )

    assert result.status == 202
    assert result.body == b"z" * 4096
    assert 0 <= result.elapsed_ms < 2000
    assert (site.seen[0].method, site.seen[0].body) == ("POST", b'{"event":"x"}')


def test_post_does_not_follow_redirects_and_returns_errors_as_status(site: Site) -> None:
    site.routes |= {"/moved": redirect("/elsewhere", status=307), "/fail": lambda h: h.send(500, b"boom")}
    fetcher = local_fetcher()

    moved = fetcher.post(site.url("/moved"), body=b"{}", headers={})
    failed = fetcher.post(site.url("/fail"), body=b"{}", headers={})

    assert (moved.status, failed.status, failed.body) == (307, 500, b"boom")
    assert [s.path for s in site.seen] == ["/moved", "/fail"]


def test_post_to_the_metadata_service_is_refused_without_connecting() -> None:
    with pytest.raises(BlockedUrlError):
        local_fetcher().post("http://169.254.169.254/latest/api/token", body=b"", headers={})


def test_post_times_out_on_a_stalled_endpoint(site: Site) -> None:
    site.routes["/stall"] = stall
    started = time.monotonic()

    with pytest.raises(FetchFailedError, match="timed out"):
        local_fetcher().post(site.url("/stall"), body=b"{}", headers={}, timeout_s=0.5)

    assert time.monotonic() - started < 2


# --- address pinning --------------------------------------------------------------------------------------


class ScriptedResolver:
    """Gives a different answer on each call, like a DNS-rebinding attacker's name server."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append((host, port))
        return self.answers[min(len(self.calls), len(self.answers)) - 1]


def test_connects_to_the_checked_address_with_the_original_host_header(site: Site) -> None:
    site.routes["/page"] = ok(b"pinned")
    # The first answer is checked and used; a second lookup would get the metadata address.
    resolver = ScriptedResolver(["127.0.0.1"], ["169.254.169.254"])
    fetcher = SafeFetcher(UrlPolicy(allow_private=True, resolver=resolver))

    result = fetcher.fetch(site.url("/page", host="rebind.test"))

    assert result.body == b"pinned"
    assert result.url == site.url("/page", host="rebind.test")
    assert resolver.calls == [("rebind.test", site.port)]
    assert site.seen[0].host == f"rebind.test:{site.port}"


def test_a_name_whose_answer_includes_a_private_address_is_refused() -> None:
    resolver = ScriptedResolver(["93.184.216.34", "192.168.0.10"])

    with pytest.raises(BlockedUrlError):
        SafeFetcher(UrlPolicy(resolver=resolver)).fetch("https://public-looking.example/")


def test_moves_on_to_the_next_checked_address_when_one_refuses(site: Site) -> None:
    site.routes["/page"] = ok(b"second address")
    policy = UrlPolicy(allow_private=True, resolver=lambda host, port: ["127.0.0.2", "127.0.0.1"])

    assert SafeFetcher(policy).fetch(site.url("/page", host="multi.test")).body == b"second address"


def test_each_redirect_hop_is_resolved_and_checked_once(site: Site) -> None:
    site.routes |= {"/a": redirect(site.url("/b", host="hop.test")), "/b": ok(b"done")}
    resolver = ScriptedResolver(["127.0.0.1"])

    SafeFetcher(UrlPolicy(allow_private=True, resolver=resolver)).fetch(site.url("/a", host="first.test"))

    assert resolver.calls == [("first.test", site.port), ("hop.test", site.port)]
    assert [s.host for s in site.seen] == [f"first.test:{site.port}", f"hop.test:{site.port}"]


# --- https: SNI and certificate checks use the original host name ----------------------------------------


@dataclass
class Tls:
    server: ssl.SSLContext
    client: ssl.SSLContext


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pinned.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("pinned.test")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_cert_sign_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder: Path = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    client = ssl.create_default_context(cafile=str(folder / "cert.pem"))
    return Tls(server=server, client=client)


def _cert_sign_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


@pytest.fixture
def tls_site(tls: Tls) -> Iterator[Site]:
    site = Site(routes={"/page": ok(b"secure")})

    def record_sni(_sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        site.sni.append(name)

    tls.server.sni_callback = record_sni
    yield from serve(site, tls=tls.server)


def test_https_sends_sni_and_verifies_the_certificate_for_the_original_name(tls: Tls, tls_site: Site) -> None:
    fetcher = SafeFetcher(
        UrlPolicy(allow_private=True, resolver=lambda host, port: ["127.0.0.1"]), ssl_context=tls.client
    )

    result = fetcher.fetch(tls_site.url("/page", host="pinned.test", scheme="https"))

    assert result.body == b"secure"
    assert tls_site.sni == ["pinned.test"]
    assert tls_site.seen[0].host == f"pinned.test:{tls_site.port}"


def test_https_refuses_a_certificate_for_another_name(tls: Tls, tls_site: Site) -> None:
    fetcher = SafeFetcher(
        UrlPolicy(allow_private=True, resolver=lambda host, port: ["127.0.0.1"]), ssl_context=tls.client
    )

    with pytest.raises(FetchFailedError, match="could not connect"):
        fetcher.fetch(tls_site.url("/page", host="other.test", scheme="https"))

    assert tls_site.sni == ["other.test"]
    assert tls_site.seen == []


# --- sitemaps over HTTP ----------------------------------------------------------------------------------


def test_expand_sitemap_follows_an_index_and_skips_a_blocked_child(site: Site) -> None:
    index = (
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{site.url('/a.xml')}</loc></sitemap>"
        "<sitemap><loc>http://169.254.169.254/latest/meta-data/</loc></sitemap>"
        f"<sitemap><loc>{site.url('/b.xml.gz')}</loc></sitemap>"
        "</sitemapindex>"
    ).encode()
    urlset_a = b"<urlset><url><loc>https://example.com/1</loc></url></urlset>"
    urlset_b = gzip.compress(b"<urlset><url><loc>https://example.com/2</loc></url></urlset>")
    site.routes |= {
        "/sitemap.xml": ok(index, "application/xml"),
        "/a.xml": ok(urlset_a, "application/xml"),
        "/b.xml.gz": ok(urlset_b, "application/gzip"),
    }

    urls = expand_sitemap(local_fetcher(), site.url("/sitemap.xml"))

    assert urls == ["https://example.com/1", "https://example.com/2"]
    assert [s.path for s in site.seen] == ["/sitemap.xml", "/a.xml", "/b.xml.gz"]
