"""A local stack for benchmarks: moto server, resources from template.yaml, the app and the ingest worker.

moto runs in a child process (benchmarks/moto_server.py: its own GIL, and transactions that do not copy
the whole table), so what the app spends is measured apart from what the emulator spends.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")

from fastapi.testclient import TestClient

from minirag.api.app import create_app
from minirag.bootstrap import Services, build_services
from minirag.config import Settings
from minirag.security.crypto import new_fernet_key
from scripts.localcloud.intrinsics import NO_VALUE, UnresolvableError, resolve
from scripts.localcloud.provision import provision_stack
from tests.support.worker import IngestWorker


@dataclass
class Stack:
    services: Services
    client: TestClient
    worker: IngestWorker
    endpoint: str
    moto_pid: int | None = None  # the emulator's process, to tell its CPU time from the app's


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def provisioned_env(endpoint: str) -> dict[str, str]:
    """The template's tables, queues and bucket, and the Globals variables that name them (read from
    Globals rather than per function, so container-image functions without a Handler do not matter)."""
    provisioned = provision_stack(endpoint, prefix="bench")
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
def moto_process() -> Iterator[tuple[str, int]]:
    """benchmarks/moto_server.py in a child process; yields its endpoint and pid, stops it on exit."""
    port = free_port()
    command = [sys.executable, "-m", "benchmarks.moto_server", "--port", str(port)]
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    try:
        deadline = time.monotonic() + 60
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if child.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the benchmark moto server did not start")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", child.pid
    finally:
        child.terminate()
        child.wait(10)


@contextmanager
def local_stack(**overrides: Any) -> Iterator[Stack]:
    with moto_process() as (endpoint, pid):
        for stack in _stack_on(endpoint, overrides):
            stack.moto_pid = pid
            yield stack


def _stack_on(endpoint: str, overrides: dict[str, Any]) -> Iterator[Stack]:
    env = provisioned_env(endpoint)
    values: dict[str, Any] = {
        "env": "test",
        "data_dir": Path(tempfile.mkdtemp(prefix="minirag-bench-")),
        "aws_endpoint_url": endpoint,
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
