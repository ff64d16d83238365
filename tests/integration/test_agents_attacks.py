"""An attacker's pass over retrieve, the MCP endpoint and agent keys (docs/agents.md): foreign ids in every
argument, keys used where they do not belong, hostile JSON-RPC, budgets, and what errors let out.

Plain JSON-RPC over the test client, in both protocols the server speaks: the initialize handshake's
(2025-11-25, each request carrying MCP-Protocol-Version) and the per-request one (2026-07-28, an envelope
in params._meta and the Mcp-Method / Mcp-Name routing headers)."""

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from minirag.bootstrap import Services
from tests.support.api import TenantCtx, add_user, bearer, signup
from tests.support.knowledge import HANDBOOK, add_text, ingest, make_bot
from tests.support.worker import IngestWorker

HANDSHAKE, PER_REQUEST = "2025-11-25", "2026-07-28"
PROTOCOLS = (HANDSHAKE, PER_REQUEST)
DEFAULT = object()
A2_SECRET = "The launch code for project zebra is PURPLE-42."
B_SECRET = "Tenant B confidential: the zebra launch code is ORANGE-77."


def rpc(
    client: TestClient,
    bot_id: str,
    headers: dict[str, str],
    method: str,
    params: dict[str, Any] | None = None,
    *,
    protocol: str = HANDSHAKE,
    body: Any = DEFAULT,
) -> Response:
    """One JSON-RPC request as an MCP client sends it in `protocol` (or `body` as given, with the headers
    that protocol's client would send)."""
    sent_headers = {
        **headers,
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "MCP-Protocol-Version": protocol,
    }
    params = dict(params or {})
    if protocol == PER_REQUEST:
        params["_meta"] = {
            "io.modelcontextprotocol/protocolVersion": PER_REQUEST,
            "io.modelcontextprotocol/clientCapabilities": {},
        }
        sent_headers["Mcp-Method"] = method
        named = params.get("name", params.get("uri"))
        if isinstance(named, str):
            sent_headers["Mcp-Name"] = named
    if body is DEFAULT:
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(f"/v1/mcp/{bot_id}", content=raw, headers=sent_headers)


