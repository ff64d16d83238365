"""The dashboard in a real browser: sign-in, bots, sources that become ready, streamed answers with citations,
chat history, tokens, users, role-aware controls, and every page under its strict CSP."""

import hashlib
import hmac
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from tests.browser.conftest import ingest_until, screenshot
from tests.browser.steps import close_secret, go, sign_in, webhook_receiver
from tests.support.api import PASSWORD, add_user, bearer, signup, unique
from tests.support.knowledge import HANDBOOK, add_text, ingest, make_bot
from tests.support.sites import serve_site
from tests.support.worker import IngestWorker

pytestmark = pytest.mark.browser


def test_sign_in_sign_out_and_sign_up(page: Any, app_url: str, client: TestClient) -> None:
    tenant = signup(client)
    page.goto(f"{app_url}/dashboard/")
    screenshot(page, "login")
    form = page.get_by_role("form", name="Sign in")
    form.get_by_label("Email").fill(tenant.owner_email)
    form.get_by_label("Password").fill("not the password")
    form.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong email, password or tenant.")

    sign_in(page, app_url, tenant.owner_email)
    nav = page.get_by_role("navigation", name="Dashboard")
    expect(nav).to_contain_text(f"Tenant {tenant.slug}")
    expect(nav).to_contain_text("owner")
    expect(page.get_by_test_id("count-bots")).to_have_text("0")
    expect(page.get_by_test_id("health-status")).to_have_text("ok")
    screenshot(page, "overview")

    page.reload()  # the session survives a reload of the tab
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    nav.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()

    page.get_by_role("tab", name="Sign up a tenant").click()
    slug = unique("ui")
    signup_form = page.get_by_role("form", name="Sign up a tenant")
    signup_form.get_by_label("Organisation name").fill("Acme Browser Test")
    signup_form.get_by_label("Tenant slug").fill(slug)
    signup_form.get_by_label("Email").fill(f"{slug}@example.com")
    signup_form.get_by_label("Password").fill(PASSWORD)
    signup_form.get_by_role("button", name="Create tenant").click()
    token = close_secret(page)
    assert token.startswith("mrag_")
    expect(nav).to_contain_text("Acme Browser Test")
    me = client.get("/v1/tenants/me", headers=bearer(token))
    assert me.status_code == 200 and me.json()["slug"] == slug


def test_create_a_bot_add_a_source_and_try_it(
    page: Any, app_url: str, client: TestClient, worker: IngestWorker
) -> None:
    tenant = signup(client)
    sign_in(page, app_url, tenant.owner_email)
    go(page, "Bot profiles")
    page.get_by_role("button", name="New bot").click()
    form = page.get_by_role("form", name="Bot profile")
    form.get_by_label("Name").fill("Handbook bot")
    form.get_by_label("Top k").fill("4")
    form.get_by_label("Retrieval").select_option("hybrid")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Handbook bot", level=2)).to_be_visible()
    bots = client.get("/v1/bot-profiles", headers=tenant.headers).json()
    assert [(b["name"], b["top_k"], b["retrieval_mode"]) for b in bots] == [("Handbook bot", 4, "hybrid")]
    screenshot(page, "bots")

    page.get_by_role("link", name="Sources").last.click()
    expect(page.get_by_role("heading", name="Sources", level=1)).to_be_visible()
    page.get_by_role("button", name="Add source").click()
    add = page.get_by_role("form", name="Add a source")
    add.get_by_label("Name").fill("Handbook")
    add.get_by_label("Text").fill(HANDBOOK)
    add.get_by_role("button", name="Add source").click()
    row = page.locator("tr[data-source='Handbook']")
    expect(row).to_be_visible()
    expect(row.locator(".badge.status")).to_have_text(re.compile("pending|processing|ready"))
    ingest_until(worker, lambda: row.locator(".badge.status").inner_text() == "ready")
    expect(row.locator("progress")).to_have_attribute("value", "100")
    sources = client.get("/v1/sources", headers=tenant.headers).json()
    assert sources[0]["status"] == "ready" and sources[0]["chunk_count"] > 0
    expect(row).to_contain_text(str(sources[0]["chunk_count"]))
    screenshot(page, "sources")

    go(page, "Bot profiles")
    page.get_by_role("button", name="Open").click()
    ask = page.get_by_role("textbox", name="Message")
    ask.fill("How many days of paid holiday do I get?")
    with page.expect_response(lambda r: r.url.endswith("/v1/chat") and r.request.method == "POST") as sent:
        ask.press("Enter")
    assert sent.value.headers["content-type"].startswith("text/event-stream")
    answer = page.locator(".msg.assistant").last
    expect(answer.locator(".text")).to_contain_text("27 days")
    expect(answer.locator(".text .cite").first).to_have_text("[1]")
    expect(answer.get_by_role("list", name="Sources")).to_contain_text("[1] Handbook")
    expect(answer.get_by_role("button", name="Helpful", exact=True)).to_be_visible()
    screenshot(page, "try-it")
    chats = client.get("/v1/chat", headers=tenant.headers).json()
    assert len(chats) == 1 and chats[0]["message_count"] == 2


