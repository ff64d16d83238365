"""NyxCore sources end to end against a fake NyxCore on loopback: the connection check, citations of remote
files, authority order, remotes that are down, slow or answer garbage, the token never shown, tenants apart."""

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from minirag.adapters.dynamodb.sources import DynamoSourceRepository
from minirag.adapters.dynamodb.tables import DynamoTables
from minirag.api.app import create_app
from minirag.bootstrap import Services, build_services, dynamo_config
from minirag.domain.remote import SEALED_TOKEN
from tests.conftest import make_settings
from tests.support.api import TenantCtx, signup
from tests.support.fake_nyxcore import TOKEN, FakeNyxCore, closed_port_url, fake_nyxcore
from tests.support.knowledge import HANDBOOK, add_text, ingest, make_bot, source
from tests.support.sse import parse_sse
from tests.support.worker import IngestWorker

TIMEOUT_S = 1.0
QUESTION = "How many days of holiday do I get?"
SITE = "https://shop.example.com"


@pytest.fixture(scope="module")
def nyx_services(
    aws_endpoint: str, aws_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Services:
    data_dir = tmp_path_factory.mktemp("nyx")
    settings = make_settings(aws_endpoint, aws_env, data_dir, remote_search_timeout_seconds=TIMEOUT_S)
    return build_services(settings)


@pytest.fixture(scope="module")
def nyx_client(nyx_services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(nyx_services)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def nyx_worker(nyx_services: Services, aws_endpoint: str) -> IngestWorker:
    return IngestWorker(nyx_services, aws_endpoint)


@pytest.fixture
def nyx() -> Iterator[FakeNyxCore]:
    with fake_nyxcore() as fake:
        yield fake


def add_nyxcore(
    client: TestClient, tenant: TenantCtx, bot_id: str, base_url: str, **config: Any
) -> dict[str, Any]:
    body = {
        "bot_profile_id": bot_id,
        "name": "Company rules",
        "source_type": "nyxcore",
        "config": {"base_url": base_url, "api_token": TOKEN, **config},
    }
    response = client.post("/v1/sources", json=body, headers=tenant.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def ready_pair(
    client: TestClient, worker: IngestWorker, tenant: TenantCtx, base_url: str
) -> tuple[str, str, str]:
    """A bot with the handbook ingested locally and a ready NyxCore source: (bot, local, remote) ids."""
    bot_id = make_bot(client, tenant)
    local_id = add_text(client, tenant, bot_id, HANDBOOK, name="Handbook")
    assert ingest(client, worker, tenant, local_id)["status"] == "ready"
    remote_id = add_nyxcore(client, tenant, bot_id, base_url)["id"]
    assert ingest(client, worker, tenant, remote_id)["status"] == "ready"
    return bot_id, local_id, remote_id


def chat(client: TestClient, tenant: TenantCtx, bot_id: str, message: str = QUESTION) -> dict[str, Any]:
    response = client.post(
        "/v1/chat", json={"bot_profile_id": bot_id, "message": message}, headers=tenant.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_ingest_checks_the_connection_and_counts_ready_documents(
    nyx_client: TestClient, nyx_worker: IngestWorker, nyx: FakeNyxCore
) -> None:
    tenant = signup(nyx_client)
    bot_id = make_bot(nyx_client, tenant)
    created = add_nyxcore(nyx_client, tenant, bot_id, nyx.url, authority=["mandatory", "guideline"], limit=5)
    assert created["source_type"] == "nyxcore" and created["status"] == "pending"
    assert created["config"] == {
        "base_url": nyx.url,
        "authority": ["mandatory", "guideline"],
        "limit": 5,
        "has_api_token": True,
    }
    assert nyx.received == []  # creating does not call the remote

    checked = ingest(nyx_client, nyx_worker, tenant, created["id"])

    assert checked["status"] == "ready" and checked["error_message"] is None
    assert checked["document_count"] == 2 and checked["chunk_count"] == 17  # the processing draft not counted
    assert [(r.method, r.path) for r in nyx.received] == [("GET", "/api/v1/rag/documents")]
    assert nyx.received[0].headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("wrong_token", "HTTP 401"),
        ("no_token", "no API token configured"),
        ("down", "could not connect"),
        ("not_ok", "QUOTA"),
    ],
)
def test_a_failed_check_marks_the_source_error(
    nyx_client: TestClient, nyx_worker: IngestWorker, nyx: FakeNyxCore, setup: str, expected: str
) -> None:
    tenant = signup(nyx_client)
    bot_id = make_bot(nyx_client, tenant)
    base_url = closed_port_url() if setup == "down" else nyx.url
    if setup == "wrong_token":
        nyx.token = "another token"
    if setup == "not_ok":
        nyx.mode = "not_ok"
    extra = {"api_token": ""} if setup == "no_token" else {}
    created = add_nyxcore(nyx_client, tenant, bot_id, base_url, **extra)

    checked = ingest(nyx_client, nyx_worker, tenant, created["id"])

    assert checked["status"] == "error"
    assert expected in checked["error_message"]
    assert TOKEN not in checked["error_message"]


def test_answers_cite_the_remote_file_with_mandatory_rules_first(
    nyx_client: TestClient, nyx_worker: IngestWorker, nyx: FakeNyxCore
) -> None:
    tenant = signup(nyx_client)
    bot_id, local_id, remote_id = ready_pair(nyx_client, nyx_worker, tenant, nyx.url)

    body = chat(nyx_client, tenant, bot_id)

    cited = body["sources"]
    # the mandatory rule first (though its score is lower), then ours and the other remote passages in turn
    assert [c["chunk_id"] for c in cited][:1] == ["nyx-chunk-rule"]
    assert cited[0]["source_id"] == remote_id and cited[0]["source_name"] == "hr-handbuch.md"
    assert cited[1]["source_id"] == local_id and cited[1]["source_name"] == "Handbook"
    assert cited[2]["chunk_id"] == "nyx-chunk-guide" and cited[2]["source_name"] == "holiday-guide.md"
    assert [c["n"] for c in cited] == list(range(1, len(cited) + 1))
    assert "27 days" in body["message"]["content"]
    (search,) = nyx.searches()
    assert search.headers["authorization"] == f"Bearer {TOKEN}"
    assert search.json == {"query": QUESTION, "limit": 10}
    stored = nyx_client.get(f"/v1/chat/{body['chat_id']}/messages", headers=tenant.headers).json()
    assert stored[-1]["sources"] == cited


def test_stream_openai_and_widget_routes_search_the_remote_too(
    nyx_client: TestClient, nyx_worker: IngestWorker, nyx: FakeNyxCore
) -> None:
    tenant = signup(nyx_client)
    bot_id, _, _ = ready_pair(nyx_client, nyx_worker, tenant, nyx.url)

    streamed = {"bot_profile_id": bot_id, "message": QUESTION, "stream": True}
    with nyx_client.stream("POST", "/v1/chat", json=streamed, headers=tenant.headers) as response:
        assert response.status_code == 200
        events = [e for e in parse_sse("".join(response.iter_text())) if e[0] != ":comment"]
    openai = nyx_client.post(
        f"/v1/openai/{bot_id}/chat/completions",
        json={"model": bot_id, "messages": [{"role": "user", "content": QUESTION}]},
        headers=tenant.headers,
    )

    key = nyx_client.post(
        f"/v1/bot-profiles/{bot_id}/widget-keys",
        json={"name": "Shop", "allowed_origins": [SITE]},
        headers=tenant.headers,
    ).json()["key"]
    from_widget = nyx_client.post(
        "/v1/chat",
        json={"bot_profile_id": bot_id, "message": QUESTION},
        headers={"Authorization": f"Bearer {key}", "Origin": SITE},
    )

    assert events[0][0] == "sources" and events[-1][0] == "done"
    assert events[0][1]["sources"][0]["source_name"] == "hr-handbuch.md"
    assert openai.status_code == 200, openai.text
    assert openai.json()["minirag"]["sources"][0]["chunk_id"] == "nyx-chunk-rule"
    assert from_widget.status_code == 200, from_widget.text
    assert from_widget.json()["sources"][0]["source_name"] == "hr-handbuch.md"
    assert len(nyx.searches()) == 3


@pytest.mark.parametrize("mode", ["down", "slow", "garbage", "error", "not_ok"])
def test_a_failing_remote_costs_at_most_its_timeout_and_never_the_answer(
    nyx_client: TestClient, nyx_worker: IngestWorker, nyx: FakeNyxCore, mode: str
) -> None:
    tenant = signup(nyx_client)
    bot_id, local_id, remote_id = ready_pair(nyx_client, nyx_worker, tenant, nyx.url)
    started = time.monotonic()
    chat(nyx_client, tenant, bot_id)  # a turn with the remote answering: the machine's pace right now
    baseline = time.monotonic() - started
    if mode == "down":
        patched = nyx_client.patch(
            f"/v1/sources/{remote_id}",
            json={"config": {"base_url": closed_port_url()}},
            headers=tenant.headers,
        )
        assert patched.status_code == 200, patched.text
    else:
        nyx.mode = mode  # type: ignore[assignment]

    started = time.monotonic()
    body = chat(nyx_client, tenant, bot_id)
    elapsed = time.monotonic() - started

    # the slow remote would answer after 20 s: the turn waited its 1 s budget (slack for a loaded machine)
    assert elapsed < baseline + TIMEOUT_S + 3.0 < nyx.delay_s
    assert "27 days" in body["message"]["content"]
    assert {c["source_id"] for c in body["sources"]} == {local_id}
    shown = source(nyx_client, tenant, remote_id)
    assert shown["status"] == "ready" and shown["error_message"].startswith("search failed")

    nyx.mode = "ok"
    nyx.released.set()
    if mode == "down":
        nyx_client.patch(
            f"/v1/sources/{remote_id}", json={"config": {"base_url": nyx.url}}, headers=tenant.headers
        )
    recovered = chat(nyx_client, tenant, bot_id)
    assert recovered["sources"][0]["source_id"] == remote_id
    assert source(nyx_client, tenant, remote_id)["error_message"] is None


def test_the_token_is_never_returned(
    nyx_services: Services, nyx_client: TestClient, nyx_worker: IngestWorker, nyx: FakeNyxCore
) -> None:
    tenant = signup(nyx_client)
    bot_id = make_bot(nyx_client, tenant)
    created = add_nyxcore(nyx_client, tenant, bot_id, nyx.url)
    source_id = created["id"]
    h = tenant.headers
    responses = [
        json.dumps(created),
        nyx_client.get(f"/v1/sources/{source_id}", headers=h).text,
        nyx_client.get("/v1/sources", headers=h).text,
        nyx_client.get(f"/v1/sources?bot_profile_id={bot_id}&include_children=true", headers=h).text,
        nyx_client.get(f"/v1/sources/{source_id}/children", headers=h).text,
    ]
    for change in ({"config": {"limit": 3}}, {"name": "Rules"}):
        patched = nyx_client.patch(f"/v1/sources/{source_id}", json=change, headers=h)
        assert patched.status_code == 200, patched.text
        responses.append(patched.text)
    queued = nyx_client.post(f"/v1/sources/{source_id}/ingest", headers=h)
    assert queued.status_code == 202
    nyx_worker.drain()
    responses += [queued.text, nyx_client.get(f"/v1/sources/{source_id}", headers=h).text]

    for text in responses:
        assert TOKEN not in text and SEALED_TOKEN not in text and '"api_token"' not in text
    shown = json.loads(responses[-1])
    assert shown["status"] == "ready"  # the config change without a token kept the token
    assert shown["config"] == {"base_url": nyx.url, "limit": 3, "has_api_token": True}
    stored = DynamoSourceRepository(DynamoTables(dynamo_config(nyx_services.settings))).get(
        tenant_id=tenant.id, source_id=source_id
    )
    assert stored is not None
    sealed = stored.config[SEALED_TOKEN]
    assert TOKEN not in sealed and nyx_services.box.decrypt(sealed) == TOKEN

    cleared = nyx_client.patch(f"/v1/sources/{source_id}", json={"config": {"api_token": ""}}, headers=h)
    assert cleared.status_code == 200 and cleared.json()["config"]["has_api_token"] is False


def test_config_is_checked_at_creation(nyx_client: TestClient, nyx: FakeNyxCore) -> None:
    tenant = signup(nyx_client)
    bot_id = make_bot(nyx_client, tenant)

    def create(config: dict[str, Any]) -> Any:
        body = {"bot_profile_id": bot_id, "name": "Rules", "source_type": "nyxcore", "config": config}
        return nyx_client.post("/v1/sources", json=body, headers=tenant.headers)

    assert create({"base_url": "http://169.254.169.254", "api_token": TOKEN}).status_code == 422
    assert create({"base_url": "file:///etc/passwd", "api_token": TOKEN}).status_code == 422
    assert create({"base_url": nyx.url, "api_token": TOKEN, "authority": ["binding"]}).status_code == 422
    assert create({"base_url": nyx.url, "api_token": TOKEN, "limit": 0}).status_code == 422
    single = create({"base_url": nyx.url, "api_token": TOKEN, "authority": "mandatory"})
    assert single.status_code == 201 and single.json()["config"]["authority"] == ["mandatory"]
    content = {"bot_profile_id": bot_id, "name": "R", "source_type": "nyxcore", "content": "text"}
    assert nyx_client.post("/v1/sources", json=content, headers=tenant.headers).status_code == 422


def test_authority_filter_is_sent_to_the_remote(
    nyx_client: TestClient, nyx_worker: IngestWorker, nyx: FakeNyxCore
) -> None:
    tenant = signup(nyx_client)
    bot_id = make_bot(nyx_client, tenant)
    remote_id = add_nyxcore(nyx_client, tenant, bot_id, nyx.url, authority=["mandatory"], limit=1)["id"]
    assert ingest(nyx_client, nyx_worker, tenant, remote_id)["status"] == "ready"

    body = chat(nyx_client, tenant, bot_id)

    assert nyx.searches()[0].json == {"query": QUESTION, "limit": 1, "authority": ["mandatory"]}
    assert len(body["sources"]) == 1  # at most `limit` passages taken from the answer


def test_another_tenant_neither_sees_nor_searches_it(
    nyx_client: TestClient, nyx_worker: IngestWorker, nyx: FakeNyxCore
) -> None:
    owner = signup(nyx_client)
    bot_id, _, remote_id = ready_pair(nyx_client, nyx_worker, owner, nyx.url)
    other = signup(nyx_client)
    other_bot = make_bot(nyx_client, other)
    other_text = add_text(nyx_client, other, other_bot, HANDBOOK, name="Handbook")
    assert ingest(nyx_client, nyx_worker, other, other_text)["status"] == "ready"
    searches_before = len(nyx.searches())

    for method, path in [
        ("GET", f"/v1/sources/{remote_id}"),
        ("GET", f"/v1/sources/{remote_id}/children"),
        ("PATCH", f"/v1/sources/{remote_id}"),
        ("POST", f"/v1/sources/{remote_id}/ingest"),
        ("DELETE", f"/v1/sources/{remote_id}"),
    ]:
        response = nyx_client.request(
            method, path, json={"name": "x"} if method == "PATCH" else None, headers=other.headers
        )
        assert response.status_code == 404, (method, path, response.text)
    assert all(s["id"] != remote_id for s in nyx_client.get("/v1/sources", headers=other.headers).json())
    answer = chat(nyx_client, other, other_bot)
    assert all(c["source_id"] != remote_id for c in answer["sources"])
    assert len(nyx.searches()) == searches_before  # the other tenant's turn did not reach this remote
    assert source(nyx_client, owner, remote_id)["status"] == "ready"
    assert chat(nyx_client, owner, bot_id)["sources"][0]["source_id"] == remote_id


def test_only_active_ready_sources_are_asked(
    nyx_client: TestClient, nyx_worker: IngestWorker, nyx: FakeNyxCore
) -> None:
    tenant = signup(nyx_client)
    bot_id = make_bot(nyx_client, tenant)
    unchecked = add_nyxcore(nyx_client, tenant, bot_id, nyx.url)["id"]
    chat(nyx_client, tenant, bot_id)
    assert nyx.searches() == []  # pending: never checked, never asked

    assert ingest(nyx_client, nyx_worker, tenant, unchecked)["status"] == "ready"
    chat(nyx_client, tenant, bot_id)
    assert len(nyx.searches()) == 1

    off = nyx_client.patch(f"/v1/sources/{unchecked}", json={"is_active": False}, headers=tenant.headers)
    assert off.status_code == 200 and off.json()["is_active"] is False
    chat(nyx_client, tenant, bot_id)
    assert len(nyx.searches()) == 1  # switched off: not asked
