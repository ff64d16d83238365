"""The DynamoDB wire client against a scripted HTTP endpoint: its signature is botocore's, and its answers,
errors, retries and checksums are what botocore's client would give PynamoDB."""

import base64
import json
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import (
    BotoCoreError,
    ChecksumError,
    ClientError,
    ConnectionClosedError,
    ReadTimeoutError,
)

from minirag.adapters.dynamodb.tables import DynamoConfig, DynamoTables
from minirag.adapters.dynamodb.wire import WireClient, WireConfig, observing

Scripted = tuple[int, bytes, dict[str, str]]  # status, body, extra headers; status 0 closes the connection


class Endpoint:
    def __init__(self) -> None:
        self.script: list[Scripted] = []
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.url = ""


@contextmanager
def endpoint() -> Iterator[Endpoint]:
    scripted = Endpoint()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            scripted.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            status, answer, extra = scripted.script.pop(0) if scripted.script else (200, b"{}", {})
            if status == 0:
                self.close_connection = True
                return
            self.send_response(status)
            for key, value in {"x-amz-crc32": str(zlib.crc32(answer)), **extra}.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    scripted.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield scripted
    finally:
        server.shutdown()
        server.server_close()


CREDENTIALS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token")


def client(url: str, *, attempts: int = 3, timeout: float = 5.0) -> WireClient:
    config = WireConfig(
        region="eu-west-1",
        endpoint_url=url,
        credentials=lambda: CREDENTIALS,
        max_attempts=attempts,
        read_timeout=timeout,
    )
    return WireClient(config)


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("minirag.adapters.dynamodb.wire.random.random", lambda: 0.0)


@pytest.mark.parametrize("token", ["session-token", None], ids=["role", "keys"])
def test_the_signature_is_the_one_botocore_computes_for_the_same_request(token: str | None) -> None:
    credentials = Credentials(CREDENTIALS.access_key, CREDENTIALS.secret_key, token)
    config = WireConfig(
        region="eu-west-1", endpoint_url="http://127.0.0.1:8000", credentials=lambda: credentials
    )
    body, stamp = b'{"TableName":"t"}', "20261202T101500Z"
    headers = WireClient(config)._headers("GetItem", body, stamp)

    unsigned = {k: v for k, v in headers.items() if k != "Authorization"}
    request = AWSRequest("POST", "http://127.0.0.1:8000/", data=body, headers=unsigned)
    request.context["timestamp"] = stamp
    botocore = SigV4Auth(credentials.get_frozen_credentials(), "dynamodb", "eu-west-1")
    canonical = botocore.canonical_request(request)
    expected = botocore.signature(botocore.string_to_sign(request, canonical), request)

    assert headers["Authorization"].endswith(
        f"SignedHeaders={botocore.signed_headers(botocore.headers_to_sign(request))}, Signature={expected}"
    )
    assert headers.get("X-Amz-Security-Token") == token


def test_an_answer_is_parsed_and_binary_values_come_back_as_bytes() -> None:
    item = {
        "pk": {"S": "a"},
        "blob": {"B": base64.b64encode(b"\x00\xff").decode()},
        "m": {"M": {"B": {"S": "x"}}},
    }
    seen: list[tuple[str, str]] = []
    with (
        endpoint() as fake,
        observing(lambda op, params: seen.append(("before", op)), lambda op, _: seen.append(("after", op))),
    ):
        fake.script = [(200, json.dumps({"Item": item}).encode(), {})]
        got = client(fake.url).call(
            "GetItem", {"TableName": "t", "Key": {"pk": {"S": "a"}}, "V": {"B": b"\x01"}}
        )
        sent_headers, sent = fake.received[0]

    assert got["Item"]["blob"] == {"B": b"\x00\xff"} and got["Item"]["m"] == {"M": {"B": {"S": "x"}}}
    assert json.loads(sent)["V"] == {"B": "AQ=="}, "bytes are sent as base64"
    assert sent_headers["x-amz-target"] == "DynamoDB_20120810.GetItem"
    assert sent_headers["content-type"] == "application/x-amz-json-1.0"
    assert seen == [("before", "GetItem"), ("after", "GetItem")]