def tool(
    client: TestClient,
    bot_id: str,
    headers: dict[str, str],
    name: str,
    protocol: str = HANDSHAKE,
    /,
    **args: Any,
) -> dict[str, Any]:
    """A tools/call's result (a tool error is a result with isError); `args` may name anything, bot_id too."""
    response = rpc(
        client, bot_id, headers, "tools/call", {"name": name, "arguments": args}, protocol=protocol
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["result"]
    return result


def agent_key(client: TestClient, tenant: TenantCtx, bot_id: str, **limits: int) -> dict[str, Any]:
    body = {"name": "agent", "rate_limit_per_minute": 10_000, **limits}
    response = client.post(f"/v1/bot-profiles/{bot_id}/agent-keys", json=body, headers=tenant.headers)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


@pytest.fixture(scope="module")
def world(client: TestClient, worker: IngestWorker) -> dict[str, Any]:
    """Tenant A: bot a1 (the handbook; the agent key's bot) and bot a2 (a secret of its own); tenant B:
    bot b1 with a secret. Every source ingested."""
    a, b = signup(client), signup(client)
    a1, a2, b1 = make_bot(client, a), make_bot(client, a), make_bot(client, b)
    sources = {
        "a1": add_text(client, a, a1, HANDBOOK, name="Handbook"),
        "a2": add_text(client, a, a2, A2_SECRET, name="A2 secret"),
        "b1": add_text(client, b, b1, B_SECRET, name="B secret"),
    }
    for tenant, source_id in ((a, sources["a1"]), (a, sources["a2"]), (b, sources["b1"])):
        assert ingest(client, worker, tenant, source_id)["status"] == "ready"
    return {
        "a": a,
        "b": b,
        "a1": a1,
        "a2": a2,
        "b1": b1,
        "sources": sources,
        "key": bearer(agent_key(client, a, a1)["key"]),
    }


# --- tenant and bot hopping through arguments ---------------------------------------------------


def test_foreign_source_ids_never_widen_a_search(client: TestClient, world: dict[str, Any]) -> None:
    """source_ids narrows the bot's own live sources; another bot's or tenant's source id matches none."""
    a1, src = world["a1"], world["sources"]
    for headers in (world["a"].headers, world["key"]):
        for foreign in ([src["a2"]], [src["b1"]], [src["a2"], src["b1"]]):
            found = client.post(
                f"/v1/bot-profiles/{a1}/retrieve",
                json={"query": "zebra launch code", "source_ids": foreign},
                headers=headers,
            )
            assert found.status_code == 200 and found.json()["passages"] == [], found.text
            for protocol in PROTOCOLS:
                result = tool(
                    client,
                    a1,
                    headers,
                    "search_knowledge",
                    protocol,
                    query="zebra launch code",
                    source_ids=foreign,
                )
                assert result["structuredContent"]["passages"] == [] and "PURPLE" not in json.dumps(result)
        mixed = client.post(
            f"/v1/bot-profiles/{a1}/retrieve",
            json={"query": "zebra launch code holiday", "source_ids": [src["b1"], src["a1"]]},
            headers=headers,
        ).json()["passages"]
        assert {p["source_id"] for p in mixed} == {src["a1"]}
    # the other bot's and the other tenant's knowledge as their own owners see it, to show it is there
    assert (
        "PURPLE-42"
        in client.post(
            f"/v1/bot-profiles/{world['a2']}/retrieve", json={"query": "zebra"}, headers=world["a"].headers
        ).text
    )


def test_a_tool_argument_cannot_name_another_bot(client: TestClient, world: dict[str, Any]) -> None:
    for name, args in (
        ("search_knowledge", {"query": "zebra", "bot_id": world["a2"]}),
        ("list_sources", {"bot_id": world["b1"]}),
        ("ask", {"question": "zebra?", "bot_profile_id": world["a2"]}),
    ):
        result = tool(client, world["a1"], world["key"], name, **args)
        assert result["isError"] and "Extra inputs are not permitted" in result["content"][0]["text"]


def test_ask_continues_no_chat_but_its_own(client: TestClient, world: dict[str, Any]) -> None:
    """Another tenant's chat, another bot's chat, and (for an agent key) the tenant's own dashboard chat on
    the same bot: 'chat not found', and nothing is written into them."""
    a, b = world["a"], world["b"]
    chats = {
        "other tenant": client.post(
            "/v1/chat", json={"bot_profile_id": world["b1"], "message": "zebra?"}, headers=b.headers
        ).json()["chat_id"],
        "other bot": client.post(
            "/v1/chat", json={"bot_profile_id": world["a2"], "message": "zebra?"}, headers=a.headers
        ).json()["chat_id"],
        "dashboard": client.post(
            "/v1/chat", json={"bot_profile_id": world["a1"], "message": "holiday?"}, headers=a.headers
        ).json()["chat_id"],
    }
    for label, chat_id in chats.items():
        for protocol in PROTOCOLS:
            refused = tool(
                client, world["a1"], world["key"], "ask", protocol, question="and?", chat_id=chat_id
            )
            assert refused["isError"] and refused["content"][0]["text"] == "chat not found", (label, refused)
    for label in ("other tenant", "other bot"):  # the tenant's own credentials cannot either
        refused = tool(client, world["a1"], a.headers, "ask", question="and?", chat_id=chats[label])
        assert refused["isError"] and refused["content"][0]["text"] == "chat not found", label
    owner = {"other tenant": b, "other bot": a, "dashboard": a}
    for label, chat_id in chats.items():
        messages = client.get(f"/v1/chat/{chat_id}/messages", headers=owner[label].headers).json()
        assert len(messages) == 2, (label, messages)  # the question and its answer, nothing added
    # its own chat it continues
    started = tool(client, world["a1"], world["key"], "ask", question="How many days of holiday?")
    chat_id = started["structuredContent"]["chat_id"]
    more = tool(client, world["a1"], world["key"], "ask", question="And expenses?", chat_id=chat_id)
    assert not more["isError"] and more["structuredContent"]["chat_id"] == chat_id


def test_resources_name_only_the_bots_own_sources(client: TestClient, world: dict[str, Any]) -> None:
    a1, a2, b1, src = world["a1"], world["a2"], world["b1"], world["sources"]
    for protocol in PROTOCOLS:
        for uri in (
            f"minirag://bots/{a1}/sources/{src['a2']}",  # another bot's source under this bot's prefix
            f"minirag://bots/{a1}/sources/{src['b1']}",  # another tenant's
            f"minirag://bots/{a2}/sources/{src['a2']}",
            f"minirag://bots/{b1}/sources/{src['b1']}",
            f"minirag://bots/{a1}/sources/{src['a1']}/../{src['a2']}",
            f"minirag://bots/{a1}/sources/",
            "file:///etc/passwd",
        ):
            read = rpc(client, a1, world["key"], "resources/read", {"uri": uri}, protocol=protocol)
            assert read.status_code in (200, 400, 404), (uri, read.status_code)
            error = read.json()["error"]
            assert error["code"] == -32002, (uri, error)
            assert "secret" not in read.text.lower() and "zebra" not in read.text.lower()
        listed = rpc(client, a1, world["key"], "resources/list", protocol=protocol).json()["result"]
        assert [r["uri"] for r in listed["resources"]] == [f"minirag://bots/{a1}/sources/{src['a1']}"]
        sources = tool(client, a1, world["key"], "list_sources", protocol)["structuredContent"]["sources"]
        assert [s["id"] for s in sources] == [src["a1"]]


# --- keys where they do not belong ----------------------------------------------------------------


def test_keys_are_what_their_stored_record_says(client: TestClient, world: dict[str, Any]) -> None:
    """A prefix swapped either way is refused; another bot's MCP, a widget key on MCP/retrieve, a revoked
    key, cross-kind revocations; members cannot create or revoke agent keys."""
    a, a1 = world["a"], world["a1"]
    widget = client.post(
        f"/v1/bot-profiles/{a1}/widget-keys",
        json={"name": "w", "allowed_origins": ["https://w.example"]},
        headers=a.headers,
    ).json()
    made = agent_key(client, a, a1)
    from_site = {**bearer(widget["key"]), "Origin": "https://w.example"}
    assert rpc(client, a1, from_site, "tools/list").status_code == 403
    assert (
        client.post(f"/v1/bot-profiles/{a1}/retrieve", json={"query": "x"}, headers=from_site).status_code
        == 403
    )
    as_agent = bearer("mrak_" + widget["key"].removeprefix("mrwk_"))
    assert rpc(client, a1, as_agent, "tools/list").status_code == 401
    as_widget = {**bearer("mrwk_" + made["key"].removeprefix("mrak_")), "Origin": "https://w.example"}
    chat = client.post("/v1/chat", json={"bot_profile_id": a1, "message": "hi"}, headers=as_widget)
    assert chat.status_code == 401
    for bot_id in (world["a2"], world["b1"]):
        refused = rpc(client, bot_id, world["key"], "tools/list")
        assert (
            refused.status_code == 403
            and refused.json()["error"]["message"] == "this agent key is for another bot"
        )
    _, member = add_user(client, a, "member")
    assert (
        client.post(
            f"/v1/bot-profiles/{a1}/agent-keys", json={"name": "m"}, headers=bearer(member)
        ).status_code
        == 403
    )
    assert (
        client.delete(f"/v1/bot-profiles/{a1}/agent-keys/{made['id']}", headers=bearer(member)).status_code
        == 403
    )
    assert (
        client.post(
            f"/v1/bot-profiles/{world['b1']}/agent-keys", json={"name": "x"}, headers=a.headers
        ).status_code
        == 404
    )
    assert (
        client.delete(
            f"/v1/bot-profiles/{a1}/agent-keys/{made['id']}", headers=world["b"].headers
        ).status_code
        == 404
    )
    assert (
        client.delete(f"/v1/bot-profiles/{a1}/widget-keys/{made['id']}", headers=a.headers).status_code == 404
    )
    assert (
        client.delete(f"/v1/bot-profiles/{a1}/agent-keys/{widget['id']}", headers=a.headers).status_code
        == 404
    )
    key = bearer(made["key"])
    assert rpc(client, a1, key, "tools/list").status_code == 200
    assert (
        client.delete(f"/v1/bot-profiles/{a1}/agent-keys/{made['id']}", headers=a.headers).status_code == 204
    )
    assert rpc(client, a1, key, "tools/list").status_code == 401
    assert client.post(f"/v1/bot-profiles/{a1}/retrieve", json={"query": "x"}, headers=key).status_code == 401


def test_a_key_of_a_deleted_bot_reads_nothing(client: TestClient, world: dict[str, Any]) -> None:
    a = world["a"]
    bot_id = make_bot(client, a)
    key = bearer(agent_key(client, a, bot_id)["key"])
    assert client.delete(f"/v1/bot-profiles/{bot_id}", headers=a.headers).status_code == 204
    assert rpc(client, bot_id, key, "tools/list").status_code == 404
    assert (
        client.post(f"/v1/bot-profiles/{bot_id}/retrieve", json={"query": "x"}, headers=key).status_code
        == 404
    )


# --- hostile input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_hostile_json_rpc_is_a_client_error_never_a_500(
    client: TestClient, world: dict[str, Any], protocol: str
) -> None:
    a1, key = world["a1"], world["key"]
    bodies: list[Any] = [
        [{"jsonrpc": "2.0", "id": n, "method": "tools/list"} for n in range(2)],  # a batch
        [{"jsonrpc": "2.0", "id": n, "method": "tools/call", "params": {"name": "ask"}} for n in range(20)],
        [],
        None,
        1,
        "tools/list",
        {},
        {"jsonrpc": "1.0", "id": 1, "method": "tools/list"},
        {"jsonrpc": "2.0", "id": 1, "method": 5},
        {"jsonrpc": "2.0", "id": {"x": 1}, "method": "tools/list"},
        {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": ["search_knowledge"]},
        {"jsonrpc": "2.0", "id": 1, "result": {}},
        b"{oops",
        b"",
        b"[" * 50_000 + b"]" * 50_000,
    ]
    for body in bodies:
        response = rpc(client, a1, key, "tools/list", protocol=protocol, body=body)
        assert 200 <= response.status_code < 500, (
            body if not isinstance(body, bytes) else body[:20],
            response,
        )
        if response.status_code != 202:
            assert "error" in response.json() or "detail" in response.json(), response.text
        # no library's report: the handshake transport sent pydantic's (its version, docs URLs, the input)
        assert "pydantic" not in response.text and "validation error" not in response.text.lower(), (
            response.text
        )
    for method in (
        "admin/dump",
        "prompts/list",
        "resources/subscribe",
        "logging/setLevel",
        "sampling/createMessage",
    ):
        unknown = rpc(client, a1, key, method, protocol=protocol)
        assert unknown.status_code in (200, 404) and unknown.json()["error"]["code"] in (-32601, -32602), (
            unknown.text
        )
    for args in (
        {"query": "holiday", "top_k": 0},
        {"query": "holiday", "top_k": -1},
        {"query": "holiday", "top_k": 10**9},
        {"query": "holiday", "top_k": 10**40},
        {"query": "holiday", "top_k": 2.5},
        {"query": "holiday", "retrieval_mode": "psychic"},
        {"query": "x" * 4001},
        {"query": 7},
        {"query": "holiday", "source_ids": ["x"] * 101},
        {"query": "holiday", "source_ids": [["x"]]},
    ):
        result = tool(client, a1, key, "search_knowledge", protocol, **args)
        assert result["isError"] and result["content"][0]["text"].startswith("invalid arguments"), (
            args,
            result,
        )
    for query in ("\u202eyadiloh\u200b\ufeff", "holi\u0000day", "\U0001f3d6" * 4000, "   "):
        result = tool(client, a1, key, "search_knowledge", protocol, query=query)
        assert not result["isError"], (query, result)
    too_long = tool(client, a1, key, "ask", protocol, question="x" * 32_001)
    assert too_long["isError"] and "question" in too_long["content"][0]["text"]
    huge_chat = tool(client, a1, key, "ask", protocol, question="hi", chat_id="x" * 5000)
    assert huge_chat["isError"]


def test_hostile_bodies_on_the_http_layer(client: TestClient, world: dict[str, Any]) -> None:
    a1, key = world["a1"], world["key"]
    big = b'{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"x":"' + b"a" * 2_000_000 + b'"}}'
    assert rpc(client, a1, key, "tools/list", body=big).status_code == 413
    lone = b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search_knowledge",'
    lone += b'"arguments":{"query":"\\ud800"}}}'
    assert rpc(client, a1, key, "tools/call", body=lone).status_code == 422
    url = f"/v1/bot-profiles/{a1}/retrieve"
    for body in (
        {"query": "x", "top_k": 10**40},
        {"query": "x", "top_k": -1},
        {"query": "x", "source_ids": "abc"},
        {"query": "x", "retrieval_mode": "HYBRID"},
        {"query": "x" * 4001},
    ):
        assert client.post(url, json=body, headers=key).status_code == 422, body
    assert (
        client.post(url, content=big, headers={**key, "Content-Type": "application/json"}).status_code == 413
    )


# --- budgets ------------------------------------------------------------------------------------------


def test_one_key_spending_its_budgets_spends_nobody_elses(client: TestClient, world: dict[str, Any]) -> None:
    """Per minute: a 429 with Retry-After and a JSON-RPC body; per day: the tool's isError (and 429 on
    retrieve). Another key of the same bot and the tenant's own credentials are still served."""
    a, a1 = world["a"], world["a1"]
    spent = bearer(agent_key(client, a, a1, rate_limit_per_minute=3, max_requests_per_day=2)["key"])
    assert not tool(client, a1, spent, "search_knowledge", query="holiday")["isError"]
    ok = client.post(f"/v1/bot-profiles/{a1}/retrieve", json={"query": "holiday"}, headers=spent)
    assert ok.status_code == 200
    daily = tool(client, a1, spent, "search_knowledge", query="holiday")
    assert daily["isError"] and "too many requests" in daily["content"][0]["text"]
    minute = rpc(client, a1, spent, "tools/list")
    assert minute.status_code == 429 and int(minute.headers["Retry-After"]) > 0
    assert minute.json()["error"]["message"] == "too many requests; retry later"
    assert not tool(client, a1, world["key"], "search_knowledge", query="holiday")["isError"]
    own = client.post(f"/v1/bot-profiles/{a1}/retrieve", json={"query": "holiday"}, headers=a.headers)
    assert own.status_code == 200 and own.json()["passages"]


def test_mcp_searches_and_questions_are_counted_in_usage(client: TestClient, world: dict[str, Any]) -> None:
    a, a1 = world["a"], world["a1"]
    before = client.get("/v1/stats/overview", headers=a.headers).json()
    tool(client, a1, world["key"], "search_knowledge", query="holiday")
    tool(client, a1, world["key"], "ask", question="How many days of holiday?")
    after = client.get("/v1/stats/overview", headers=a.headers).json()
    assert after["retrievals"] == before["retrievals"] + 1
    assert after["messages"] == before["messages"] + 2 and after["total_tokens"] > before["total_tokens"]


# --- what errors let out ----------------------------------------------------------------------------

INTERNAL = "SECRET-INTERNAL arn:aws:dynamodb:eu-west-1:123456789012:table/minirag-prod"


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_internal_failure_text_never_reaches_the_mcp_client(
    client: TestClient,
    services: Services,
    world: dict[str, Any],
    protocol: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bug or an unmapped store error in a handler: the REST routes answer "internal error"; the MCP SDK
    sends str(exception) as the JSON-RPC error message in the handshake protocol unless the server
    answers first. Every handler, both protocols: a JSON-RPC internal error, nothing of the text."""

    def broken(*_: object, **__: object) -> object:
        raise RuntimeError(INTERNAL)

    monkeypatch.setattr(services.retriever, "search", broken)
    monkeypatch.setattr(services.sources, "list_sources", broken)  # the same reader knowledge lists with
    a1, key = world["a1"], world["key"]
    calls: list[tuple[str, dict[str, Any]]] = [
        ("tools/call", {"name": "search_knowledge", "arguments": {"query": "holiday"}}),
        ("tools/call", {"name": "ask", "arguments": {"question": "holiday?"}}),
        ("tools/call", {"name": "list_sources", "arguments": {}}),
        ("resources/list", {}),
        ("resources/read", {"uri": f"minirag://bots/{a1}/sources/{world['sources']['a1']}"}),
    ]
    for method, params in calls:
        response = rpc(client, a1, key, method, params, protocol=protocol)
        assert "SECRET-INTERNAL" not in response.text and "arn:aws" not in response.text, (
            method,
            response.text,
        )
        assert response.status_code < 500 or "error" in response.json(), response.text
        failed = response.json()
        assert failed.get("error", {}).get("code") == -32603 or failed.get("result", {}).get("isError"), (
            failed
        )
