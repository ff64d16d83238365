"""SSRF through bot model settings: api_base, embedding_api_base and providers that default to localhost.

The shared client allows private URLs (as tests and `make run` need for the loopback fake OpenAI server);
the strict client here is what a deployment runs, on the same table and keys.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from minirag.api.app import create_app
from minirag.bootstrap import Services, build_services
from tests.conftest import make_settings
from tests.support.api import signup
from tests.support.fake_openai import FakeOpenAI
from tests.support.knowledge import HANDBOOK, add_text, ingest, make_bot
from tests.support.worker import IngestWorker

SECRET_PAGE = "INTERNAL-ADMIN-PAGE root:x:0:0 aws_secret_access_key=AKIA"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(reply="Employees get 27 days [1].") as server:
        yield server


def strict_services(services: Services, aws_endpoint: str, aws_env: dict[str, str], **extra: Any) -> Services:
    settings = make_settings(
        aws_endpoint,
        aws_env,
        services.settings.data_dir,
        allow_private_urls=False,
        jwt_secret=services.settings.jwt_secret,
        fernet_keys=services.settings.fernet_keys,
        **extra,
    )
    return build_services(settings, clock=services.clock)


@pytest.fixture
def strict(services: Services, aws_endpoint: str, aws_env: dict[str, str]) -> Services:
    return strict_services(services, aws_endpoint, aws_env)


@pytest.fixture
def strict_client(strict: Services) -> Iterator[TestClient]:
    with TestClient(create_app(strict)) as client:
        yield client


def chat(client: TestClient, headers: dict[str, str], bot_id: str) -> Any:
    return client.post("/v1/chat", json={"bot_profile_id": bot_id, "message": "holidays?"}, headers=headers)


def test_loopback_model_endpoints_are_refused_when_saved(
    client: TestClient, strict_client: TestClient, fake: FakeOpenAI
) -> None:
    tenant = signup(client)
    internal = fake.base_url.replace("/v1", "/internal/admin?x=")
    for credentials in ({"api_base": internal}, {"embedding_api_base": fake.base_url}):
        body = {"name": "b", "model": "openai/fake-model", "credentials": {"api_key": "k", **credentials}}
        if "embedding_api_base" in credentials:
            body["embedding_model"] = "openai/fake-embed"
        response = strict_client.post("/v1/bot-profiles", json=body, headers=tenant.headers)
        assert response.status_code == 422, response.text
        assert "not allowed" in response.json()["detail"]
    bot_id = make_bot(strict_client, tenant, model="openai/fake-model")
    patch = {"credentials": {"api_key": "k", "api_base": "http://127.0.0.1:8899/x"}}
    response = strict_client.patch(f"/v1/bot-profiles/{bot_id}", json=patch, headers=tenant.headers)
    assert response.status_code == 422, response.text
    assert fake.requests == []


@pytest.mark.parametrize(
    "api_base",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://[::ffff:169.254.169.254]/",
    ],
)
def test_metadata_endpoints_are_refused_even_where_private_urls_are_allowed(
    client: TestClient, api_base: str
) -> None:
    tenant = signup(client)
    body = {"name": "b", "model": "openai/gpt-4o-mini", "credentials": {"api_base": api_base}}
    response = client.post("/v1/bot-profiles", json=body, headers=tenant.headers)
    assert response.status_code == 422, response.text


@pytest.mark.parametrize(
    "fields",
    [
        {"model": "ollama/llama3"},
        {"model": "ollama_chat/llama3"},
        {"embedding_model": "ollama/nomic-embed-text"},
        {"model": "llamafile/mistral"},
    ],
)
def test_providers_that_default_to_localhost_are_refused(
    client: TestClient, strict_client: TestClient, fields: dict[str, str]
) -> None:
    tenant = signup(client)
    response = strict_client.post("/v1/bot-profiles", json={"name": "b", **fields}, headers=tenant.headers)
    assert response.status_code == 422, response.text
    bot_id = make_bot(strict_client, tenant)
    response = strict_client.patch(f"/v1/bot-profiles/{bot_id}", json=fields, headers=tenant.headers)
    assert response.status_code == 422, response.text


def test_a_stored_private_endpoint_is_refused_at_call_time(
    client: TestClient,
    strict_client: TestClient,
    strict: Services,
    worker: IngestWorker,
    aws_endpoint: str,
    fake: FakeOpenAI,
) -> None:
    """Saved while the policy allowed it (or before the policy existed): every call checks again."""
    tenant = signup(client)
    bot_id = make_bot(
        client, tenant, model="openai/fake-model", credentials={"api_key": "k", "api_base": fake.base_url}
    )
    ingest(client, worker, tenant, add_text(client, tenant, bot_id, HANDBOOK))
    response = chat(strict_client, tenant.headers, bot_id)
    assert response.status_code >= 400 and "not allowed" in response.text, response.text
    embed_bot = make_bot(
        client,
        tenant,
        embedding_model="openai/fake-embed",
        credentials={"embedding_api_key": "k", "embedding_api_base": fake.base_url},
    )
    source_id = add_text(client, tenant, embed_bot, HANDBOOK)
    got = ingest(strict_client, IngestWorker(strict, aws_endpoint), tenant, source_id)
    assert got["status"] == "error" and "not allowed" in got["error_message"]
    assert fake.requests == []  # neither the chat nor the embedding call left the platform


def test_the_operator_allow_list_lets_a_self_hosted_model_through(
    client: TestClient,
    services: Services,
    aws_endpoint: str,
    aws_env: dict[str, str],
    worker: IngestWorker,
    fake: FakeOpenAI,
) -> None:
    allowed = strict_services(services, aws_endpoint, aws_env, model_endpoint_allowlist=fake.base_url)
    tenant = signup(client)
    with TestClient(create_app(allowed)) as allowed_client:
        bot_id = make_bot(
            allowed_client,
            tenant,
            model="openai/fake-model",
            credentials={"api_key": "k", "api_base": fake.base_url + "/"},
        )
        ingest(client, worker, tenant, add_text(client, tenant, bot_id, HANDBOOK))
        response = chat(allowed_client, tenant.headers, bot_id)
    assert response.status_code == 200, response.text
    assert "27 days" in response.json()["message"]["content"]
    assert any(r.path.endswith("/chat/completions") for r in fake.requests)


def test_a_provider_answer_is_not_copied_into_tenant_visible_errors(
    client: TestClient, worker: IngestWorker, fake: FakeOpenAI
) -> None:
    """A readable SSRF needs the answer back: the error message carries a reason of our own only."""
    tenant = signup(client)
    bot_id = make_bot(
        client,
        tenant,
        model="openai/fake-model",
        embedding_model="openai/fake-embed",
        credentials={
            "api_key": "k",
            "api_base": fake.base_url,
            "embedding_api_key": "k",
            "embedding_api_base": fake.base_url,
        },
    )
    fake.fail_with(400, message=SECRET_PAGE, times=1)
    got = ingest(client, worker, tenant, add_text(client, tenant, bot_id, HANDBOOK))
    assert got["status"] == "error", got
    assert "INTERNAL" not in got["error_message"] and "AKIA" not in got["error_message"]
    for status in (400, 404, 500):
        fake.fail_with(status, message=SECRET_PAGE, times=2)
        response = chat(client, tenant.headers, bot_id)
        assert response.status_code != 200
        assert "INTERNAL" not in response.text and "AKIA" not in response.text
        fake.clear_faults()
