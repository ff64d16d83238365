"""Drive a running stack's MCP endpoint with the official MCP SDK's client (make run, or a deployed stage).

    python -m scripts.mcp_check --base-url http://127.0.0.1:8000

Signs up a throwaway tenant, gives a bot the handbook, makes an agent key, then lists and calls every tool
with it (the initialize handshake and the per-request protocol), reads a resource, and checks that another
tenant's token and a made-up key are refused. Prints one line per step; exits 1 on the first failure."""

import argparse
import asyncio
import json
import sys
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import TextResourceContents

HANDBOOK = "# Handbook\n\n## Holidays\nEvery employee gets 27 days of paid holiday a year.\n"
QUESTION = "How many days of paid holiday do I get?"


def call(base: str, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    data = json.dumps(body).encode() if body else None
    request = urllib.request.Request(f"{base}{path}", method=method, data=data)  # noqa: S310 (operator's URL)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        raw = response.read()
    return json.loads(raw) if raw else None


def tenant(base: str) -> str:
    slug = f"mcp-{uuid.uuid4().hex[:10]}"
    body = {
        "tenant_name": slug,
        "tenant_slug": slug,
        "owner_email": f"{slug}@example.com",
        "owner_password": "x" * 12,
    }
    token: str = call(base, "POST", "/v1/tenants", body)["api_token"]
    return token


def ready_bot(base: str, token: str) -> str:
    bot_id: str = call(base, "POST", "/v1/bot-profiles", {"name": "MCP check"}, token)["id"]
    body = {"bot_profile_id": bot_id, "name": "Handbook", "source_type": "text", "content": HANDBOOK}
    source = call(base, "POST", "/v1/sources?ingest=true", body, token)
    for _ in range(120):
        if call(base, "GET", f"/v1/sources/{source['id']}", token=token)["status"] == "ready":
            return bot_id
        time.sleep(1)
    raise SystemExit("the handbook was not ingested within 2 minutes")


async def every_tool(url: str, key: str, mode: str) -> None:
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {key}"})
    async with Client(streamable_http_client(url, http_client=http), mode=mode) as mcp:
        names = sorted(t.name for t in (await mcp.list_tools()).tools)
        print(f"  [{mode}] tools: {', '.join(names)}")
        found = await mcp.call_tool("search_knowledge", {"query": QUESTION})
        passages = (found.structured_content or {}).get("passages", [])
        assert passages and "27" in passages[0]["text"], found.content
        print(f"  [{mode}] search_knowledge: {len(passages)} passage(s), top score {passages[0]['score']}")
        sources = (await mcp.call_tool("list_sources", {})).structured_content or {}
        print(f"  [{mode}] list_sources: {[s['name'] for s in sources.get('sources', [])]}")
        answer = await mcp.call_tool("ask", {"question": QUESTION})
        said = str((answer.structured_content or {}).get("text", ""))
        assert not answer.is_error and "27" in said, answer.content
        print(f"  [{mode}] ask: {said[:80]!r}")
        resources = (await mcp.list_resources()).resources
        read = (await mcp.read_resource(resources[0].uri)).contents[0]
        size = len(read.text) if isinstance(read, TextResourceContents) else 0
        print(f"  [{mode}] resources: {len(resources)}, read {resources[0].uri} ({size} characters)")


async def refused(url: str, key: str) -> str:
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {key}"})
    try:
        async with Client(streamable_http_client(url, http_client=http), mode="legacy") as mcp:
            await mcp.list_tools()
    except BaseException as exc:  # the client's task group may wrap the MCP error in a group
        while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
            exc = exc.exceptions[0]
        return exc.error.message if isinstance(exc, MCPError) else repr(exc)
    raise SystemExit(f"FAIL: {url} answered a key it should refuse")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.mcp_check", description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    base = parser.parse_args(argv).base_url.rstrip("/")
    try:
        owner = tenant(base)
        bot_id = ready_bot(base, owner)
        key = call(base, "POST", f"/v1/bot-profiles/{bot_id}/agent-keys", {"name": "mcp check"}, owner)["key"]
    except urllib.error.HTTPError as exc:
        print(f"FAIL: {exc.code} {exc.read()[:300]!r}")
        return 1
    url = f"{base}/v1/mcp/{bot_id}"
    print(f"MCP endpoint {url}")
    for mode in ("legacy", "auto"):
        asyncio.run(every_tool(url, key, mode))
    print(f"  another tenant's token: {asyncio.run(refused(url, tenant(base)))}")
    print(f"  a made-up agent key: {asyncio.run(refused(url, 'mrak_made-up'))}")
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
