"""The original MiniRAG's dashboard works against this API: each test makes the calls of one of its pages
with the request shapes of its js/api.js and index.html, and checks that every field the page reads is
there with the type it uses (it calls .toLowerCase() on names, .toLocaleString() on counts, .reduce on the
cost estimate's lists, new Date() on timestamps). scripts/compat/original_dashboard.py drives the real
dashboard in a browser; these pin the same calls at the lowest tier."""

import json
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from tests.support.api import PASSWORD, TenantCtx, login, signup, unique
from tests.support.clock import FakeClock
from tests.support.fake_openai import FakeOpenAI
from tests.support.sse import parse_sse
from tests.support.worker import IngestWorker

NUMBER = (int, float)


class DashboardApi:
    """The original's `API` object: JSON bodies with Content-Type on every call, its login JWT as bearer,
    and POSTs without a body for the ingest triggers."""

    def __init__(self, client: TestClient, token: str) -> None:
        self.client, self.token = client, token

    def call(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"}
        content = json.dumps(body) if body is not None and method != "GET" else None
        response = self.client.request(method, path, content=content, headers=headers)
        assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text}"
        return None if response.status_code == 204 else response.json()


def reads(item: dict[str, Any], **types: Any) -> None:
    """The page reads each field with that type (None allowed where the type tuple includes it)."""
    for name, expected in types.items():
        assert name in item, f"{name} missing from {sorted(item)}"
        assert isinstance(item[name], expected), f"{name}={item[name]!r} is not {expected}"


def a_date(value: Any) -> None:
    assert isinstance(value, str) and datetime.fromisoformat(value.replace("Z", "+00:00"))


def signed_in(client: TestClient) -> tuple[TenantCtx, DashboardApi]:
    tenant = signup(client)
    return tenant, DashboardApi(client, login(client, tenant.owner_email))


def test_sign_in_reads_the_user_and_tenant_it_shows_in_the_sidebar(client: TestClient) -> None:
    tenant = signup(client)
    data = client.post("/v1/auth/login", json={"email": tenant.owner_email, "password": PASSWORD}).json()
    api = DashboardApi(client, data["access_token"])
    for body in (data, api.call("GET", "/v1/auth/me")):
        reads(body["user"], id=str, email=str, display_name=str, role=str)
        assert body["user"]["role"] == "owner", "isOwner / isAdmin read user.role"
        reads(body["tenant"], name=str, slug=str, plan=str, is_active=bool)
    reads(api.call("GET", "/v1/tenants/me"), name=str, slug=str, plan=str, is_active=bool)


def test_overview_and_settings_read_the_originals_health_cards(client: TestClient) -> None:
    _, api = signed_in(client)
    for path in ("/v1/system/health", "/v1/system/health/detailed"):
        health = api.call("GET", path)
        assert health["status"] == "ok"
        for service in ("postgres", "qdrant", "redis"):
            assert health[service]["status"] == "ok", f"{path}: the {service} card reads .status"
    overview = api.call("GET", "/v1/stats/overview")
    reads(overview, bot_profiles=int, sources=int, chats=int, total_tokens=int)


def test_bot_profiles_page_creates_edits_lists_and_deactivates(client: TestClient) -> None:
    _, api = signed_in(client)
    # saveBot(): the form, with credentials dropped when no key was typed and max_tokens when empty
    form = {
        "name": "Helper",
        "description": "",
        "model": "gpt-4o-mini",
        "embedding_model": None,
        "system_prompt": "",
        "temperature": 0.7,
    }
    bot = api.call("POST", "/v1/bot-profiles", form, expect=201)
    edited = {
        **form,
        "description": "Answers questions",
        "max_tokens": 800,
        "credentials": {"api_key": "sk-x"},
    }
    api.call("PATCH", f"/v1/bot-profiles/{bot['id']}", edited)
    (listed,) = api.call("GET", "/v1/bot-profiles")
    reads(
        listed,
        id=str,
        name=str,
        model=str,
        description=str,
        system_prompt=str,
        is_active=bool,
        temperature=NUMBER,
        max_tokens=(int, type(None)),
    )
    assert (listed["description"], listed["max_tokens"], listed["is_active"]) == (
        "Answers questions",
        800,
        True,
    )
    assert api.call("DELETE", f"/v1/bot-profiles/{bot['id']}", expect=204) is None
    (inactive,) = api.call("GET", "/v1/bot-profiles")
    assert inactive["is_active"] is False, "the card shows Inactive"


