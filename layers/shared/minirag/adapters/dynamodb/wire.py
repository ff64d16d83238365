"""DynamoDB's JSON protocol, signed and sent without botocore's generic machinery.

PynamoDB hands botocore request dictionaries that are already DynamoDB's wire format; botocore then walks
them against the service model, emits ten events, resolves the endpoint from its rule set and rebuilds
the User-Agent, about 0.9 ms of CPU a call, against 0.4 ms here (benchmarks/bench_wire.py): a chat turn
makes four calls and a list read two, so that is the largest piece of our CPU per request after the
model calls. This client does what a DynamoDB call needs and nothing else: JSON in and out, SigV4 with a
cached signing key, one keep-alive pool, the CRC32 DynamoDB puts on every answer, and botocore's
"standard" retry rules (same errors retried, same backoff, same attempt count as PynamoDB configured).
Failures surface as botocore's own exception types (ClientError with the parsed error, ReadTimeoutError,
ConnectionClosedError, ...), so PynamoDB and `tables.storage_errors` map them exactly as before.
"""

import base64
import hashlib
import hmac
import json
import random
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast
from urllib.parse import urlsplit

import urllib3
from botocore.credentials import Credentials
from botocore.exceptions import (
    BotoCoreError,
    ChecksumError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    NoCredentialsError,
    ReadTimeoutError,
)
from botocore.httpsession import get_cert_path
from urllib3.exceptions import HTTPError, NewConnectionError, ProtocolError
from urllib3.exceptions import ReadTimeoutError as Urllib3ReadTimeout

TARGET = "DynamoDB_20120810."
SIGNED = "content-type;host;x-amz-date;x-amz-target"  # SigV4 wants them sorted
SIGNED_WITH_TOKEN = "content-type;host;x-amz-date;x-amz-security-token;x-amz-target"  # noqa: S105
# botocore's "standard" retry mode: throttling and transient error codes, and these HTTP statuses.
RETRIED_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
RETRIED_STATUSES = frozenset({500, 502, 503, 504})
MAX_BACKOFF_S = 20.0

Observer = Callable[[str, dict[str, Any]], None]
_before: list[Observer] = []
_after: list[Observer] = []


@contextmanager
def observing(before: Observer, after: Observer | None = None) -> Iterator[None]:
    """Calls `before(operation, params)` ahead of every DynamoDB call of every client in the process, and
    `after(operation, answer)` when it succeeded (how tests and `make cost` count calls); a call is seen
    once, however often it is retried."""
    _before.append(before)
    if after:
        _after.append(after)
    try:
        yield
    finally:
        _before.remove(before)
        if after:
            _after.remove(after)


@dataclass(frozen=True)
class WireConfig:
    region: str
    endpoint_url: str | None
    credentials: Callable[[], Credentials | None]
    max_attempts: int = 4
    connect_timeout: float = 5.0
    read_timeout: float = 5.0
    pool_size: int = 10


class MalformedAnswerError(BotoCoreError):
    """An answer that is not DynamoDB's JSON object: a store fault (503), like botocore's other errors."""

    fmt = "DynamoDB's answer could not be read: {detail}"


class _Retryable(Exception):
    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