def _chat(client: TestClient, tenant: Any, bot_id: str, question: str) -> dict[str, Any]:
    body = {"bot_profile_id": bot_id, "message": question}
    response = client.post("/v1/chat", json=body, headers=tenant.headers)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _route_missing(response: Any) -> bool:
    return response.status_code == 405 or (
        response.status_code == 404 and response.json().get("detail") == "Not Found"
    )


def test_chat_history_shows_messages_with_citations_and_exports(
    page: Any, app_url: str, client: TestClient, worker: IngestWorker
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant, name="Policies")
    ingest(client, worker, tenant, add_text(client, tenant, bot_id, HANDBOOK, name="Handbook"))
    answer = _chat(client, tenant, bot_id, "Where do I report lost devices?")
    sign_in(page, app_url, tenant.owner_email)
    go(page, "Chat history")
    page.get_by_role("button", name=re.compile("Where do I report lost devices")).click()
    thread = page.locator(".thread")
    expect(thread.locator(".msg.user .text")).to_have_text("Where do I report lost devices?")
    expect(thread.locator(".msg.assistant .text")).to_contain_text("security@example.com")
    expect(thread.get_by_role("list", name="Sources")).to_contain_text("Handbook")
    screenshot(page, "chat-history")

    exported = client.get(
        f"/v1/chat/{answer['chat_id']}/export", params={"format": "json"}, headers=tenant.headers
    )
    if _route_missing(exported):
        thread.get_by_role("button", name="JSON").click()
        expect(page.get_by_text("Export is not available on this server yet.")).to_be_visible()
        return
    with page.expect_download() as download:
        thread.get_by_role("button", name="JSON").click()
    body = json.loads(download.value.path().read_text())
    assert answer["chat_id"] in json.dumps(body)


def test_a_feedback_click_is_stored(page: Any, app_url: str, client: TestClient) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    answer = _chat(client, tenant, bot_id, "Is anyone there?")
    chat_id, message_id = answer["chat_id"], answer["message"]["id"]
    probe = client.patch(
        f"/v1/chat/{chat_id}/messages/{message_id}/feedback", json={"feedback": None}, headers=tenant.headers
    )
    if _route_missing(probe):
        pytest.skip("PATCH /v1/chat/{id}/messages/{message_id}/feedback is not on this server yet")
    sign_in(page, app_url, tenant.owner_email)
    go(page, "Chat history")
    page.get_by_role("button", name=re.compile("Is anyone there")).click()
    thumbs_up = page.locator(".thread .msg.assistant").get_by_role("button", name="Helpful", exact=True)
    thumbs_up.click()
    expect(thumbs_up).to_have_attribute("aria-pressed", "true")
    stored = client.get(f"/v1/chat/{chat_id}/messages", headers=tenant.headers).json()
    assert stored[-1]["id"] == message_id and stored[-1]["feedback"] == "positive"


