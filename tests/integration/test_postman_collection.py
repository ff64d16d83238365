"""Our Postman collection, run by newman (npm) against the API served on a loopback port.

The stack is the integration tier's: moto for AWS, the embedded vector store, and the real ingest and
webhook handlers fed from their queues by a background thread (as `make run`'s pollers do), so the
collection waits for ingestion the way it does against `make run`. A loopback receiver takes the
webhook deliveries and a loopback page is the URL source.
"""

import hashlib
import hmac
import importlib
import json
import re
import secrets
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from minirag.api.app import create_app
from minirag.bootstrap import build_services
from tests.conftest import make_settings
from tests.support.receiver import Received, receiver
from tests.support.server import serve
from tests.support.sites import serve_site
from tests.support.worker import IngestWorker, QueueWorker, WebhookWorker

ROOT = Path(__file__).resolve().parents[2]
POSTMAN = ROOT / "tests" / "postman"
COLLECTION = POSTMAN / "MiniRAG.postman_collection.json"
NEWMAN = POSTMAN / "node_modules" / ".bin" / "newman"

CANTEEN = """<html><head><title>Canteen</title></head><body><main><h1>Canteen</h1>
<p>The canteen serves lunch from 11:30 to 14:00. Vegetarian dishes are marked with a green leaf.</p>
</main></body></html>"""


@contextmanager
def polling(workers: list[QueueWorker]) -> Iterator[None]:
    """Feeds the queues to their handlers until the block ends, as the local cloud's pollers do; then
    drains what is left, so no message of this run waits for a later test's worker."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            if not sum(worker.poller.poll_once() for worker in workers):
                stop.wait(0.25)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(30)
        for worker in workers:
            worker.drain()


def newman(report: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    command = [str(NEWMAN), "run", str(COLLECTION), "--reporters", "cli,json"]
    command += ["--reporter-json-export", str(report), "--disable-unicode", "--color", "off"]
    for name, value in variables.items():
        command += ["--env-var", f"{name}={value}"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240, check=False)  # noqa: S603


def failures(report: dict[str, Any]) -> list[str]:
    """Every failed assertion, script error and request error of the run, one line each."""
    lines = []
    for failure in report["run"]["failures"]:
        source = failure.get("source") or {}
        error = failure.get("error") or {}
        test = error.get("test") or error.get("name", "error")
        lines.append(f"{source.get('name', '?')}: {test}: {error.get('message', '')}")
    return lines


def event_types(received: list[Received]) -> set[str]:
    return {r.headers.get("x-minirag-event", "") for r in received}


def signed(secret: str, delivery: Received) -> bool:
    """Both signatures of README's webhook section: the original's over the body, ours over time and body."""
    body = delivery.body.encode()
    plain = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    timed = f"{delivery.headers['x-minirag-timestamp']}.".encode() + body
    v2 = hmac.new(secret.encode(), timed, hashlib.sha256).hexdigest()
    headers = delivery.headers
    return headers["x-minirag-signature"] == plain and headers["x-minirag-signature-v2"] == v2


def requests(items: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    """(method, path) of every request of the collection, folders flattened, query strings dropped."""
    for item in items:
        if "item" in item:
            yield from requests(item["item"])
        elif item["request"]["url"].startswith("{{base_url}}"):
            url = item["request"]["url"].removeprefix("{{base_url}}")
            yield item["request"]["method"], url.split("?")[0]


def test_the_collection_calls_every_route(client: TestClient) -> None:
    """Each request counts for the most specific route it matches (/v1/chat/export, not /v1/chat/{chat_id})."""
    operations = {(m.upper(), p) for p, item in client.app.openapi()["paths"].items() for m in item}  # type: ignore[attr-defined]
    pattern = {p: re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$") for _, p in operations}
    called = set()
    for method, path in requests(json.loads(COLLECTION.read_text())["item"]):
        matches = [p for m, p in operations if m == method and pattern[p].match(path)]
        assert matches, f"{method} {path} is no route of the API"
        called.add((method, max(matches, key=lambda p: len(re.findall(r"/[^{/][^/]*", p)))))
    assert sorted(operations - called) == [], "routes the Postman collection does not call"


def read_report(run: subprocess.CompletedProcess[str], path: Path, elapsed: float) -> dict[str, Any]:
    """Prints newman's output and every failure, one line each (pytest shows them when the test fails)."""
    print(run.stdout[-20_000:], run.stderr[-5_000:])
    assert path.exists(), f"newman wrote no report (exit {run.returncode}): {run.stderr[-2000:]}"
    report: dict[str, Any] = json.loads(path.read_text())
    for line in failures(report):
        print("FAIL", line)
    stats = report["run"]["stats"]
    print(
        f"requests {stats['requests']['total']}, assertions {stats['assertions']['total']}, {elapsed:.1f} s"
    )
    return report


def test_the_postman_collection_passes_against_the_stack(
    aws_endpoint: str, aws_env: dict[str, str], tmp_path: Path
) -> None:
    if not NEWMAN.exists():
        pytest.fail("newman is not installed: sh tests/postman/setup.sh (make test runs it)")
    # The first chat turn would otherwise spend seconds importing litellm inside the collection's time.
    importlib.import_module("litellm")
    services = build_services(make_settings(aws_endpoint, aws_env, tmp_path / "data"))
    workers: list[QueueWorker] = [IngestWorker(services, aws_endpoint), WebhookWorker(services, aws_endpoint)]
    secret, report_path = secrets.token_urlsafe(16), tmp_path / "newman.json"
    with serve(create_app(services)) as base_url, receiver() as hooks, serve_site() as site, polling(workers):
        page_url = site.add("/canteen.html", CANTEEN)
        started = time.monotonic()
        run = newman(
            report_path,
            base_url=base_url,
            webhook_url=hooks.url,
            webhook_secret=secret,
            page_url=page_url,
            strict="1",
        )
        elapsed = time.monotonic() - started

    report = read_report(run, report_path, elapsed)
    assert failures(report) == [] and run.returncode == 0
    assert report["run"]["stats"]["assertions"]["total"] > 300
    assert {"test.ping", "chat.message"} <= event_types(hooks.received)
    assert all(signed(secret, delivery) for delivery in hooks.received)
