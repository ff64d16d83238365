"""The emulator router: DynamoDB requests to DynamoDB Local, everything else to LocalStack, unchanged."""

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest

from scripts.emulators.router import Router, service_of


class _Echo(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        reply = json.dumps({"upstream": self.server.name, "path": self.path, "body": body.decode()}).encode()  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_PUT = do_POST

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def upstreams() -> Iterator[dict[str, str]]:
    servers = {}
    for name in ("dynamodb", "other"):
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
        server.name = name  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers[name] = server
    yield {name: f"http://127.0.0.1:{s.server_address[1]}" for name, s in servers.items()}
    for server in servers.values():
        server.shutdown()
        server.server_close()


def test_the_signature_scope_names_the_service() -> None:
    auth = "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host"
    assert service_of({"authorization": auth}) == "dynamodb"
    assert service_of({"authorization": auth.replace("dynamodb", "sqs")}) == "sqs"
    assert service_of({"x-amz-target": "DynamoDB_20120810.GetItem"}) == "dynamodb"
    assert service_of({}) == ""  # presigned S3 URLs carry no header: they go to LocalStack


def test_requests_reach_the_emulator_of_their_service(upstreams: dict[str, str]) -> None:
    with Router(upstreams["dynamodb"], upstreams["other"]) as router:
        session = boto3.session.Session(
            aws_access_key_id="a", aws_secret_access_key="b", region_name="us-east-1"
        )
        dynamodb = session.client("dynamodb", endpoint_url=router.url)
        sqs = session.client("sqs", endpoint_url=router.url)
        seen = {}
        for name, client, call in (("dynamodb", dynamodb, "list_tables"), ("sqs", sqs, "list_queues")):

            def capture(http_response, name=name, **_):  # type: ignore[no-untyped-def]
                seen[name] = json.loads(http_response.content)

            client.meta.events.register("after-call", capture)
            with contextlib.suppress(Exception):  # the echo is no service answer: the routing is what counts
                getattr(client, call)()
    assert seen["dynamodb"]["upstream"] == "dynamodb" and "ListTables" not in seen["dynamodb"]["path"]
    assert seen["sqs"]["upstream"] == "other"