def test_file_upload_shows_progress_and_becomes_ready(
    page: Any, app_url: str, client: TestClient, worker: IngestWorker
) -> None:
    tenant = signup(client)
    make_bot(client, tenant, name="Uploads")
    sign_in(page, app_url, tenant.owner_email)
    go(page, "Sources")
    page.get_by_role("button", name="Add source").click()
    add = page.get_by_role("form", name="Add a source")
    add.get_by_role("tab", name="File upload").click()
    text = "# Parking\n\nVisitors park in bay 7. Staff park in the basement.\n" * 40
    add.get_by_label("File").set_input_files(
        {"name": "parking.md", "mimeType": "text/markdown", "buffer": text.encode()}
    )
    expect(add.get_by_label("Name")).to_have_value("parking.md")
    add.get_by_role("button", name="Add source").click()
    expect(page.get_by_text('Source "parking.md" added')).to_be_visible()
    row = page.locator("tr[data-source='parking.md']")
    ingest_until(worker, lambda: row.locator(".badge.status").inner_text() == "ready")
    source = client.get("/v1/sources", headers=tenant.headers).json()[0]
    assert source["source_type"] == "upload" and source["status"] == "ready"


def test_api_tokens_are_shown_once_and_revoked(page: Any, app_url: str, client: TestClient) -> None:
    tenant = signup(client)
    sign_in(page, app_url, tenant.owner_email)
    go(page, "API tokens")
    form = page.get_by_role("form", name="New API token")
    form.get_by_label("Name").fill("ci deploys")
    form.get_by_label("Role").select_option("member")
    form.get_by_role("button", name="Create token").click()
    raw = close_secret(page)
    assert client.get("/v1/auth/me", headers=bearer(raw)).json()["role"] == "member"
    row = page.locator("tr[data-token='ci deploys']")
    expect(row).to_contain_text(raw[:8])
    assert raw not in page.content()
    screenshot(page, "api-tokens")
    row.get_by_role("button", name="Revoke").click()
    row.get_by_role("button", name="Confirm revoke").click()
    expect(page.get_by_text('Token "ci deploys" revoked')).to_be_visible()
    assert client.get("/v1/auth/me", headers=bearer(raw)).status_code == 401


def test_users_page_adds_and_deactivates_a_user(page: Any, app_url: str, client: TestClient) -> None:
    tenant = signup(client)
    sign_in(page, app_url, tenant.owner_email)
    go(page, "Users")
    email = f"{unique('new')}@example.com"
    form = page.get_by_role("form", name="New user")
    form.get_by_label("Email").fill(email)
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_label("Role").select_option("admin")
    form.get_by_role("button", name="Add user").click()
    row = page.locator(f"tr[data-user='{email}']")
    expect(row.get_by_role("combobox")).to_have_value("admin")
    screenshot(page, "users")
    row.get_by_role("button", name="Deactivate").click()
    row.get_by_role("button", name="Confirm deactivate").click()
    expect(row).to_contain_text("inactive")
    users = {u["email"]: u for u in client.get("/v1/users", headers=tenant.headers).json()}
    assert users[email]["role"] == "admin" and users[email]["is_active"] is False


def test_every_page_renders_and_says_what_this_server_lacks(
    page: Any, app_url: str, client: TestClient
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant, name="Support")
    lacks = {
        path: _route_missing(client.get(path, headers=tenant.headers))
        for path in (
            "/v1/stats/usage",
            "/v1/webhooks",
            f"/v1/bot-profiles/{bot_id}/widget-keys",
            f"/v1/bot-profiles/{bot_id}/evaluations",
        )
    }
    sign_in(page, app_url, tenant.owner_email)
    for label, path, note in (
        ("Webhooks", "/v1/webhooks", "Webhooks are not available on this server yet"),
        ("Usage", "/v1/stats/usage", "Usage analytics are not available on this server yet"),
    ):
        go(page, label)
        if lacks[path]:
            expect(page.get_by_text(note)).to_be_visible()
        else:
            expect(page.get_by_text(note)).to_be_hidden()
    screenshot(page, "usage")
    go(page, "Settings")
    expect(page.get_by_test_id("tenant-name")).to_have_text(f"Tenant {tenant.slug}")
    expect(page.locator("main")).to_contain_text("environment")
    screenshot(page, "settings")

    go(page, "Bot profiles")
    page.get_by_role("button", name="Open").click()
    page.get_by_role("tab", name="Embed").click()
    snippet = page.get_by_test_id("embed-snippet")
    expect(snippet).to_contain_text(f'data-bot-id="{bot_id}"')
    expect(snippet).to_contain_text(f'src="{app_url}/widget/minirag-widget.js"')
    keys_note = page.get_by_text("Widget keys are not available on this server yet.")
    if lacks[f"/v1/bot-profiles/{bot_id}/widget-keys"]:
        expect(keys_note).to_be_visible()
    else:
        expect(keys_note).to_be_hidden()
    page.get_by_role("tab", name="Evaluations").click()
    runs_note = page.get_by_text("Evaluations are not available on this server yet.")
    if lacks[f"/v1/bot-profiles/{bot_id}/evaluations"]:
        expect(runs_note).to_be_visible()
    else:
        expect(runs_note).to_be_hidden()


