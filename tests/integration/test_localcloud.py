"""The local cloud runner against a real moto server on loopback: provisioning, pollers, schedules, CLI."""

import hashlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from scripts.localcloud import LocalCloud, provision, provision_stack

REGION = "us-east-1"
ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


def client(service: str, endpoint: str) -> Any:
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def test_provision_creates_the_table_with_both_indexes_and_ttl(endpoint: str, prefix: str) -> None:
    env = provision(endpoint, prefix=prefix)

    ddb = client("dynamodb", endpoint)
    table = ddb.describe_table(TableName=env["MINIRAG_TABLE_NAME"])["Table"]
    assert env["MINIRAG_TABLE_NAME"] == f"{prefix}-MiniRagTable"
    assert {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]} == {"pk": "HASH", "sk": "RANGE"}
    indexes = {i["IndexName"]: i for i in table["GlobalSecondaryIndexes"]}
    assert set(indexes) == {"gsi1", "refresh"}
    assert [k["AttributeName"] for k in indexes["gsi1"]["KeySchema"]] == ["gsi1pk", "gsi1sk"]
    assert indexes["gsi1"]["Projection"]["ProjectionType"] == "ALL"
    assert [k["AttributeName"] for k in indexes["refresh"]["KeySchema"]] == ["refresh_pk", "refresh_sk"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    ttl = ddb.describe_time_to_live(TableName=env["MINIRAG_TABLE_NAME"])["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"}


def test_provision_creates_queues_with_their_dead_letter_redrive(endpoint: str, prefix: str) -> None:
    stack = provision_stack(endpoint, prefix=prefix)

    sqs = client("sqs", endpoint)
    for queue, dlq, max_receives in (("IngestQueue", "IngestDLQ", 3), ("WebhookQueue", "WebhookDLQ", 8)):
        url = sqs.get_queue_url(QueueName=f"{prefix}-{queue}")["QueueUrl"]
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        dlq_arn = sqs.get_queue_attributes(
            QueueUrl=sqs.get_queue_url(QueueName=f"{prefix}-{dlq}")["QueueUrl"], AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        assert stack.resources[queue].ref == url
        redrive = json.loads(attrs["RedrivePolicy"])
        assert redrive["deadLetterTargetArn"] == dlq_arn
        assert int(redrive["maxReceiveCount"]) == max_receives
    ingest = sqs.get_queue_attributes(QueueUrl=stack.resources["IngestQueue"].ref, AttributeNames=["All"])
    assert ingest["Attributes"]["VisibilityTimeout"] == "1800"
    dlq_attrs = sqs.get_queue_attributes(QueueUrl=stack.resources["IngestDLQ"].ref, AttributeNames=["All"])
    assert dlq_attrs["Attributes"]["MessageRetentionPeriod"] == "1209600"


def test_provision_creates_the_private_uploads_bucket_with_cors(endpoint: str, prefix: str) -> None:
    env = provision(endpoint, prefix=prefix)

    s3 = client("s3", endpoint)
    assert env["MINIRAG_UPLOADS_BUCKET"] == f"{prefix}-uploadsbucket"
    s3.head_bucket(Bucket=env["MINIRAG_UPLOADS_BUCKET"])
    rules = s3.get_bucket_cors(Bucket=env["MINIRAG_UPLOADS_BUCKET"])["CORSRules"]
    assert rules[0]["AllowedMethods"] == ["PUT"]
    assert rules[0]["AllowedOrigins"] == ["*"]
    block = s3.get_public_access_block(Bucket=env["MINIRAG_UPLOADS_BUCKET"])["PublicAccessBlockConfiguration"]
    assert all(block.values())
    lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=env["MINIRAG_UPLOADS_BUCKET"])["Rules"]
    assert {"Prefix": "tmp/"} in [rule.get("Filter") for rule in lifecycle]


def test_provision_is_idempotent(endpoint: str, prefix: str) -> None:
    first = provision(endpoint, prefix=prefix)
    sqs = client("sqs", endpoint)
    sqs.send_message(QueueUrl=first["MINIRAG_INGEST_QUEUE_URL"], MessageBody="kept")

    second = provision(endpoint, prefix=prefix)

    assert second == first
    tables = client("dynamodb", endpoint).list_tables()["TableNames"]
    assert [t for t in tables if t.startswith(prefix)] == [f"{prefix}-MiniRagTable"]
    queues = sqs.list_queues(QueueNamePrefix=prefix)["QueueUrls"]
    assert len(queues) == 4
    received = sqs.receive_message(QueueUrl=second["MINIRAG_INGEST_QUEUE_URL"], MaxNumberOfMessages=10)
    bodies = [m["Body"] for m in received.get("Messages", [])]
    assert bodies.count("kept") == 1, "re-provisioning keeps queued messages"
    assert all(b == "kept" or "s3:TestEvent" in b for b in bodies), (
        "S3 sends a test event per notification setup"
    )


def test_environment_resolves_references_and_leaves_out_what_is_not_local(endpoint: str, prefix: str) -> None:
    env = provision(endpoint, prefix=prefix)

    assert env["MINIRAG_ENV"] == "local"
    assert env["AWS_ENDPOINT_URL"] == endpoint
    assert env["MINIRAG_INGEST_QUEUE_URL"].endswith(f"/{prefix}-IngestQueue")
    assert env["MINIRAG_WEBHOOK_QUEUE_URL"].endswith(f"/{prefix}-WebhookQueue")
    assert env["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
    assert env["MINIRAG_DEFAULT_MODEL"] == "minirag/offline-extractive"
    assert "MINIRAG_SECRETS_ARN" not in env
    assert "MINIRAG_QDRANT_URL" not in env  # empty parameter: the !If drops it


# ---- event sources -----------------------------------------------------------------------------


@pytest.fixture
def cloud(endpoint: str, prefix: str) -> Iterator[LocalCloud]:
    with LocalCloud(endpoint_url=endpoint, prefix=prefix, poll_wait_seconds=2) as started:
        # S3's s3:TestEvent from setting up the uploads notification would otherwise be the first message.
        client("sqs", endpoint).purge_queue(QueueUrl=started.stack.resources["IngestQueue"].ref)
        yield started


def _count(sqs: Any, url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attrs[name]) for name in names)


def test_poller_deletes_successes_and_keeps_reported_failures_until_the_dlq(cloud: LocalCloud) -> None:
    sqs = client("sqs", cloud.endpoint_url)
    queue, dlq = cloud.stack.resources["IngestQueue"].ref, cloud.stack.resources["IngestDLQ"].ref
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"VisibilityTimeout": "1"})  # so failures return fast
    for body in ("ok-1", "ok-2", "fail"):
        sqs.send_message(QueueUrl=queue, MessageBody=body)
    seen: list[str] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.extend(r["body"] for r in event["Records"])
        failed = [r["messageId"] for r in event["Records"] if r["body"] == "fail"]
        return {"batchItemFailures": [{"itemIdentifier": m} for m in failed]}

    (poller,) = cloud.make_pollers({"IngestFunction": handler})
    deadline = time.monotonic() + 20
    while _count(sqs, dlq) == 0 and time.monotonic() < deadline:
        poller.poll_once()

    assert sorted(seen) == ["fail", "fail", "fail", "ok-1", "ok-2"]  # maxReceiveCount 3, successes once
    moved = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in moved] == ["fail"]
    assert _count(sqs, queue) == 0


