"""A local stack for benchmarks on `make run`'s engines: DynamoDB Local (its own JVM process, as under
`make run`), moto in process for SQS and S3, resources from template.yaml, the app and the ingest worker.

DynamoDB Local's process id is kept, so what the app spends is measured apart from what the engine spends.
"""

import os
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")

from fastapi.testclient import TestClient
from moto.server import ThreadedMotoServer

from minirag.api.app import create_app
from minirag.bootstrap import Services, build_services
from minirag.config import Settings
from minirag.security.crypto import new_fernet_key
from scripts.emulators.processes import start_dynamodb_local
from scripts.localcloud.intrinsics import NO_VALUE, UnresolvableError, resolve
from scripts.localcloud.provision import provision_stack
from tests.support.worker import IngestWorker


@dataclass
class Stack:
    services: Services
    client: TestClient
    worker: IngestWorker
    endpoint: str
    engine_pid: int | None = None  # DynamoDB Local's process, to tell its CPU time from the app's


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def provisioned_env(endpoint: str, dynamodb: str | None = None) -> dict[str, str]:
    """The template's tables, queues and bucket, and the Globals variables that name them (read from
    Globals rather than per function, so container-image functions without a Handler do not matter)."""
    provisioned = provision_stack(endpoint, prefix="bench", dynamodb_endpoint_url=dynamodb)
    variables = provisioned.template["Globals"]["Function"]["Environment"]["Variables"]
    env = {}
    for name, value in variables.items():
        try:
            resolved = resolve(value, provisioned.context)
        except UnresolvableError:
            continue
        if resolved is not NO_VALUE:
            env[name] = str(resolved)
    return env


@contextmanager
def engines() -> Iterator[tuple[str, str, int]]:
    """(endpoint for SQS/S3, DynamoDB Local's endpoint, its pid): what `make run` starts, stopped on exit."""
    dynamodb = start_dynamodb_local(Path(tempfile.mkdtemp(prefix="minirag-bench-ddb-")))
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    try:
        moto.start()
        host, port = moto.get_host_and_port()
        yield f"http://{host}:{port}", dynamodb.url, dynamodb.process.pid
    finally:
        moto.stop()
        dynamodb.stop()


@contextmanager
def local_stack(**overrides: Any) -> Iterator[Stack]:
    with engines() as (endpoint, dynamodb, pid):
        for stack in _stack_on(endpoint, dynamodb, overrides):
            stack.engine_pid = pid
            yield stack


def _stack_on(endpoint: str, dynamodb: str, overrides: dict[str, Any]) -> Iterator[Stack]:
    env = provisioned_env(endpoint, dynamodb)
    values: dict[str, Any] = {
        "env": "test",
        "data_dir": Path(tempfile.mkdtemp(prefix="minirag-bench-")),
        "aws_endpoint_url": endpoint,
        "dynamodb_endpoint_url": dynamodb,
        "table_name": env["MINIRAG_TABLE_NAME"],
        "ingest_queue_url": env["MINIRAG_INGEST_QUEUE_URL"],
        "webhook_queue_url": env["MINIRAG_WEBHOOK_QUEUE_URL"],
        "uploads_bucket": env["MINIRAG_UPLOADS_BUCKET"],
        "jwt_secret": "bench-" + "x" * 40,
        "fernet_keys": new_fernet_key(),
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
        "signup_per_ip_per_hour": 10**6,
        "login_attempts_per_ip_per_15min": 10**6,
        "allow_private_urls": True,
    }
    values.update(overrides)
    services = build_services(Settings(**values))
    with TestClient(create_app(services)) as client:
        yield Stack(services, client, IngestWorker(services, endpoint), endpoint)


def signup(client: TestClient, slug: str) -> dict[str, str]:
    body = {
        "tenant_name": slug,
        "tenant_slug": slug,
        "owner_email": f"{slug}@example.com",
        "owner_password": "benchmark password",
    }
    data = client.post("/v1/tenants", json=body).json()
    return {"Authorization": f"Bearer {data['api_token']}"}
