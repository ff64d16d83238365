"""A local stack for benchmarks: moto server, resources from template.yaml, the app and the ingest worker."""

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
from scripts.localcloud.provision import provision
from tests.support.worker import IngestWorker


@dataclass
class Stack:
    services: Services
    client: TestClient
    worker: IngestWorker
    endpoint: str


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def local_stack(**overrides: Any) -> Iterator[Stack]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    env = provision(endpoint, prefix="bench")
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
    try:
        with TestClient(create_app(services)) as client:
            yield Stack(services, client, IngestWorker(services, endpoint), endpoint)
    finally:
        server.stop()


def signup(client: TestClient, slug: str) -> dict[str, str]:
    body = {
        "tenant_name": slug,
        "tenant_slug": slug,
        "owner_email": f"{slug}@example.com",
        "owner_password": "benchmark password",
    }
    data = client.post("/v1/tenants", json=body).json()
    return {"Authorization": f"Bearer {data['api_token']}"}