def test_poller_builds_the_lambda_sqs_event_and_context(cloud: LocalCloud) -> None:
    sqs = client("sqs", cloud.endpoint_url)
    queue = cloud.stack.resources["IngestQueue"]
    body = '{"v": 1, "type": "ingest_source", "tenant_id": "t1", "source_id": "s1"}'
    sqs.send_message(
        QueueUrl=queue.ref,
        MessageBody=body,
        MessageAttributes={"trace": {"DataType": "String", "StringValue": "abc"}},
    )
    calls: list[tuple[dict[str, Any], Any]] = []
    (poller,) = cloud.make_pollers({"IngestFunction": lambda event, context: calls.append((event, context))})

    assert poller.poll_once() == 1

    ((event, context),) = calls
    (record,) = event["Records"]
    assert set(record) == {
        "messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody",
        "md5OfMessageAttributes", "eventSource", "eventSourceARN", "awsRegion",
    }  # fmt: skip
    assert record["body"] == body
    assert record["md5OfBody"] == hashlib.md5(body.encode()).hexdigest()  # noqa: S324
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == queue.attrs["Arn"]
    assert record["awsRegion"] == REGION
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(record["attributes"])
    assert record["messageAttributes"] == {
        "trace": {"stringValue": "abc", "stringListValues": [], "binaryListValues": [], "dataType": "String"}
    }
    assert context.function_name == f"{cloud.prefix}-IngestFunction"
    assert context.memory_limit_in_mb == 2048
    assert context.invoked_function_arn.endswith(f":function:{cloud.prefix}-IngestFunction")
    assert 0 < context.get_remaining_time_in_millis() <= 300_000
    assert _count(sqs, queue.ref) == 0  # a None response is complete success