def test_a_member_sees_no_controls_it_cannot_use(page: Any, app_url: str, client: TestClient) -> None:
    tenant = signup(client)
    make_bot(client, tenant, name="Shared bot")
    email = f"{unique('member')}@example.com"
    client.post(
        "/v1/users", json={"email": email, "password": PASSWORD, "role": "member"}, headers=tenant.headers
    )
    sign_in(page, app_url, email)
    nav = page.get_by_role("navigation", name="Dashboard")
    for hidden in ("API tokens", "Users", "Webhooks"):
        expect(nav.get_by_role("link", name=hidden)).to_be_hidden()
    expect(nav).to_contain_text("member")
    expect(page.get_by_role("link", name="New bot profile")).to_be_hidden()
    go(page, "Bot profiles")
    expect(page.get_by_role("button", name="New bot")).to_be_hidden()
    expect(page.get_by_role("button", name="Edit")).to_have_count(0)
    page.get_by_role("button", name="Open").click()
    expect(page.get_by_role("tab", name="Try it")).to_be_visible()
    expect(page.get_by_role("tab", name="Embed")).to_be_hidden()
    go(page, "Sources")
    expect(page.get_by_role("button", name="Add source")).to_be_hidden()
    page.goto(f"{app_url}/dashboard/#/tokens")
    expect(page.get_by_text("This page needs the admin role.")).to_be_visible()
    expect(page.get_by_role("form", name="New API token")).to_have_count(0)
    _, admin_jwt = add_user(client, tenant, "admin")
    assert client.get("/v1/api-tokens", headers=bearer(admin_jwt)).status_code == 200


def test_webhooks_are_created_pinged_and_their_deliveries_listed(
    page: Any, app_url: str, client: TestClient
) -> None:
    tenant = signup(client)
    sign_in(page, app_url, tenant.owner_email)
    go(page, "Webhooks")
    with webhook_receiver() as (url, received):
        page.get_by_role("button", name="New webhook").click()
        form = page.get_by_role("form", name="Webhook")
        form.get_by_label("URL").fill(url)
        form.get_by_label("chat.message").uncheck()
        form.get_by_label("Description").fill("CRM sync")
        form.get_by_role("button", name="Save").click()
        secret = close_secret(page)
        card = page.locator(".card", has_text=url)
        expect(card).to_contain_text("source.ingested, source.failed · CRM sync")
        card.get_by_role("button", name="Send test").click()
        expect(card).to_contain_text("Test ping: delivered (HTTP 200)")
        assert len(received) == 1
    headers, body = received[0]
    assert headers["x-minirag-event"] == "test.ping"
    signed = f"{headers['x-minirag-timestamp']}.".encode() + body
    assert hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest() == headers["x-minirag-signature-v2"]
    assert hmac.new(secret.encode(), body, hashlib.sha256).hexdigest() == headers["x-minirag-signature"]
    card.get_by_role("button", name="Deliveries").click()
    delivery = card.locator("tbody tr").first
    expect(delivery).to_contain_text("test.ping")
    expect(delivery).to_contain_text("delivered")
    screenshot(page, "webhooks")
    delivery.get_by_role("button", name="Redeliver").click()
    expect(page.get_by_text("Redelivery queued")).to_be_visible()
    hooks = client.get("/v1/webhooks", headers=tenant.headers).json()
    assert [(h["url"], h["description"]) for h in hooks] == [(url, "CRM sync")]


