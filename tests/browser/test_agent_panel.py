"""The bot page's "Connect an agent" tab: an agent key made in the browser, the MCP endpoint and the client
configuration that carries both, and a revoke that takes effect."""

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.steps import close_secret, go, sign_in
from tests.support.api import bearer, signup
from tests.support.knowledge import make_bot

pytestmark = pytest.mark.browser

LIST_TOOLS = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
MCP_ACCEPT = {"Accept": "application/json, text/event-stream"}


def test_connect_an_agent_makes_a_key_and_a_configuration_that_works(
    page: Any, app_url: str, client: TestClient
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant, name="Handbook bot")
    sign_in(page, app_url, tenant.owner_email)
    go(page, "Bot profiles")
    page.get_by_role("button", name="Open").click()
    page.get_by_role("tab", name="Connect an agent").click()
    endpoint = f"{app_url}/v1/mcp/{bot_id}"
    expect(page.get_by_test_id("mcp-endpoint")).to_have_value(endpoint)

    form = page.get_by_role("form", name="New agent key")
    form.get_by_label("Requests per day").fill("300")
    form.get_by_role("button", name="Create agent key").click()
    key = close_secret(page)
    assert key.startswith("mrak_")
    row = page.locator("tr", has_text="Claude Desktop")
    expect(row).to_contain_text("300")

    snippet = page.get_by_test_id("agent-snippet")
    desktop = json.loads(snippet.inner_text())["mcpServers"]["handbook-bot"]
    assert desktop["args"][2] == endpoint and desktop["env"]["AUTH_HEADER"] == f"Bearer {key}"
    page.get_by_label("Client").select_option("url")
    entry = json.loads(snippet.inner_text())["mcpServers"]["handbook-bot"]
    assert entry == {"url": endpoint, "headers": {"Authorization": f"Bearer {key}"}}
    page.get_by_label("Client").select_option("claude-code")
    expect(snippet).to_contain_text(f"claude mcp add --transport http handbook-bot {endpoint}")
    screenshot(page, "connect-an-agent")

    path = endpoint.removeprefix(app_url)
    listed = client.post(path, json=LIST_TOOLS, headers={**bearer(key), **MCP_ACCEPT})
    assert listed.status_code == 200 and len(listed.json()["result"]["tools"]) == 3

    row.get_by_role("button", name="Revoke").click()
    row.get_by_role("button", name="Confirm revoke").click()
    expect(page.get_by_text('Agent key "Claude Desktop" revoked')).to_be_visible()
    assert client.post(path, json=LIST_TOOLS, headers={**bearer(key), **MCP_ACCEPT}).status_code == 401