@pytest.mark.parametrize(
    "outcome",
    [RuntimeError("boom"), {"batchItemFailures": [{"itemIdentifier": "not-in-this-batch"}]}, "not an object"],
    ids=["raises", "unknown-identifier", "not-an-object"],
)
def test_a_raising_handler_or_malformed_response_keeps_the_whole_batch(
    cloud: LocalCloud, outcome: Any
) -> None:
    sqs = client("sqs", cloud.endpoint_url)
    queue = cloud.stack.resources["WebhookQueue"].ref
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"VisibilityTimeout": "1"})
    sent = {sqs.send_message(QueueUrl=queue, MessageBody=f"m{i}")["MessageId"] for i in range(2)}

    def failing(event: dict[str, Any], context: Any) -> Any:
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    (poller,) = cloud.make_pollers({"WebhookFunction": failing})
    assert poller.poll_once() == 2

    redelivered: list[dict[str, Any]] = []
    (retry,) = cloud.make_pollers(
        {"WebhookFunction": lambda event, context: redelivered.extend(event["Records"])}
    )
    deadline = time.monotonic() + 10
    while len(redelivered) < 2 and time.monotonic() < deadline:
        retry.poll_once()
    assert {r["messageId"] for r in redelivered} == sent
    assert {r["attributes"]["ApproximateReceiveCount"] for r in redelivered} == {"2"}


def test_started_pollers_consume_in_the_background_and_stop_promptly(cloud: LocalCloud) -> None:
    sqs = client("sqs", cloud.endpoint_url)
    handled = threading.Event()
    cloud.start_pollers({"WebhookFunction": lambda event, context: handled.set()})
    queue = cloud.stack.resources["WebhookQueue"].ref

    sqs.send_message(QueueUrl=queue, MessageBody="hello")

    assert handled.wait(10)
    pollers = list(cloud.pollers)
    started = time.monotonic()
    cloud.stop()
    assert time.monotonic() - started < 4
    for poller in pollers:  # a long poll in flight ends at its wait (2 s here), then the thread exits
        poller.stop(timeout=10)
    assert all(not t.name.startswith("sqs-") for t in threading.enumerate())
    assert _count(sqs, queue) == 0


def test_a_poller_stopped_during_its_long_poll_hands_the_messages_back(cloud: LocalCloud) -> None:
    sqs = client("sqs", cloud.endpoint_url)
    queue = cloud.stack.resources["WebhookQueue"].ref
    handled: list[Any] = []
    (poller,) = cloud.make_pollers({"WebhookFunction": lambda event, context: handled.append(event)})
    sqs.send_message(QueueUrl=queue, MessageBody="after stop")

    poller.request_stop()
    assert poller.poll_once() == 0

    assert handled == []
    again = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]  # visible again at once
    assert [m["Body"] for m in again] == ["after stop"]


def test_fire_schedule_invokes_the_handler_with_a_scheduler_event(cloud: LocalCloud) -> None:
    calls: list[tuple[dict[str, Any], Any]] = []

    def handler(event: dict[str, Any], context: Any) -> str:
        calls.append((event, context))
        return "refreshed"

    assert cloud.fire_schedule("RefreshFunction", handler) == "refreshed"

    ((event, context),) = calls
    assert event["source"] == "aws.scheduler"
    assert event["detail-type"] == "Scheduled Event"
    assert event["account"] == "123456789012"
    assert event["region"] == REGION
    assert event["resources"] == [
        f"arn:aws:scheduler:{REGION}:123456789012:schedule/default/{cloud.prefix}-RefreshFunction-Every15Minutes"
    ]
    assert datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ")
    assert context.function_name == f"{cloud.prefix}-RefreshFunction"