def test_sources_page_calls_with_its_own_bodies(client: TestClient, worker: IngestWorker) -> None:
    tenant, api = signed_in(client)
    bot_id = api.call("POST", "/v1/bot-profiles", {"name": "Docs", "model": "gpt-4o-mini"}, expect=201)["id"]
    text = api.call(
        "POST",
        "/v1/sources",
        {
            "bot_profile_id": bot_id,
            "name": "Hours",
            "source_type": "text",
            "content": "The desk answers within one business day.",
        },
        expect=201,
    )
    triggered = api.call("POST", f"/v1/sources/{text['id']}/ingest", expect=202)
    assert triggered["status"] == "accepted"
    url = api.call(
        "POST",
        "/v1/sources",
        {
            "bot_profile_id": bot_id,
            "name": "example.com/a",
            "source_type": "url",
            "config": {"url": "https://example.com/a"},
            "refresh_schedule": "daily",
        },
        expect=201,
    )
    assert url["refresh_schedule"] == "daily"
    children = [
        {"name": f"example.com/{p}", "source_type": "url", "config": {"url": f"https://example.com/{p}"}}
        for p in ("b", "c")
    ]
    batch = api.call(
        "POST",
        "/v1/sources/batch",
        {
            "bot_profile_id": bot_id,
            "name": "URL Collection (2 pages)",
            "source_type": "url",
            "children": children,
        },
        expect=201,
    )
    assert isinstance(batch["parent"]["id"], str)
    parent = api.call(
        "POST",
        "/v1/sources",
        {"bot_profile_id": bot_id, "name": "File Upload (2 files)", "source_type": "upload"},
        expect=201,
    )
    for name in ("a.txt", "b.md"):
        uploaded = client.post(
            "/v1/sources/upload",
            headers=tenant.headers,  # uploadSource(): FormData
            files={"file": (name, b"Refunds within thirty days.", "text/plain")},
            data={"bot_profile_id": bot_id, "parent_id": parent["id"]},
        )
        assert uploaded.status_code == 201, uploaded.text
    worker.drain()

    rows = api.call("GET", "/v1/sources")
    assert {r["id"] for r in rows} == {text["id"], url["id"], batch["parent"]["id"], parent["id"]}
    for row in rows:
        reads(
            row,
            id=str,
            name=str,
            bot_profile_id=str,
            source_type=str,
            status=str,
            children_count=int,
            chunk_count=int,
            document_count=int,
            refresh_schedule=str,
            last_refreshed_at=(str, type(None)),
            error_message=(str, type(None)),
        )
        a_date(row["created_at"])
    by_id = {r["id"]: r for r in rows}
    assert by_id[text["id"]]["status"] == "ready" and by_id[text["id"]]["chunk_count"] > 0
    assert by_id[parent["id"]]["children_count"] == 2, "the row shows '2 items' and Ingest All"
    kids = api.call("GET", f"/v1/sources/{parent['id']}/children")
    assert sorted(k["name"] for k in kids) == ["a.txt", "b.md"] and all(k["status"] == "ready" for k in kids)

    all_ingest = api.call("POST", f"/v1/sources/{batch['parent']['id']}/ingest-children", expect=202)
    assert all_ingest["enqueued"] == 2, "the toast reads result.enqueued"
    api.call("DELETE", f"/v1/sources/{kids[0]['id']}", expect=204)
    assert [k["id"] for k in api.call("GET", f"/v1/sources/{parent['id']}/children")] == [kids[1]["id"]]
    api.call("DELETE", f"/v1/sources/{text['id']}", expect=204)
    assert text["id"] not in {r["id"] for r in api.call("GET", "/v1/sources")}


def test_try_it_streams_and_chat_history_reads_what_it_shows(
    client: TestClient, worker: IngestWorker
) -> None:
    with FakeOpenAI(reply="Within one business day [1].") as fake:
        tenant, api = signed_in(client)
        # the form's body plus api_base (ours), so the dashboard's default model reaches the fake
        bot = {
            "name": "Support",
            "model": "gpt-4o-mini",
            "embedding_model": None,
            "temperature": 0.7,
            "credentials": {"api_key": "sk-test", "api_base": fake.base_url},
        }
        bot_id = api.call("POST", "/v1/bot-profiles", bot, expect=201)["id"]
        source = {
            "bot_profile_id": bot_id,
            "name": "Hours",
            "source_type": "text",
            "content": "The support desk answers within one business day.",
        }
        api.call(
            "POST",
            f"/v1/sources/{api.call('POST', '/v1/sources', source, expect=201)['id']}/ingest",
            expect=202,
        )
        worker.drain()
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {api.token}"}
        body = {"bot_profile_id": bot_id, "message": "How fast?", "stream": True}
        streamed = client.post("/v1/chat", content=json.dumps(body), headers=headers)
        assert streamed.status_code == 200 and streamed.headers["content-type"].startswith(
            "text/event-stream"
        )
        events = parse_sse(streamed.text)
        sources = next(data for name, data in events if name == "sources")["sources"]
        assert sources and all(isinstance(s["source_name"], str) for s in sources)
        assert "".join(d["content"] for n, d in events if n == "delta") == "Within one business day [1]."
        done = next(data for name, data in events if name == "done")
        reads(done, chat_id=str, message_id=str)
        again = api.call(
            "POST",
            "/v1/chat",
            {"bot_profile_id": bot_id, "message": "And weekends?", "chat_id": done["chat_id"]},
        )
        assert again["chat_id"] == done["chat_id"]

    api.call(
        "PATCH",
        f"/v1/chat/{done['chat_id']}/messages/{done['message_id']}/feedback",
        {"feedback": "positive"},
    )
    (chat,) = api.call("GET", "/v1/chat?limit=50&offset=0")
    reads(chat, id=str, title=str, message_count=int, total_prompt_tokens=int, total_completion_tokens=int)
    a_date(chat["created_at"])
    messages = api.call("GET", f"/v1/chat/{chat['id']}/messages")
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    for m in messages:
        reads(m, id=str, role=str, content=str)
    assert messages[1]["feedback"] == "positive", "the thumbs show the stored feedback"
    cleared = api.call(
        "PATCH", f"/v1/chat/{chat['id']}/messages/{messages[1]['id']}/feedback", {"feedback": None}
    )
    assert cleared["feedback"] is None, "a second click on the same thumb sends null"
    assert tenant.id


