"""Shared fixtures: one moto server per test worker, resources provisioned from template.yaml."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from minirag.api.app import create_app
from minirag.bootstrap import Services, build_services
from minirag.config import Settings
from minirag.security.crypto import new_fernet_key
from tests.support.clock import FakeClock
from tests.support.localaws import free_port, moto_endpoint, provision_once, provisioned
from tests.support.worker import IngestWorker, WebhookWorker

os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


@pytest.fixture(scope="session")
def aws_endpoint() -> str:
    return moto_endpoint()


@pytest.fixture(scope="session")
def aws_env(aws_endpoint: str) -> dict[str, str]:
    return provisioned()[1]


def make_settings(
    aws_endpoint: str, aws_env: dict[str, str], data_dir: Path, **overrides: object
) -> Settings:
    values: dict[str, object] = {
        "env": "test",
        "data_dir": data_dir,
        "aws_region": "us-east-1",
        "aws_endpoint_url": aws_endpoint,
        "table_name": aws_env["MINIRAG_TABLE_NAME"],
        "ingest_queue_url": aws_env.get("MINIRAG_INGEST_QUEUE_URL"),
        "webhook_queue_url": aws_env.get("MINIRAG_WEBHOOK_QUEUE_URL"),
        "ingest_dlq_url": aws_env.get("MINIRAG_INGEST_DLQ_URL"),
        "webhook_dlq_url": aws_env.get("MINIRAG_WEBHOOK_DLQ_URL"),
        "uploads_bucket": aws_env.get("MINIRAG_UPLOADS_BUCKET"),
        "jwt_secret": "test-secret-" + "x" * 40,
        "fernet_keys": new_fernet_key(),
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
        "signup_per_ip_per_hour": 100_000,
        "login_attempts_per_ip_per_15min": 100_000,
        "api_token_requests_per_minute": 100_000,
        "dynamodb_timeout_seconds": 30.0,  # a loaded 2-core CI box: slow is fine, a retried commit is not
        "allow_private_urls": True,
        "webhook_backoff_scale": 0.0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def services(
    aws_endpoint: str, aws_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory, clock: FakeClock
) -> Services:
    settings = make_settings(aws_endpoint, aws_env, tmp_path_factory.mktemp("data"))
    return build_services(settings, clock=clock)


@pytest.fixture(scope="session")
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def worker(services: Services, aws_endpoint: str) -> IngestWorker:

    return IngestWorker(services, aws_endpoint)


@pytest.fixture(scope="session")
def webhook_worker(services: Services, aws_endpoint: str) -> WebhookWorker:
    return WebhookWorker(services, aws_endpoint)


__all__ = ["build_services", "free_port", "make_settings", "provision_once"]
