"""The first hour's loose ends: the widget greets with the bot's own greeting (set in the bot form), the
widget's demo page talks to the port it is served from, and the sources table works on a phone."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.steps import close_secret, go, sign_in
from tests.browser.test_widget import shop_page, widget_key
from tests.support.api import signup
from tests.support.knowledge import add_text, ingest, make_bot
from tests.support.sites import serve_site
from tests.support.worker import IngestWorker

pytestmark = pytest.mark.browser


def test_the_greeting_set_in_the_bot_form_is_what_the_widget_says_first(
    new_page: Callable[..., Any], app_url: str, client: TestClient
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant, name="Shop help")
    page = new_page()
    sign_in(page, app_url, tenant.owner_email)
    go(page, "Bot profiles")
    page.get_by_role("row").filter(has_text="Shop help").get_by_role("button", name="Edit").click()
    form = page.get_by_role("form", name="Bot profile")
    form.get_by_label("Widget greeting").fill("Hello! Ask me about **orders** and returns.")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Shop help", level=2)).to_be_visible()
    stored = client.get(f"/v1/bot-profiles/{bot_id}", headers=tenant.headers).json()
    assert stored["greeting"] == "Hello! Ask me about **orders** and returns."
    page.get_by_role("tab", name="Embed").click()
    expect(page.get_by_test_id("embed-snippet")).not_to_contain_text("data-greeting")

    with serve_site() as shop:
        key = widget_key(client, tenant, bot_id, [shop.base])
        shop.add(
            "/help.html", shop_page(app_url, bot_id=bot_id, api_url=app_url, widget_key=key, open="true")
        )
        shop.add(
            "/own.html",
            shop_page(app_url, bot_id=bot_id, api_url=app_url, widget_key=key, open="true", greeting="Hej!"),
        )
        visitor = new_page()
        visitor.goto(f"{shop.base}/help.html")
        greeting = visitor.locator(".greeting .bubble")
        expect(greeting).to_have_text("Hello! Ask me about orders and returns.")
        expect(greeting.locator("strong")).to_have_text("orders")
        screenshot(visitor, "widget-greeting")

        visitor.goto(f"{shop.base}/own.html")  # the page's own data-greeting wins
        expect(visitor.locator(".greeting .bubble")).to_have_text("Hej!")

    client.patch(f"/v1/bot-profiles/{bot_id}", json={"greeting": None}, headers=tenant.headers)
    with serve_site() as shop:
        key = widget_key(client, tenant, bot_id, [shop.base])
        shop.add(
            "/help.html", shop_page(app_url, bot_id=bot_id, api_url=app_url, widget_key=key, open="true")
        )
        with visitor.expect_response(lambda r: r.url.endswith("/widget-settings")) as asked:
            visitor.goto(f"{shop.base}/help.html")
        assert asked.value.json()["greeting"] is None
        expect(visitor.get_by_role("textbox", name="Message")).to_be_visible()
        expect(visitor.locator(".greeting")).to_have_count(0)


def test_the_demo_page_talks_to_the_port_it_is_served_from(
    new_page: Callable[..., Any], app_url: str
) -> None:
    assert not app_url.endswith(":8000")  # the test server's port is a free one, as PORT= would choose
    page = new_page()
    page.goto(f"{app_url}/widget/demo.html")
    expect(page.get_by_label("API URL")).to_have_value(app_url)
    page.get_by_label("Bot id").fill("b1")
    page.get_by_label("Widget key").fill("mrwk_demo")
    with page.expect_request(lambda r: r.url.startswith(f"{app_url}/v1/")):
        page.get_by_role("button", name="Load the widget").click()


def test_on_a_phone_each_source_is_a_card_with_its_fields_and_actions_in_view(
    new_page: Callable[..., Any], app_url: str, client: TestClient, worker: IngestWorker
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant, name="Phone bot")
    ingest(
        client, worker, tenant, add_text(client, tenant, bot_id, "Parking is in the basement.", name="Note")
    )
    long_url = "https://docs.example.invalid/" + "/".join(["a-really-long-path-segment"] * 6)
    body = {"bot_profile_id": bot_id, "name": "Docs site", "source_type": "url", "config": {"url": long_url}}
    ingest(client, worker, tenant, client.post("/v1/sources", json=body, headers=tenant.headers).json()["id"])

    page = new_page(width=390, height=844)
    sign_in(page, app_url, tenant.owner_email)
    page.get_by_role("button", name="Menu").click()
    go(page, "Sources")
    for name in ("Note", "Docs site"):
        row = page.locator(f"tr[data-source='{name}']")
        expect(row.get_by_role("button", name="Delete")).to_be_visible()
        for control in (
            row.get_by_role("button", name="Delete"),
            row.get_by_role("button", name=re.compile("^(Re-)?[Ii]ngest$")),
            row.get_by_role("combobox", name=f"Refresh schedule of {name}"),
            row.locator(".badge.status"),
        ):
            box = control.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, (name, box)
    note = page.locator("tr[data-source='Note']")
    expect(note.locator("td[data-label='Chunks']")).to_have_text("1 chunk")
    table = page.locator("table.sources")
    assert table.evaluate("t => t.scrollWidth <= t.clientWidth"), "the table scrolls sideways"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "phone-sources-cards")

    note.get_by_role("button", name="Delete").click()
    note.get_by_role("button", name="Confirm delete").click()
    expect(page.locator("tr[data-source='Note']")).to_have_count(0)


def test_chat_history_says_where_each_chat_came_from(page: Any, app_url: str, client: TestClient) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant, name="Origins")
    key = client.post(
        f"/v1/bot-profiles/{bot_id}/widget-keys",
        json={"name": "site", "allowed_origins": ["https://shop.example"]},
        headers=tenant.headers,
    ).json()["key"]
    ask = {"bot_profile_id": bot_id, "message": "From the shop"}
    client.post(
        "/v1/chat", json=ask, headers={"Authorization": f"Bearer {key}", "Origin": "https://shop.example"}
    )
    client.post("/v1/chat", json={**ask, "message": "From a script"}, headers=tenant.headers)
    sign_in(page, app_url, tenant.owner_email)
    go(page, "Chat history")
    shop = page.get_by_role("button", name=re.compile("From the shop"))
    expect(shop.locator(".badge.origin")).to_have_text("widget")
    expect(
        page.get_by_role("button", name=re.compile("From a script")).locator(".badge.origin")
    ).to_have_text("API")


def _rated_turn(client: TestClient, tenant: Any, bot_id: str, feedback: str) -> None:
    answer = client.post(
        "/v1/chat", json={"bot_profile_id": bot_id, "message": "hello"}, headers=tenant.headers
    ).json()
    client.patch(
        f"/v1/chat/{answer['chat_id']}/messages/{answer['message']['id']}/feedback",
        json={"feedback": feedback},
        headers=tenant.headers,
    )


def test_usage_shows_negative_feedback_per_bot_feedback_and_the_daily_average_cost(
    page: Any, app_url: str, client: TestClient
) -> None:
    tenant = signup(client)
    shop, staff = make_bot(client, tenant, name="Shop"), make_bot(client, tenant, name="Staff")
    for bot_id, feedback in ((shop, "positive"), (shop, "negative"), (shop, "negative"), (staff, "positive")):
        _rated_turn(client, tenant, bot_id, feedback)
    sign_in(page, app_url, tenant.owner_email)
    go(page, "Usage")
    expect(page.get_by_test_id("negative-feedback")).to_have_text("2")
    expect(page.get_by_test_id("daily-average")).to_have_text(re.compile(r"^\$\d"))
    by_bot = page.get_by_role("table", name="Feedback by bot")
    expect(by_bot.locator("tr[data-bot='Shop'] td")).to_have_text(["Shop", "3", "3", "1", "2", "100%"])
    expect(by_bot.locator("tr[data-bot='Staff'] td").nth(3)).to_have_text("1")
    trend = page.locator("canvas[aria-label='Feedback trend']")
    expect(trend).to_be_visible()
    assert trend.evaluate("c => window.Chart.getChart(c).config.type") == "bar"  # one day: two bars
    screenshot(page, "usage-feedback")


def test_embed_resets_its_form_shows_the_limits_defaults_and_three_snippets(
    page: Any, app_url: str, client: TestClient
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant, name="Embed bot")
    sign_in(page, app_url, tenant.owner_email)
    go(page, "Bot profiles")
    page.get_by_role("button", name="Open").click()
    page.get_by_role("tab", name="Embed").click()
    form = page.get_by_role("form", name="New widget key")
    expect(form.get_by_label("Requests per minute")).to_have_attribute("placeholder", "30")
    expect(form.get_by_label("Messages per day")).to_have_attribute("placeholder", "1000")
    form.get_by_label("Name").fill("Shop")
    form.get_by_label("Allowed origins").fill("https://shop.example")
    form.get_by_role("button", name="Create widget key").click()
    assert close_secret(page).startswith("mrwk_")
    expect(form.get_by_label("Allowed origins")).to_have_value("")
    expect(form.get_by_label("Name")).to_have_value("Website")
    keys = client.get(f"/v1/bot-profiles/{bot_id}/widget-keys", headers=tenant.headers).json()["items"]
    assert [(k["rate_limit_per_minute"], k["max_messages_per_day"]) for k in keys] == [(30, 1000)]

    snippet = page.get_by_test_id("embed-snippet")
    expect(snippet).to_contain_text(f'data-bot-id="{bot_id}"')
    page.get_by_role("tab", name="Custom element").click()
    expect(snippet).to_contain_text(f'<minirag-widget bot-id="{bot_id}"')
    expect(snippet).to_contain_text("widget-key=")
    page.get_by_role("tab", name="Styling").click()
    expect(snippet).to_contain_text("data-theme-accent=")


def test_the_overview_counts_sources_as_the_sources_page_lists_them(
    page: Any, app_url: str, client: TestClient, worker: IngestWorker
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant, name="Counted")
    ingest(
        client, worker, tenant, add_text(client, tenant, bot_id, "Parking is in the basement.", name="Note")
    )
    with serve_site() as site:
        for path in ("/a", "/b"):
            site.add(path, f"<html><body><h1>Page {path}</h1><p>Some words about {path}.</p></body></html>")
        urls = "".join(f"<url><loc>{site.base}{p}</loc></url>" for p in ("/a", "/b"))
        sitemap = site.add(
            "/sitemap.xml",
            f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
            "application/xml",
        )
        body = {
            "bot_profile_id": bot_id,
            "name": "Site",
            "source_type": "sitemap",
            "config": {"url": sitemap},
        }
        ingest(
            client, worker, tenant, client.post("/v1/sources", json=body, headers=tenant.headers).json()["id"]
        )
        worker.drain()
    assert client.get("/v1/stats/overview", headers=tenant.headers).json()["sources"] == 4  # pages included
    sign_in(page, app_url, tenant.owner_email)
    expect(page.get_by_test_id("count-sources")).to_have_text("2")
    expect(page.get_by_test_id("count-pages")).to_have_text("and 2 pages of sitemaps and batches")
    go(page, "Sources")
    expect(page.locator("table.sources tbody tr")).to_have_count(2)
