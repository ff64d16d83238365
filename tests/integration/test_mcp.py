"""A bot's MCP server, driven by the official MCP SDK's client: over HTTP against the app served on a
loopback port, and through the API function's Lambda handler (Mangum, buffered) with API Gateway events."""

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from mcp.shared.exceptions import MCPError

from functions.api.handler import make_handler
from minirag.api.app import create_app
from minirag.bootstrap import Services
from tests.integration.test_api_handler import Context
from tests.support.api import signup
from tests.support.knowledge import HANDBOOK, add_text, ingest, make_bot
from tests.support.mcp import LambdaEventTransport, mcp_client, structured
from tests.support.server import serve
from tests.support.worker import IngestWorker

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "How many days of holiday do I get?"
TOOLS = {"search_knowledge", "ask", "list_sources"}


@pytest.fixture(scope="module")
def base_url(services: Services) -> Iterator[str]:
    with serve(create_app(services)) as url:
        yield url


@pytest.fixture(scope="module")
def handbook(client: TestClient, worker: IngestWorker) -> dict[str, Any]:
    """A tenant whose bot knows the handbook, with an agent key for it, and a second bot of its own."""
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    source_id = add_text(client, tenant, bot_id, HANDBOOK, name="Handbook")
    assert ingest(client, worker, tenant, source_id)["status"] == "ready"
    made = client.post(
        f"/v1/bot-profiles/{bot_id}/agent-keys", json={"name": "agent"}, headers=tenant.headers
    )
    return {
        "tenant": tenant,
        "bot_id": bot_id,
        "source_id": source_id,
        "agent_key": made.json()["key"],
        "other_bot": make_bot(client, tenant),
    }


async def every_tool(url: str, token: str, *, mode: str = "auto", transport: Any = None) -> dict[str, Any]:
    """Initialize, list the tools and resources, call each tool, read a resource."""
    async with mcp_client(url, token, mode=mode, transport=transport) as mcp:
        tools = await mcp.list_tools()
        search = structured(await mcp.call_tool("search_knowledge", {"query": QUESTION}))
        sources = structured(await mcp.call_tool("list_sources", {}))
        answer = structured(await mcp.call_tool("ask", {"question": QUESTION}))
        resources = await mcp.list_resources()
        read = await mcp.read_resource(resources.resources[0].uri)
        return {
            "server": mcp.server_info if hasattr(mcp, "server_info") else None,
            "tools": {t.name: t for t in tools.tools},
            "search": search,
            "sources": sources,
            "answer": answer,
            "resources": resources.resources,
            "read": read.contents[0].text,
        }


def check_every_tool(got: dict[str, Any], handbook: dict[str, Any], client: TestClient) -> None:
    assert set(got["tools"]) == TOOLS
    assert got["tools"]["search_knowledge"].input_schema["required"] == ["query"]
    top = got["search"]["passages"][0]
    assert top["source_id"] == handbook["source_id"] and "27 days" in top["text"]
    retrieved = client.post(
        f"/v1/bot-profiles/{handbook['bot_id']}/retrieve",
        json={"query": QUESTION},
        headers=handbook["tenant"].headers,
    ).json()["passages"]
    assert got["search"]["passages"] == retrieved
    assert [s["id"] for s in got["sources"]["sources"]] == [handbook["source_id"]]
    assert "27 days" in got["answer"]["text"] and got["answer"]["chat_id"]
    assert got["answer"]["passages"][0]["source_id"] == handbook["source_id"]
    assert [r.name for r in got["resources"]] == ["Handbook"]
    assert handbook["source_id"] in got["read"] and '"status": "ready"' in got["read"]


@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_the_official_client_calls_every_tool_over_http(
    base_url: str, handbook: dict[str, Any], client: TestClient, mode: str
) -> None:
    """legacy: the initialize handshake (2025-11-25); auto: the SDK's stateless protocol when offered."""
    url = f"{base_url}/v1/mcp/{handbook['bot_id']}"
    got = anyio.run(partial(every_tool, url, handbook["tenant"].token, mode=mode))
    check_every_tool(got, handbook, client)


def test_an_agent_key_is_enough(base_url: str, handbook: dict[str, Any], client: TestClient) -> None:
    url = f"{base_url}/v1/mcp/{handbook['bot_id']}"
    got = anyio.run(partial(every_tool, url, handbook["agent_key"], mode="legacy"))
    check_every_tool(got, handbook, client)


def test_the_lambda_handler_serves_the_official_client(
    services: Services, handbook: dict[str, Any], client: TestClient
) -> None:
    """API Gateway REST -> Mangum -> the app: each MCP message is one buffered invocation."""
    transport = LambdaEventTransport(make_handler(services), Context())
    url = f"https://lambda.test/v1/mcp/{handbook['bot_id']}"
    for mode in ("legacy", "auto"):
        got = anyio.run(partial(every_tool, url, handbook["agent_key"], mode=mode, transport=transport))
        check_every_tool(got, handbook, client)


async def _refused(url: str, token: str) -> str:
    """The reason the server gave, as the SDK's client reports it (the HTTP error's JSON-RPC body)."""
    try:
        async with mcp_client(url, token, mode="legacy") as mcp:
            await mcp.list_tools()
    except BaseException as exc:  # the client's task group may wrap the error in an exception group
        while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
            exc = exc.exceptions[0]
        assert isinstance(exc, MCPError), repr(exc)
        return exc.error.message
    raise AssertionError("the MCP client was not refused")