class WireClient:
    """What PynamoDB needs of a botocore DynamoDB client: `_make_api_call(operation, params)`."""

    def __init__(self, config: WireConfig) -> None:
        self.config = config
        self.endpoint_url = config.endpoint_url or _aws_endpoint(config.region)
        parts = urlsplit(self.endpoint_url)
        if parts.username or parts.password or not parts.hostname:
            raise ValueError(f"a DynamoDB endpoint is scheme://host[:port][/path]: {self.endpoint_url!r}")
        default_port = {"http": 80, "https": 443}.get(parts.scheme)
        port = f":{parts.port}" if parts.port and parts.port != default_port else ""
        self._host = parts.hostname.lower() + port  # the Host header urllib3 sends, as it is signed
        self._path = parts.path or "/"
        timeout = urllib3.Timeout(connect=config.connect_timeout, read=config.read_timeout)
        pool_args: dict[str, Any] = {"maxsize": config.pool_size, "retries": False, "timeout": timeout}
        if parts.scheme == "https":
            pool_args["ca_certs"] = get_cert_path(True)
        self._pool = urllib3.connection_from_url(self.endpoint_url, **pool_args)
        self._keys: dict[tuple[str, str], bytes] = {}
        self._keys_lock = threading.Lock()
        self.meta = SimpleNamespace(endpoint_url=self.endpoint_url, region_name=config.region)

    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        for before in _before:
            before(operation, params)
        body = json.dumps(params, separators=(",", ":"), default=_encode_blob).encode()
        attempt = 1
        while True:
            try:
                answer = self._send(operation, body, attempt)
            except _Retryable as failed:
                if attempt >= self.config.max_attempts:
                    raise failed.error from None
            else:
                for after in _after:
                    after(operation, answer)
                return answer
            time.sleep(min(MAX_BACKOFF_S, random.random() * 2 ** (attempt - 1)))  # noqa: S311
            attempt += 1

    _make_api_call = call

    def close(self) -> None:
        self._pool.close()

    def _send(self, operation: str, body: bytes, attempt: int) -> dict[str, Any]:
        try:
            answer = self._pool.urlopen(
                "POST", self._path, body=body, headers=self._headers(operation, body), preload_content=True
            )
        except Urllib3ReadTimeout as exc:
            raise _Retryable(ReadTimeoutError(endpoint_url=self.endpoint_url, error=exc)) from exc
        except NewConnectionError as exc:  # before its base class, ConnectTimeoutError (urllib3 2)
            raise _Retryable(EndpointConnectionError(endpoint_url=self.endpoint_url, error=exc)) from exc
        except urllib3.exceptions.ConnectTimeoutError as exc:
            raise _Retryable(ConnectTimeoutError(endpoint_url=self.endpoint_url, error=exc)) from exc
        except ProtocolError as exc:
            raise _Retryable(
                ConnectionClosedError(endpoint_url=self.endpoint_url, request=None, error=exc)
            ) from exc
        except HTTPError as exc:
            raise _Retryable(HTTPClientError(error=exc)) from exc
        data: bytes = answer.data
        crc = answer.headers.get("x-amz-crc32")
        if crc is not None and str(zlib.crc32(data)) != crc.strip():
            raise _Retryable(ChecksumError(checksum_type="crc32", expected_checksum=crc, actual_checksum=""))
        if answer.status == 200:
            parsed = _json_object(data)
            binary = b'"B":' in data or b'"BS":' in data  # DynamoDB's JSON has no spaces
            return _decode_blobs(parsed) if binary else parsed
        error = ClientError(
            cast(Any, _error_response(answer.status, answer.headers, data, attempt)), operation
        )
        if answer.status in RETRIED_STATUSES or error.response["Error"]["Code"] in RETRIED_CODES:
            raise _Retryable(error)
        raise error

    def _headers(self, operation: str, body: bytes, stamp: str | None = None) -> dict[str, str]:
        """The request's headers, signed with SigV4 (`stamp`, an ISO basic UTC time, defaults to now)."""
        credentials = self.config.credentials()
        if credentials is None:
            raise NoCredentialsError()
        frozen = credentials.get_frozen_credentials()
        stamp = stamp or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = TARGET + operation
        headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Date": stamp, "X-Amz-Target": target}
        token = ""  # the session token's header sorts between x-amz-date and x-amz-target
        if frozen.token:
            headers["X-Amz-Security-Token"] = frozen.token
            token = f"x-amz-security-token:{frozen.token}\n"
        signed = SIGNED_WITH_TOKEN if token else SIGNED
        canonical_headers = (
            f"content-type:application/x-amz-json-1.0\nhost:{self._host}\nx-amz-date:{stamp}\n{token}"
            f"x-amz-target:{target}\n"
        )
        canonical = f"POST\n{self._path}\n\n{canonical_headers}\n{signed}\n{hashlib.sha256(body).hexdigest()}"
        scope = f"{stamp[:8]}/{self.config.region}/dynamodb/aws4_request"
        to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        key = self._signing_key(frozen.secret_key or "", stamp[:8])
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        headers["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={frozen.access_key}/{scope}, SignedHeaders={signed}, "
            f"Signature={signature}"
        )
        return headers

    def _signing_key(self, secret: str, day: str) -> bytes:
        cached = self._keys.get((secret, day))
        if cached is not None:
            return cached
        key = hmac.new(f"AWS4{secret}".encode(), day.encode(), hashlib.sha256).digest()
        for part in (self.config.region, "dynamodb", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        with self._keys_lock:
            self._keys = {(secret, day): key}  # one day's key: yesterday's is never needed again
        return key


def _json_object(data: bytes) -> dict[str, Any]:
    """An answer's body, which DynamoDB always sends as a JSON object; anything else is botocore's parser
    error type (a store fault, a 503), not a ValueError from deep inside a request."""
    try:
        parsed = json.loads(data) if data else {}
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError both
        raise MalformedAnswerError(detail=f"not JSON ({exc})") from exc
    if not isinstance(parsed, dict):
        raise MalformedAnswerError(detail="not a JSON object")
    return parsed


def _aws_endpoint(region: str) -> str:
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://dynamodb.{region}.{suffix}"


def _error_response(status: int, headers: Any, data: bytes, attempt: int) -> dict[str, Any]:
    """The dictionary botocore's parser makes of an error answer: the code after the `#` of `__type`, the
    message, and the body's other members (CancellationReasons, Item) beside them."""
    try:
        parsed = json.loads(data) if data else {}
    except ValueError:
        parsed = {}
    if not isinstance(parsed, dict):
        parsed = {}
    kind = str(parsed.pop("__type", "") or "")
    message = parsed.pop("message", None) or parsed.pop("Message", None) or ""
    response: dict[str, Any] = _decode_blobs(parsed)
    response["Error"] = {"Code": kind.rpartition("#")[2] or str(status), "Message": str(message)}
    response["ResponseMetadata"] = {
        "RequestId": headers.get("x-amzn-requestid", ""),
        "HTTPStatusCode": status,
        "HTTPHeaders": {k.lower(): v for k, v in headers.items()},
        "RetryAttempts": attempt - 1,
    }
    return response


def _encode_blob(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} is not a DynamoDB attribute value")


def _decode_blobs(value: Any) -> Any:
    """Binary attribute values arrive as base64 text; botocore gives them as bytes, and so does this. An
    attribute value is a one-key map, so {"B": text} cannot be a map attribute named B (its value would
    be a map)."""
    if isinstance(value, dict):
        if len(value) == 1:
            ((kind, inner),) = value.items()
            if kind == "B" and isinstance(inner, str):
                return {"B": base64.b64decode(inner)}
            if kind == "BS" and isinstance(inner, list) and all(isinstance(x, str) for x in inner):
                return {"BS": [base64.b64decode(x) for x in inner]}
        return {k: _decode_blobs(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_blobs(v) for v in value]
    return value