def test_a_started_schedule_fires_repeatedly_and_stops(cloud: LocalCloud) -> None:
    fired: list[dict[str, Any]] = []
    twice = threading.Event()

    def handler(event: dict[str, Any], context: Any) -> None:
        fired.append(event)
        if len(fired) >= 2:
            twice.set()

    (runner,) = cloud.make_schedules({"RefreshFunction": handler})
    assert runner.source.expression == "rate(15 minutes)"
    runner.start(interval=0.05)

    assert twice.wait(5)
    runner.stop()
    count = len(fired)
    time.sleep(0.2)
    assert len(fired) == count
    assert fired[0]["id"] != fired[1]["id"]


# ---- the API function with the sample events ---------------------------------------------------


def test_the_api_function_answers_the_sample_events(
    cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name, value in cloud.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MINIRAG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MINIRAG_ARGON2_MEMORY_KIB", "1024")
    monkeypatch.setenv("MINIRAG_ARGON2_TIME_COST", "1")
    from functions.api.handler import make_handler
    from minirag.bootstrap import build_services
    from minirag.config import Settings

    handler = make_handler(build_services(Settings()))
    context = cloud.context_factory("ApiFunction")()

    health = handler(json.loads((EVENTS / "api_health.json").read_text()), context)
    created = handler(json.loads((EVENTS / "api_create_tenant.json").read_text()), context)

    assert (health["statusCode"], json.loads(health["body"])) == (200, {"status": "ok"})
    assert created["statusCode"] == 201, created["body"]
    assert json.loads(created["body"])["tenant"]["slug"] == "acme-corp"


# ---- python -m scripts.localcloud --------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_health(url: str, process: subprocess.Popen[bytes], timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 (loopback)
                return int(response.status)
        except OSError:
            time.sleep(0.2)
    return -1


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_the_cli_serves_health_and_stops_cleanly(tmp_path: Path, stop_signal: signal.Signals) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MINIRAG_"))}
    env |= {
        "PYTHONPATH": f"{ROOT / 'layers' / 'shared'}{os.pathsep}{ROOT}",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "MINIRAG_DATA_DIR": str(tmp_path),
    }
    command = [sys.executable, "-m", "scripts.localcloud", "--port", str(port), "--aws-port", "0"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        # start-up includes DynamoDB Local's JVM (4 to 12 s on a loaded 2-core box)
        status = _wait_for_health(f"http://127.0.0.1:{port}/health", process, timeout=120)
        process.send_signal(stop_signal)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert status == 200, output.decode()
    assert process.returncode == 0, output.decode()
    assert b"Traceback" not in output, output.decode()
    assert f"http://127.0.0.1:{port}/docs".encode() in output


def test_dynamodb_local_holds_the_table_and_the_rest_stays_on_the_endpoint(
    endpoint: str, prefix: str
) -> None:
    with LocalCloud(endpoint_url=endpoint, prefix=prefix, dynamodb="dynamodb-local") as cloud:
        ddb_url = cloud.dynamodb_endpoint_url
        table = cloud.env["MINIRAG_TABLE_NAME"]
        java = cloud._dynamodb_local
        assert java is not None and ddb_url != endpoint
        assert cloud.env["AWS_ENDPOINT_URL_DYNAMODB"] == ddb_url
        assert cloud.env["AWS_ENDPOINT_URL"] == endpoint
        assert table in client("dynamodb", ddb_url).list_tables()["TableNames"]
        assert table not in client("dynamodb", endpoint).list_tables()["TableNames"]
        sqs = client("sqs", endpoint)
        assert sqs.get_queue_url(QueueName=f"{prefix}-IngestQueue")["QueueUrl"]

        from minirag.bootstrap import dynamo_config
        from minirag.config import Settings

        settings = Settings(aws_endpoint_url=endpoint, dynamodb_endpoint_url=ddb_url)
        assert dynamo_config(settings).host == ddb_url

    assert java.process.poll() is not None  # stopped with the cloud