def test_embed_tab_makes_a_widget_key_and_a_snippet_that_works(
    page: Any, new_page: Any, app_url: str, client: TestClient
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant, name="Store assistant")
    if _route_missing(client.get(f"/v1/bot-profiles/{bot_id}/widget-keys", headers=tenant.headers)):
        pytest.skip("/v1/bot-profiles/{id}/widget-keys is not on this server yet (widget-key backend)")
    sign_in(page, app_url, tenant.owner_email)
    go(page, "Bot profiles")
    page.get_by_role("button", name="Open").click()
    page.get_by_role("tab", name="Embed").click()
    with serve_site() as shop:
        form = page.get_by_role("form", name="New widget key")
        form.get_by_label("Allowed origins").fill(shop.base)
        form.get_by_label("Requests per minute").fill("20")
        form.get_by_role("button", name="Create widget key").click()
        key = close_secret(page)
        assert key.startswith("mrwk_")
        row = page.locator("tr", has_text=shop.base)
        expect(row).to_contain_text("20")
        snippet = page.get_by_test_id("embed-snippet")
        expect(snippet).to_contain_text(f'data-widget-key="{key}"')
        screenshot(page, "embed")

        policy = f"script-src {app_url}; style-src 'self'; connect-src {app_url}"
        shop.add(
            "/index.html",
            f'<!doctype html><meta http-equiv="Content-Security-Policy" content="{policy}">'
            f"<h1>Store</h1>{snippet.inner_text()}",
        )
        store = new_page()
        store.goto(f"{shop.base}/index.html")
        expect(store.get_by_role("button", name="Open chat: Store assistant")).to_be_visible()
        ask = {"bot_profile_id": bot_id, "message": "hi"}
        assert (
            client.post("/v1/chat", json=ask, headers={**bearer(key), "Origin": shop.base}).status_code == 200
        )

    row.get_by_role("button", name="Revoke").click()
    row.get_by_role("button", name="Confirm revoke").click()
    expect(page.get_by_text('Widget key "Website" revoked')).to_be_visible()
    assert client.post("/v1/chat", json=ask, headers={**bearer(key), "Origin": shop.base}).status_code == 401


def test_usage_page_draws_its_charts(page: Any, app_url: str, client: TestClient) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant, name="Support")
    _chat(client, tenant, bot_id, "hello")
    sign_in(page, app_url, tenant.owner_email)
    go(page, "Usage")
    expect(page.get_by_text("Usage analytics are not available")).to_be_hidden()
    expect(page.locator(".stat", has_text="Messages")).to_contain_text("2")
    labels = "c => window.Chart && Chart.getChart(c) && Chart.getChart(c).data.labels"
    daily = page.get_by_role("img", name="Tokens per day by model").element_handle()
    assert len(page.wait_for_function(labels, arg=daily).json_value()) == 1
    per_bot = page.get_by_role("img", name="Tokens per bot").element_handle()
    assert page.wait_for_function(labels, arg=per_bot).json_value() == [
        "Support (minirag/offline-extractive)"
    ]
    screenshot(page, "usage")


def test_an_evaluation_run_is_started_and_its_metrics_appear(
    page: Any, app_url: str, client: TestClient, worker: IngestWorker
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant, name="Graded bot")
    ingest(client, worker, tenant, add_text(client, tenant, bot_id, HANDBOOK, name="Handbook"))
    if _route_missing(client.get(f"/v1/bot-profiles/{bot_id}/evaluations", headers=tenant.headers)):
        pytest.skip("/v1/bot-profiles/{id}/evaluations is not on this server yet")
    sign_in(page, app_url, tenant.owner_email)
    page.goto(f"{app_url}/dashboard/#/bots?id={bot_id}")
    page.get_by_role("tab", name="Evaluations").click()
    form = page.get_by_role("form", name="New evaluation")
    form.get_by_label("Questions").fill("How many days of paid holiday do I get?")
    form.get_by_label("Expected source").select_option(label="Handbook")
    form.get_by_role("button", name="Run evaluation").click()
    row = page.locator("tr[data-run]")
    expect(row).to_have_count(1)
    ingest_until(worker, lambda: row.locator(".badge").inner_text() == "done")
    expect(row).to_contain_text("recall")
    runs = client.get(f"/v1/bot-profiles/{bot_id}/evaluations", headers=tenant.headers).json()["items"]
    assert runs[0]["status"] == "done" and runs[0]["case_count"] == 1