def test_tokens_and_users_pages(client: TestClient) -> None:
    tenant, api = signed_in(client)
    created = api.call("POST", "/v1/api-tokens", {"name": "production-widget"}, expect=201)
    assert created["raw_token"].startswith("mrag_"), "the banner shows data.raw_token"
    for token in api.call("GET", "/v1/api-tokens"):
        reads(token, id=str, name=str, token_prefix=str, is_active=bool, last_used_at=(str, type(None)))
    api.call("DELETE", f"/v1/api-tokens/{created['id']}", expect=204)
    revoked = [t for t in api.call("GET", "/v1/api-tokens") if t["id"] == created["id"]]
    assert all(t["is_active"] is False for t in revoked), "a listed revoked token shows Revoked"

    form = {
        "email": f"{unique('agent')}@example.com",
        "password": PASSWORD,
        "display_name": "",
        "role": "member",
    }
    user = api.call("POST", "/v1/users", form, expect=201)
    for row in api.call("GET", "/v1/users"):
        reads(row, id=str, email=str, display_name=str, role=str, is_active=bool)
    api.call("DELETE", f"/v1/users/{user['id']}", expect=204)
    (row,) = [u for u in api.call("GET", "/v1/users") if u["id"] == user["id"]]
    assert row["is_active"] is False, "the row shows Disabled"
    assert tenant.owner_id != user["id"]


def test_usage_page_reads_lists_rates_and_all_time(client: TestClient, clock: FakeClock) -> None:
    with FakeOpenAI(reply="Noted.") as fake:
        tenant, api = signed_in(client)
        bot = {
            "name": "Metered",
            "model": "gpt-4o-mini",
            "credentials": {"api_key": "sk-test", "api_base": fake.base_url},
        }
        bot_id = api.call("POST", "/v1/bot-profiles", bot, expect=201)["id"]
        api.call("POST", "/v1/chat", {"bot_profile_id": bot_id, "message": "Hello"})
    clock.advance(40 * 86400)  # the chat is now 40 days old, and the login JWT expired: the API token reads
    api = DashboardApi(client, tenant.token)
    try:
        assert api.call("GET", "/v1/stats/usage?days=30") == []
        (daily,) = api.call("GET", "/v1/stats/usage")  # "All time" sends no days
        reads(
            daily,
            date=str,
            model=str,
            prompt_tokens=int,
            completion_tokens=int,
            total_tokens=int,
            request_count=int,
        )
        (by_model,) = api.call("GET", "/v1/stats/usage/by-model")
        reads(
            by_model,
            model=str,
            request_count=int,
            prompt_tokens=int,
            completion_tokens=int,
            total_tokens=int,
            cost_usd=NUMBER,
            prompt_cost_per_1m=NUMBER,
            completion_cost_per_1m=NUMBER,
        )
        (by_bot,) = api.call("GET", "/v1/stats/usage/by-bot")
        reads(
            by_bot,
            bot_profile_id=str,
            bot_name=str,
            model=str,
            request_count=int,
            total_tokens=int,
            cost_usd=NUMBER,
        )
        estimate = api.call("GET", "/v1/stats/cost-estimate?days=30")
        reads(
            estimate,
            total_cost_usd=NUMBER,
            daily_avg_cost_usd=NUMBER,
            projected_monthly_usd=NUMBER,
            active_days=int,
            by_model=list,
            by_bot=list,
        )
        assert sum(m["request_count"] for m in estimate["by_model"]) == 0, "totalRequests: a .reduce"
        pricing = api.call("GET", "/v1/stats/pricing")
        reads(pricing["default"], prompt_cost_per_1m=NUMBER, completion_cost_per_1m=NUMBER)
        reads(pricing["models"]["gpt-4o-mini"], prompt_cost_per_1m=NUMBER, completion_cost_per_1m=NUMBER)
    finally:
        clock.advance(-40 * 86400)