def test_a_foreign_bot_or_a_bad_key_is_refused(
    base_url: str, handbook: dict[str, Any], client: TestClient
) -> None:
    own = f"{base_url}/v1/mcp/{handbook['bot_id']}"
    stranger = signup(client)
    assert anyio.run(_refused, own, stranger.token) == "bot profile not found"
    assert anyio.run(_refused, own, "mrak_not-a-key") == "invalid agent key"
    assert anyio.run(_refused, own, "not-a-token") == "invalid token"
    other = f"{base_url}/v1/mcp/{handbook['other_bot']}"
    assert anyio.run(_refused, other, handbook["agent_key"]) == "this agent key is for another bot"
    widget = client.post(
        f"/v1/bot-profiles/{handbook['bot_id']}/widget-keys",
        json={"name": "w", "allowed_origins": ["*"]},
        headers=handbook["tenant"].headers,
    ).json()["key"]
    # refused for want of a browser origin, and with one for being a widget key (test_access_matrix)
    assert anyio.run(_refused, own, widget) == "this widget key is not allowed from this origin"
    missing = f"{base_url}/v1/mcp/no-such-bot"
    assert anyio.run(_refused, missing, handbook["tenant"].token) == "bot profile not found"
    # the same refusals as HTTP statuses, for clients that read those
    headers = {**stranger.headers, "Accept": "application/json, text/event-stream"}
    refused = client.post(
        own.removeprefix(base_url), json={"jsonrpc": "2.0", "id": 1, "method": "ping"}, headers=headers
    )
    assert refused.status_code == 404 and refused.json()["detail"] == "bot profile not found"


async def _tool_errors(url: str, token: str) -> list[Any]:
    async with mcp_client(url, token, mode="legacy") as mcp:
        results = [
            await mcp.call_tool("search_knowledge", {}),
            await mcp.call_tool("search_knowledge", {"query": "x", "top_k": 500}),
            await mcp.call_tool("ask", {"question": "hi", "chat_id": "not-a-chat"}),
            await mcp.call_tool("delete_everything", {}),
        ]
        try:
            await mcp.read_resource("minirag://bots/other/sources/x")
        except MCPError as exc:
            results.append(exc)
        return results


def test_bad_tool_input_is_a_tool_error_not_a_crash(base_url: str, handbook: dict[str, Any]) -> None:
    url = f"{base_url}/v1/mcp/{handbook['bot_id']}"
    missing, too_many, unknown_chat, unknown_tool, bad_uri = anyio.run(
        _tool_errors, url, handbook["agent_key"]
    )
    assert missing.is_error and "query" in missing.content[0].text
    assert too_many.is_error and "top_k" in too_many.content[0].text
    assert unknown_chat.is_error and "not found" in unknown_chat.content[0].text
    assert unknown_tool.is_error and "search_knowledge" in unknown_tool.content[0].text
    assert isinstance(bad_uri, MCPError) and "no resource" in str(bad_uri)


def test_plain_http_answers_of_the_endpoint(
    base_url: str, handbook: dict[str, Any], client: TestClient
) -> None:
    """Stateless: no SSE stream to open (GET 405); a JSON body always; a non-JSON body is a 4xx."""
    url = f"/v1/mcp/{handbook['bot_id']}"
    headers = {**handbook["tenant"].headers, "Accept": "application/json, text/event-stream"}
    assert client.get(url, headers=headers).status_code == 405
    listed = client.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, headers=headers)
    assert listed.status_code == 200 and listed.headers["content-type"].startswith("application/json")
    assert {t["name"] for t in listed.json()["result"]["tools"]} == TOOLS
    garbage = client.post(url, content=b"{oops", headers={**headers, "Content-Type": "application/json"})
    assert 400 <= garbage.status_code < 500
    assert client.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).status_code == 401


def test_the_app_imports_no_mcp_until_an_mcp_request() -> None:
    """The API handler's cold start never pays for the SDK (make coldstart-check measures the import)."""
    probe = (
        "import sys; import functions.api.handler; from minirag.api.app import create_app; "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('mcp', 'mcp_types')); "
        "assert not loaded, loaded"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)  # noqa: S603
    assert run.returncode == 0, run.stderr[-2000:]


TS_CLIENT = ROOT / "tests" / "postman" / "mcp_client.mjs"
TS_SDK = ROOT / "tests" / "postman" / "node_modules" / "@modelcontextprotocol" / "sdk"


def ts_client(url: str, token: str) -> dict[str, Any]:
    node = shutil.which("node")
    if not TS_SDK.is_dir() or node is None:
        pytest.fail("the MCP TypeScript SDK is not installed: sh tests/postman/setup.sh (make test runs it)")
    run = subprocess.run(  # noqa: S603
        [node, str(TS_CLIENT), url, token, QUESTION], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    result: dict[str, Any] = json.loads(run.stdout)
    return result


def test_a_second_independent_client_the_typescript_sdk(
    base_url: str, handbook: dict[str, Any], client: TestClient
) -> None:
    """The official TypeScript SDK (its own transport, handshake and schemas) against the same endpoint."""
    url = f"{base_url}/v1/mcp/{handbook['bot_id']}"
    got = ts_client(url, handbook["agent_key"])
    assert "error" not in got, got.get("error")
    assert got["server"]["name"] == "minirag" and got["tools"] == sorted(TOOLS)
    assert got["search"]["structuredContent"]["passages"][0]["source_id"] == handbook["source_id"]
    assert [s["id"] for s in got["sources"]["structuredContent"]["sources"]] == [handbook["source_id"]]
    assert not got["ask"].get("isError") and "27 days" in got["ask"]["structuredContent"]["text"]
    assert handbook["source_id"] in got["read"]["contents"][0]["text"]
    refused = ts_client(url, "mrak_not-a-key")
    assert "invalid agent key" in refused["error"]
