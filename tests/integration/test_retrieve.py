"""POST /v1/bot-profiles/{id}/retrieve and agent keys: chat's passages without the model, for agents."""

from fastapi.testclient import TestClient

from tests.support.api import add_user, bearer, signup
from tests.support.knowledge import HANDBOOK, add_text, ingest, make_bot
from tests.support.worker import IngestWorker

QUESTION = "How many days of holiday do I get?"


def ready_bot(client: TestClient, worker: IngestWorker, tenant, text: str = HANDBOOK) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    bot_id = make_bot(client, tenant)
    source_id = add_text(client, tenant, bot_id, text, name="Handbook")
    assert ingest(client, worker, tenant, source_id)["status"] == "ready"
    return bot_id, source_id


def agent_key(client: TestClient, tenant, bot_id: str, **limits: int) -> dict:  # type: ignore[no-untyped-def,type-arg]
    body = {"name": "claude desktop", **limits}
    response = client.post(f"/v1/bot-profiles/{bot_id}/agent-keys", json=body, headers=tenant.headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_retrieve_returns_the_passages_chat_cites(client: TestClient, worker: IngestWorker) -> None:
    tenant = signup(client)
    bot_id, source_id = ready_bot(client, worker, tenant)
    response = client.post(
        f"/v1/bot-profiles/{bot_id}/retrieve", json={"query": QUESTION}, headers=tenant.headers
    )
    assert response.status_code == 200, response.text
    passages = response.json()["passages"]
    top = passages[0]
    assert top["n"] == 1 and top["source_id"] == source_id and top["source_name"] == "Handbook"
    assert "27 days" in top["text"] and isinstance(top["heading_path"], list) and top["chunk_id"]
    chat = client.post(
        "/v1/chat", json={"bot_profile_id": bot_id, "message": QUESTION}, headers=tenant.headers
    )
    cited = chat.json()["sources"]
    assert [(p["n"], p["chunk_id"], p["source_id"], p["score"]) for p in passages] == [
        (c["n"], c["chunk_id"], c["source_id"], c["score"]) for c in cited
    ]
    one = client.post(
        f"/v1/bot-profiles/{bot_id}/retrieve",
        json={"query": QUESTION, "top_k": 1, "retrieval_mode": "sparse", "source_ids": [source_id]},
        headers=tenant.headers,
    )
    assert one.status_code == 200 and len(one.json()["passages"]) == 1
    elsewhere = client.post(
        f"/v1/bot-profiles/{bot_id}/retrieve",
        json={"query": QUESTION, "source_ids": ["nope"]},
        headers=tenant.headers,
    )
    assert elsewhere.status_code == 200 and elsewhere.json()["passages"] == []


def test_retrieve_is_counted_in_usage(client: TestClient, worker: IngestWorker) -> None:
    tenant = signup(client)
    bot_id, _ = ready_bot(client, worker, tenant)
    before = client.get("/v1/stats/overview", headers=tenant.headers).json()
    for _ in range(2):
        client.post(f"/v1/bot-profiles/{bot_id}/retrieve", json={"query": QUESTION}, headers=tenant.headers)
    after = client.get("/v1/stats/overview", headers=tenant.headers).json()
    assert after["retrievals"] == before["retrievals"] + 2
    assert after["embedding_tokens"] > before["embedding_tokens"]
    by_bot = {
        b["bot_profile_id"]: b for b in client.get("/v1/stats/usage/by-bot", headers=tenant.headers).json()
    }
    assert by_bot[bot_id]["retrieval_count"] == 2 and by_bot[bot_id]["request_count"] == 0


def test_retrieve_input_and_roles(client: TestClient, worker: IngestWorker) -> None:
    tenant = signup(client)
    bot_id, _ = ready_bot(client, worker, tenant)
    url = f"/v1/bot-profiles/{bot_id}/retrieve"
    for bad in (
        {},
        {"query": ""},
        {"query": "   "},
        {"query": "x", "top_k": 0},
        {"query": "x", "top_k": 51},
        {"query": "x", "retrieval_mode": "psychic"},
        {"query": "x" * 4001},
        {"query": 7},
    ):
        response = client.post(url, json=bad, headers=tenant.headers)
        assert response.status_code == 422, (bad, response.status_code)
    assert (
        client.post(
            url, content=b"{oops", headers={**tenant.headers, "Content-Type": "application/json"}
        ).status_code
        == 400
    )
    _, member = add_user(client, tenant, "member")
    assert client.post(url, json={"query": QUESTION}, headers=bearer(member)).status_code == 200
    assert client.post(url, json={"query": QUESTION}).status_code == 401
    assert (
        client.post(
            "/v1/bot-profiles/missing/retrieve", json={"query": "x"}, headers=tenant.headers
        ).status_code
        == 404
    )
    stranger = signup(client)
    assert client.post(url, json={"query": QUESTION}, headers=stranger.headers).status_code == 404


def test_an_agent_key_reads_one_bots_knowledge_and_nothing_else(
    client: TestClient, worker: IngestWorker
) -> None:
    tenant = signup(client)
    bot_id, _ = ready_bot(client, worker, tenant)
    other_bot = make_bot(client, tenant)
    made = agent_key(client, tenant, bot_id)
    assert made["key"].startswith("mrak_") and made["mcp_path"] == f"/v1/mcp/{bot_id}"
    assert made["max_requests_per_day"] == 5000 and "allowed_origins" not in made
    key = bearer(made["key"])
    ok = client.post(f"/v1/bot-profiles/{bot_id}/retrieve", json={"query": QUESTION}, headers=key)
    assert ok.status_code == 200 and ok.json()["passages"]
    other = client.post(f"/v1/bot-profiles/{other_bot}/retrieve", json={"query": QUESTION}, headers=key)
    assert other.status_code == 403
    for method, path in (
        ("GET", "/v1/bot-profiles"),
        ("GET", f"/v1/bot-profiles/{bot_id}"),
        ("GET", "/v1/sources"),
    ):
        assert client.request(method, path, headers=key).status_code == 403, path
    chat = client.post("/v1/chat", json={"bot_profile_id": bot_id, "message": "hi"}, headers=key)
    assert chat.status_code == 403
    # a browser origin changes nothing: no origin list to satisfy, and no widget route either
    assert (
        client.post(
            "/v1/chat",
            json={"bot_profile_id": bot_id, "message": "hi"},
            headers={**key, "Origin": "https://x.example"},
        ).status_code
        == 403
    )


def test_agent_keys_are_listed_apart_from_widget_keys_and_revoked(
    client: TestClient, worker: IngestWorker
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    made = agent_key(client, tenant, bot_id)
    widget = client.post(
        f"/v1/bot-profiles/{bot_id}/widget-keys",
        headers=tenant.headers,
        json={"name": "w", "allowed_origins": ["https://w.example"]},
    ).json()
    agents = client.get(f"/v1/bot-profiles/{bot_id}/agent-keys", headers=tenant.headers).json()["items"]
    widgets = client.get(f"/v1/bot-profiles/{bot_id}/widget-keys", headers=tenant.headers).json()["items"]
    assert [k["id"] for k in agents] == [made["id"]] and "key" not in agents[0]
    assert [k["id"] for k in widgets] == [widget["id"]]
    # each kind's routes revoke only that kind
    assert (
        client.delete(
            f"/v1/bot-profiles/{bot_id}/widget-keys/{made['id']}", headers=tenant.headers
        ).status_code
        == 404
    )
    assert (
        client.delete(
            f"/v1/bot-profiles/{bot_id}/agent-keys/{widget['id']}", headers=tenant.headers
        ).status_code
        == 404
    )
    # a widget key renamed with the agent prefix is not an agent key
    forged = bearer("mrak_" + widget["key"].removeprefix("mrwk_"))
    assert (
        client.post(f"/v1/bot-profiles/{bot_id}/retrieve", json={"query": "x"}, headers=forged).status_code
        == 401
    )
    widget_headers = {**bearer(widget["key"]), "Origin": "https://w.example"}
    assert (
        client.post(
            f"/v1/bot-profiles/{bot_id}/retrieve", json={"query": "x"}, headers=widget_headers
        ).status_code
        == 403
    )
    assert (
        client.delete(
            f"/v1/bot-profiles/{bot_id}/agent-keys/{made['id']}", headers=tenant.headers
        ).status_code
        == 204
    )
    revoked = client.post(
        f"/v1/bot-profiles/{bot_id}/retrieve", json={"query": "x"}, headers=bearer(made["key"])
    )
    assert revoked.status_code == 401
    _, member = add_user(client, tenant, "member")
    assert (
        client.post(
            f"/v1/bot-profiles/{bot_id}/agent-keys", json={"name": "m"}, headers=bearer(member)
        ).status_code
        == 403
    )


def test_an_agent_keys_daily_budget_is_enforced(client: TestClient, worker: IngestWorker) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    key = bearer(agent_key(client, tenant, bot_id, max_requests_per_day=2)["key"])
    codes = [
        client.post(f"/v1/bot-profiles/{bot_id}/retrieve", json={"query": "x"}, headers=key).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]


def test_retrievals_stay_out_of_feedback(client: TestClient, worker: IngestWorker) -> None:
    tenant = signup(client)
    bot_id, _ = ready_bot(client, worker, tenant)
    client.post(f"/v1/bot-profiles/{bot_id}/retrieve", json={"query": QUESTION}, headers=tenant.headers)
    feedback = client.get("/v1/stats/feedback", headers=tenant.headers).json()
    assert feedback["total_messages"] == 0 and feedback["by_bot"] == []
    assert client.get("/v1/stats/feedback/trend", headers=tenant.headers).json() == []
