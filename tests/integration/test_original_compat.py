"""The original MiniRAG's clients work unchanged: each test pins one request shape or answer they rely on
(its Postman collection, its dashboard's api.js, its users' scripts). API.md's compatibility rule."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.api import TenantCtx, bearer, login, signup
from tests.support.fake_openai import FakeOpenAI
from tests.support.knowledge import add_text, make_bot
from tests.support.worker import IngestWorker


def post(client: TestClient, tenant: TenantCtx, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json=body, headers=tenant.headers)


def get(client: TestClient, tenant: TenantCtx, path: str, **params: Any) -> Any:
    response = client.get(path, params=params, headers=tenant.headers)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("parent_type", [None, "url", "text"])
def test_the_originals_batch_body_makes_a_group_with_children(
    client: TestClient, worker: IngestWorker, parent_type: str | None
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    body: dict[str, Any] = {
        "bot_profile_id": bot_id,
        "name": "Docs Collection",
        "description": "three pages",
        "children": [
            {"name": f"Page {n}", "description": "a page", "source_type": "text", "content": f"Page {n}."}
            for n in range(3)
        ],
    }
    if parent_type:
        body["source_type"] = parent_type
    created = post(client, tenant, "/v1/sources/batch", body)
    assert created.status_code == 201, created.text
    parent, children = created.json()["parent"], created.json()["children"]
    assert parent["source_type"] == (parent_type or "url"), "the original's default parent type is url"
    assert parent["config"] == {} and parent["children_count"] == 3
    assert [c["description"] for c in children] == ["a page"] * 3

    kids = get(client, tenant, f"/v1/sources/{parent['id']}/children")
    assert [k["name"] for k in kids] == ["Page 0", "Page 1", "Page 2"], "oldest first"
    assert get(client, tenant, f"/v1/sources/{parent['id']}")["children_count"] == 3
    assert [s["id"] for s in get(client, tenant, "/v1/sources")] == [parent["id"]]
    assert len(get(client, tenant, "/v1/sources", include_children="true")) == 4

    accepted = post(client, tenant, f"/v1/sources/{parent['id']}/ingest-children", {})
    assert accepted.status_code == 202
    assert accepted.json() == {
        "status": "accepted",
        "message": "Ingestion queued for 3 child sources",
        "enqueued": 3,
    }
    worker.drain()
    ready = get(client, tenant, f"/v1/sources/{parent['id']}")
    assert ready["status"] == "ready" and ready["chunk_count"] == sum(
        k["chunk_count"] for k in get(client, tenant, f"/v1/sources/{parent['id']}/children")
    )

    assert client.delete(f"/v1/sources/{parent['id']}", headers=tenant.headers).status_code == 204
    gone = get(client, tenant, f"/v1/sources/{parent['id']}")
    assert gone["is_active"] is False, "deleted sources stay readable, deactivated"
    for kid in kids:
        assert get(client, tenant, f"/v1/sources/{kid['id']}")["is_active"] is False
    assert get(client, tenant, "/v1/sources", include_children="true") == []


def test_a_group_ingested_directly_fans_out_to_its_children(client: TestClient, worker: IngestWorker) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    body = {
        "bot_profile_id": bot_id,
        "name": "Group",
        "children": [{"name": "Only", "source_type": "text", "content": "Only child."}],
    }
    parent = post(client, tenant, "/v1/sources/batch", body).json()["parent"]
    ingested = post(client, tenant, f"/v1/sources/{parent['id']}/ingest", {})
    assert ingested.status_code == 202
    assert ingested.json() == {"status": "accepted", "message": f"Ingestion queued for source {parent['id']}"}
    worker.drain()
    assert get(client, tenant, f"/v1/sources/{parent['id']}")["status"] == "ready"


def test_an_upload_parent_without_content_takes_uploaded_files(client: TestClient) -> None:
    """The original dashboard's multi-file upload: an upload source with no content, then files under it."""
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    body = {
        "bot_profile_id": bot_id,
        "name": "Manuals",
        "source_type": "upload",
        "refresh_schedule": None,
        "description": "",
    }
    parent = post(client, tenant, "/v1/sources", body)
    assert parent.status_code == 201, parent.text
    assert parent.json()["refresh_schedule"] == "none"
    uploaded = client.post(
        "/v1/sources/upload",
        data={"bot_profile_id": bot_id, "parent_id": parent.json()["id"]},
        files={"file": ("guide.txt", b"The guide says hello.", "text/plain")},
        headers=tenant.headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    made = uploaded.json()
    assert made["status"] == "pending" and made["parent_id"] == parent.json()["id"]
    assert made["config"]["original_filename"] == "guide.txt" and made["config"]["file_size"] == 21
    nested = {**body, "name": "Inner", "parent_id": parent.json()["id"]}
    assert post(client, tenant, "/v1/sources", nested).status_code == 422, "one level of nesting only"


def test_unknown_fields_are_ignored_and_body_ids_are_422(client: TestClient) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    body = {"bot_profile_id": bot_id, "name": "N", "source_type": "text", "content": "x", "colour": "red"}
    assert post(client, tenant, "/v1/sources", body).status_code == 201
    foreign = signup(client)
    theirs = make_bot(client, foreign)
    for bot in (theirs, "00000000-0000-0000-0000-000000000000"):
        refused = post(client, tenant, "/v1/sources", {**body, "bot_profile_id": bot})
        assert refused.status_code == 422, refused.text
    assert client.get(f"/v1/bot-profiles/{theirs}", headers=tenant.headers).status_code == 404, "paths: 404"
    assert len(get(client, tenant, "/v1/sources")) == 1, "nothing half-written"


def test_a_url_whose_host_does_not_resolve_now_is_accepted_at_creation(client: TestClient) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    url = {"url": "https://docs.does-not-resolve.invalid/page"}
    made = post(
        client,
        tenant,
        "/v1/sources",
        {"bot_profile_id": bot_id, "name": "U", "source_type": "url", "config": url},
    )
    assert made.status_code == 201, made.text
    blocked = {"url": "http://169.254.169.254/latest/meta-data/"}
    body = {"bot_profile_id": bot_id, "name": "M", "source_type": "url", "config": blocked}
    assert post(client, tenant, "/v1/sources", body).status_code == 422, "what is refused for sure still is"


def test_patch_user_with_the_originals_user_create_body(client: TestClient) -> None:
    tenant = signup(client)
    created = post(client, tenant, "/v1/users", {"email": "m@example.com", "password": "first-pass-1"})
    user_id = created.json()["id"]
    body = {"email": "moved@example.com", "password": "second-pass-2", "display_name": "Mo", "role": "admin"}
    patched = client.patch(f"/v1/users/{user_id}", json=body, headers=tenant.headers)
    assert patched.status_code == 200, patched.text
    assert (patched.json()["email"], patched.json()["display_name"], patched.json()["role"]) == (
        "moved@example.com",
        "Mo",
        "admin",
    )
    assert login(client, "moved@example.com", "second-pass-2", tenant.slug)
    old = client.post("/v1/auth/login", json={"email": "m@example.com", "password": "second-pass-2"})
    assert old.status_code == 401, "the old email no longer logs in"
    taken = client.patch(f"/v1/users/{user_id}", json={"email": tenant.owner_email}, headers=tenant.headers)
    assert taken.status_code == 409


def test_read_models_carry_tenant_id_and_empty_strings(client: TestClient) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    source_id = add_text(client, tenant, bot_id, "Text.")
    bot = get(client, tenant, f"/v1/bot-profiles/{bot_id}")
    assert bot["tenant_id"] == tenant.id and bot["description"] == "" and bot["system_prompt"] == ""
    source = get(client, tenant, f"/v1/sources/{source_id}")
    assert source["tenant_id"] == tenant.id and source["description"] == ""
    (user,) = get(client, tenant, "/v1/users")
    assert user["tenant_id"] == tenant.id and isinstance(user["display_name"], str)
    assert all(t["tenant_id"] == tenant.id for t in get(client, tenant, "/v1/api-tokens"))


def test_stats_shapes_the_original_dashboard_reads(client: TestClient) -> None:
    tenant = signup(client)
    estimate = get(client, tenant, "/v1/stats/cost-estimate")
    assert estimate["by_model"] == [] and estimate["by_bot"] == [], "lists: its dashboard calls .reduce"
    pricing = get(client, tenant, "/v1/stats/pricing")
    assert set(pricing["default"]) == {"prompt_cost_per_1m", "completion_cost_per_1m"}
    assert "gpt-4o-mini" in pricing["models"]
    assert get(client, tenant, "/v1/stats/feedback")["feedback_rate"] == 0.0


def test_a_model_without_credentials_is_a_configuration_error(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing stored, nothing billed, no Retry-After: retrying cannot help, configuring can."""
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    tenant = signup(client)
    bot_id = make_bot(client, tenant, model="anthropic/claude-3-5-sonnet-20240620")
    for stream in (False, True):
        body = {"bot_profile_id": bot_id, "message": "Hello?", "stream": stream}
        refused = post(client, tenant, "/v1/chat", body)
        assert refused.status_code == 422, refused.text
        assert "ANTHROPIC_API_KEY" in refused.json()["detail"] and "Retry-After" not in refused.headers
    assert get(client, tenant, "/v1/chat") == []
    assert get(client, tenant, "/v1/stats/usage") == []


def test_a_provider_failing_before_it_answers_bills_nothing_and_names_the_chat(client: TestClient) -> None:
    with FakeOpenAI(reply="unused") as fake:
        tenant = signup(client)
        credentials = {"api_key": "sk-test", "api_base": fake.base_url}
        bot_id = make_bot(client, tenant, model="openai/fake-model", credentials=credentials)
        fake.fail_with(429, times=1)
        failed = post(client, tenant, "/v1/chat", {"bot_profile_id": bot_id, "message": "Hello?"})
    assert failed.status_code == 503, failed.text
    body = failed.json()
    assert body["chat_id"] and body["message_id"] and "nothing was generated" in body["detail"]
    assert "partial answer" not in body["detail"]
    messages = get(client, tenant, f"/v1/chat/{body['chat_id']}/messages")
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert (messages[1]["prompt_tokens"], messages[1]["completion_tokens"]) == (0, 0)
    by_model = get(client, tenant, "/v1/stats/usage/by-model")
    assert all(m["cost_usd"] == 0 and m["prompt_tokens"] == 0 for m in by_model)


def test_login_tokens_of_the_original_shape(client: TestClient) -> None:
    tenant = signup(client)
    me = client.get("/v1/tenants/me", headers=bearer(tenant.token)).json()
    assert me["slug"] == tenant.slug and me["is_active"] is True