def test_a_cancelled_transaction_is_a_client_error_with_its_reasons_and_is_not_retried() -> None:
    answer = {
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "message": "Transaction cancelled",
        "CancellationReasons": [{"Code": "None"}, {"Code": "ConditionalCheckFailed"}],
    }
    with endpoint() as fake:
        fake.script = [(400, json.dumps(answer).encode(), {"x-amzn-requestid": "r1"})]
        with pytest.raises(ClientError) as raised:
            client(fake.url).call("TransactWriteItems", {"TransactItems": []})
        assert len(fake.received) == 1

    response = raised.value.response
    assert response["Error"] == {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"}
    assert response["CancellationReasons"][1] == {"Code": "ConditionalCheckFailed"}
    assert response["ResponseMetadata"]["RequestId"] == "r1"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_throttling_a_500_and_a_bad_checksum_are_retried_then_the_answer_is_returned() -> None:
    throttled = b'{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"}'
    with endpoint() as fake:
        fake.script = [
            (400, throttled, {}),
            (500, b"{}", {}),
            (200, b'{"Count":1}', {"x-amz-crc32": "1"}),
            (200, b'{"Count":2}', {}),
        ]
        got = client(fake.url, attempts=4).call("Query", {"TableName": "t"})
        assert got == {"Count": 2} and len(fake.received) == 4


def test_when_attempts_run_out_the_last_failure_is_raised_as_botocores_type() -> None:
    with endpoint() as fake:
        fake.script = [(200, b'{"Count":1}', {"x-amz-crc32": "1"})] * 2
        with pytest.raises(ChecksumError):
            client(fake.url, attempts=2).call("Query", {"TableName": "t"})
        fake.script = [(0, b"", {})] * 2
        with pytest.raises(ConnectionClosedError):
            client(fake.url, attempts=2).call("Query", {"TableName": "t"})


def test_a_silent_endpoint_is_a_read_timeout() -> None:
    stalled = threading.Event()

    class Silent(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            stalled.wait(5)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Silent)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(ReadTimeoutError):
            client(f"http://127.0.0.1:{server.server_address[1]}", attempts=1, timeout=0.3).call(
                "GetItem", {}
            )
    finally:
        stalled.set()
        server.shutdown()
        server.server_close()


def test_pynamodb_calls_do_not_ask_for_consumed_capacity() -> None:
    """Nothing reads it; left to DynamoDB's default, the engine skips the accounting (`make cost` asks)."""
    with endpoint() as fake:
        config = DynamoConfig(
            table_name="tbl", region="eu-west-1", host=fake.url, access_key="a", secret_key="b"
        )
        tables = DynamoTables(config)
        fake.script = [(200, b"{}", {})]
        tables.connection.dispatch(
            "GetItem", {"TableName": "tbl", "Key": {"pk": {"S": "a"}, "sk": {"S": "b"}}}
        )
        sent = [json.loads(body) for _, body in fake.received]
    assert sent and all("ReturnConsumedCapacity" not in call for call in sent)


@pytest.mark.parametrize(
    "body", [b"<html>proxy error</html>", b"\xff\xfe", b"[1, 2]"], ids=["html", "bytes", "list"]
)
def test_an_answer_that_is_not_a_json_object_is_a_botocore_error(body: bytes) -> None:
    with endpoint() as fake:
        fake.script = [(200, body, {})]
        with pytest.raises(BotoCoreError, match="could not be read"):
            client(fake.url, attempts=1).call("GetItem", {})


def test_the_host_is_signed_as_it_is_sent() -> None:
    """urllib3 sends the host lowercased and without the scheme's default port; botocore signs that too."""
    body, stamp = b"{}", "20261202T101500Z"
    for url, sent in (
        ("http://LocalHost:80", "http://localhost/"),
        ("https://DYNAMO.example:443/", "https://dynamo.example/"),
    ):
        headers = WireClient(
            WireConfig(region="eu-west-1", endpoint_url=url, credentials=lambda: CREDENTIALS)
        )._headers("GetItem", body, stamp)
        unsigned = {k: v for k, v in headers.items() if k != "Authorization"}
        request = AWSRequest("POST", sent, data=body, headers=unsigned)
        request.context["timestamp"] = stamp
        botocore = SigV4Auth(CREDENTIALS.get_frozen_credentials(), "dynamodb", "eu-west-1")
        expected = botocore.signature(
            botocore.string_to_sign(request, botocore.canonical_request(request)), request
        )
        assert headers["Authorization"].endswith(f"Signature={expected}"), url
    with pytest.raises(ValueError):
        WireClient(
            WireConfig(
                region="eu-west-1", endpoint_url="http://user:pw@host", credentials=lambda: CREDENTIALS
            )
        )
