"""The embeddable widget on pages served from other local origins, each under a strict Content-Security-Policy:
streamed answers with citations, feedback, a conversation that survives reloads, origin checks, errors."""

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.support.api import TenantCtx, bearer, signup
from tests.support.knowledge import HANDBOOK, add_text, ingest, make_bot
from tests.support.sites import Site, serve_site
from tests.support.worker import IngestWorker

pytestmark = pytest.mark.browser

WIDGET = Path(__file__).parents[2] / "frontend" / "widget"
JS = "text/javascript; charset=utf-8"


def shop_page(app_url: str, **data: str) -> str:
    """A third-party page: the widget is its one script tag, loaded from the API's host as from a CDN."""
    policy = (
        f"default-src 'self'; script-src 'self' {app_url}; style-src 'self'; connect-src {app_url}; "
        "img-src 'self' data:"
    )
    attributes = " ".join(
        f'data-{name.replace("_", "-")}="{html.escape(value)}"' for name, value in data.items()
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}"><title>Shop</title></head>'
        f'<body><h1>Shop</h1><script src="{app_url}/widget/minirag-widget.js" {attributes}></script></body></html>'
    )


def widget_key(client: TestClient, tenant: TenantCtx, bot_id: str, origins: list[str]) -> str:
    response = client.post(
        f"/v1/bot-profiles/{bot_id}/widget-keys",
        json={"name": "Shop", "allowed_origins": origins},
        headers=tenant.headers,
    )
    if response.status_code == 405 or (
        response.status_code == 404 and response.json()["detail"] == "Not Found"
    ):
        pytest.skip("POST /v1/bot-profiles/{id}/widget-keys is not on this server yet (widget-key backend)")
    assert response.status_code == 201, response.text
    key: str = response.json()["key"]
    return key


def ready_bot(client: TestClient, worker: IngestWorker) -> tuple[TenantCtx, str]:
    tenant = signup(client)
    bot_id = make_bot(client, tenant, name="Shop help")
    assert (
        ingest(client, worker, tenant, add_text(client, tenant, bot_id, HANDBOOK, name="Handbook"))["status"]
        == "ready"
    )
    return tenant, bot_id


def test_widget_on_another_origin_answers_with_citations_and_keeps_the_conversation(
    new_page: Callable[..., Any], app_url: str, client: TestClient, worker: IngestWorker
) -> None:
    tenant, bot_id = ready_bot(client, worker)
    with serve_site() as shop:
        key = widget_key(client, tenant, bot_id, [shop.base])
        shop.add(
            "/help.html",
            shop_page(app_url, bot_id=bot_id, api_url=app_url, widget_key=key, title="Shop help"),
        )
        page = new_page()
        page.goto(f"{shop.base}/help.html")
        launcher = page.get_by_role("button", name="Open chat: Shop help")
        launcher.click()
        expect(page.get_by_role("button", name="Close chat: Shop help")).to_have_attribute(
            "aria-expanded", "true"
        )
        box = page.get_by_role("textbox", name="Message")
        expect(box).to_be_focused()
        box.fill("How many days of paid holiday do I get?")
        with page.expect_response(lambda r: r.url == f"{app_url}/v1/chat") as sent:
            box.press("Enter")
        assert sent.value.headers["content-type"].startswith("text/event-stream")
        answer = page.locator(".msg.assistant[data-message-id]")
        expect(answer.locator(".bubble")).to_contain_text("27 days")
        expect(answer.locator(".bubble .ref")).to_have_text(["[1]"])
        expect(answer.get_by_role("list", name="Sources")).to_contain_text("[1] Handbook")
        screenshot(page, "widget")

        thumbs_up = answer.get_by_role("button", name="Helpful", exact=True)
        thumbs_up.click()
        expect(thumbs_up).to_have_attribute("aria-pressed", "true")
        message_id = answer.get_attribute("data-message-id")
        chat = client.get("/v1/chat", params={"bot_profile_id": bot_id}, headers=tenant.headers).json()[0]
        stored = client.get(f"/v1/chat/{chat['id']}/messages", headers=tenant.headers).json()
        assert stored[-1]["id"] == message_id and stored[-1]["feedback"] == "positive"

        page.reload()
        page.get_by_role("button", name="Open chat: Shop help").click()
        expect(page.locator(".msg.user .bubble")).to_have_text(["How many days of paid holiday do I get?"])
        expect(page.locator(".msg.assistant[data-message-id] .bubble")).to_contain_text("27 days")
        expect(page.get_by_role("button", name="Helpful", exact=True)).to_have_attribute(
            "aria-pressed", "true"
        )
        page.keyboard.press("Escape")
        expect(page.get_by_role("dialog", name="Shop help")).to_be_hidden()
        expect(page.get_by_role("button", name="Open chat: Shop help")).to_be_focused()

        page.set_viewport_size({"width": 360, "height": 740})
        page.keyboard.press("Enter")  # the focused launcher opens the panel again
        dialog = page.get_by_role("dialog", name="Shop help")
        expect(dialog).to_be_visible()
        panel = dialog.bounding_box()
        assert panel is not None and panel["x"] >= 0 and panel["x"] + panel["width"] <= 360
        expect(page.get_by_role("button", name="Send")).to_be_in_viewport()
        screenshot(page, "widget-mobile")


def test_widget_key_is_refused_on_a_foreign_origin(
    new_page: Callable[..., Any], app_url: str, client: TestClient
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    with serve_site() as allowed, serve_site() as foreign:
        key = widget_key(client, tenant, bot_id, [allowed.base])
        foreign.add(
            "/copied.html", shop_page(app_url, bot_id=bot_id, api_url=app_url, widget_key=key, open="true")
        )
        page = new_page()
        page.goto(f"{foreign.base}/copied.html")
        box = page.get_by_role("textbox", name="Message")
        box.fill("hello")
        box.press("Enter")
        expect(page.get_by_role("alert")).to_have_text(
            re.compile("not allowed from this origin|Could not reach the assistant")
        )
        expect(page.locator(".msg.assistant[data-message-id]")).to_have_count(0)
    ask = {"bot_profile_id": bot_id, "message": "hello"}
    refused = client.post("/v1/chat", json=ask, headers={**bearer(key), "Origin": foreign.base})
    assert refused.status_code == 403
    assert (
        client.post("/v1/chat", json=ask, headers={**bearer(key), "Origin": allowed.base}).status_code == 200
    )


def _serve_demo(site: Site, query: str) -> str:
    """frontend/widget as it is on disk; the test site matches paths with their query string."""
    for name, kind in (("demo.css", "text/css"), ("demo.js", JS), ("minirag-widget.js", JS)):
        site.add(f"/{name}", (WIDGET / name).read_bytes(), kind)
    return site.add(f"/demo.html?{query}", (WIDGET / "demo.html").read_bytes())


def test_demo_page_shows_server_errors_instead_of_an_empty_answer(
    new_page: Callable[..., Any], app_url: str
) -> None:
    with serve_site() as site:
        demo = _serve_demo(site, urlencode({"api": app_url, "bot": "nobot", "key": "mrwk_not-a-real-key"}))
        page = new_page()
        page.goto(demo)
        box = page.get_by_role("textbox", name="Message")
        expect(box).to_be_visible()
        box.fill("Is anyone there?")
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_role("alert")).to_have_text("This chat is not available on this page.")
        expect(page.locator(".msg.assistant .bubble")).to_have_count(0)  # no empty answer (nor a greeting)
        expect(page.get_by_role("button", name="Send")).to_be_enabled()


def test_markdown_is_rendered_safely_and_theme_attributes_apply(
    new_page: Callable[..., Any], app_url: str
) -> None:
    greeting = (
        "**Welcome** to _our_ shop. Use `code` or [the docs](https://example.com/docs).\n"
        '<img src=x onerror="window.hacked=1"> [bad](javascript:window.hacked=2)\n'
        "- first\n- second"
    )
    with serve_site() as site:
        site.add(
            "/themed.html",
            shop_page(
                app_url,
                bot_id="b",
                api_url=app_url,
                widget_key="mrwk_x",
                open="",
                greeting=greeting,
                position="left",
                theme_accent="rgb(200, 0, 0)",
                theme='{"radius": "3px"}',
            ),
        )
        page = new_page()
        page.goto(f"{site.base}/themed.html")
        bubble = page.locator(".greeting .bubble")
        expect(bubble.locator("strong")).to_have_text("Welcome")
        expect(bubble.locator("em")).to_have_text("our")
        expect(bubble.locator("code")).to_have_text("code")
        link = bubble.get_by_role("link", name="the docs")
        expect(link).to_have_attribute("href", "https://example.com/docs")
        expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
        expect(bubble.locator("li")).to_have_text(["first", "second"])
        expect(bubble).to_contain_text('<img src=x onerror="window.hacked=1">')
        expect(bubble).to_contain_text("[bad](javascript:window.hacked=2)")
        assert page.locator("minirag-widget img").count() == 0 and bubble.get_by_role("link").count() == 1
        assert page.evaluate("window.hacked") is None
        launcher = page.locator("minirag-widget .launcher")
        expect(launcher).to_have_css("background-color", "rgb(200, 0, 0)")
        expect(page.get_by_role("dialog")).to_have_css("border-radius", "3px")
        box = launcher.bounding_box()
        assert box is not None and box["x"] < 100


def original_snippet_page(app_url: str, bot_id: str, token: str, *, element: bool) -> str:
    """A page with the original MiniRAG's embed snippet, as its dashboard wrote it: the script tag with data-*
    attributes, or the script and a <minirag-widget> element, loaded from /dashboard/widget/."""
    policy = f"default-src 'self'; script-src {app_url}; style-src 'self'; connect-src {app_url}"
    src = f"{app_url}/dashboard/widget/minirag-widget.js"
    if element:
        snippet = (
            f'<script src="{src}"></script><minirag-widget bot-id="{bot_id}" api-url="{app_url}" '
            f'api-token="{token}" title="Old snippet"></minirag-widget>'
        )
    else:
        snippet = (
            f'<script src="{src}" data-bot-id="{bot_id}" data-api-url="{app_url}" '
            f'data-api-token="{token}" data-title="Old snippet"></script>'
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}"><title>Old shop</title></head>'
        f"<body><h1>Old shop</h1>{snippet}</body></html>"
    )


@pytest.mark.parametrize("element", [False, True], ids=["script-tag", "element"])
def test_the_original_minirags_snippet_with_an_api_token_still_works_and_warns(
    new_page: Callable[..., Any], app_url: str, client: TestClient, worker: IngestWorker, element: bool
) -> None:
    tenant, bot_id = ready_bot(client, worker)
    with serve_site() as shop:
        shop.add("/old.html", original_snippet_page(app_url, bot_id, tenant.token, element=element))
        page = new_page()
        warnings: list[str] = []
        page.on("console", lambda m: m.type == "warning" and warnings.append(m.text))
        with page.expect_response(f"{app_url}/dashboard/widget/minirag-widget.js") as script:
            page.goto(f"{shop.base}/old.html")
        assert script.value.status == 200
        assert script.value.body() == (WIDGET / "minirag-widget.js").read_bytes(), (
            "our widget at the old path"
        )
        page.get_by_role("button", name="Open chat: Old snippet").click()
        box = page.get_by_role("textbox", name="Message")
        box.fill("How many days of paid holiday do I get?")
        with page.expect_request(lambda r: r.url == f"{app_url}/v1/chat" and r.method == "POST") as sent:
            box.press("Enter")
        assert sent.value.headers["authorization"] == f"Bearer {tenant.token}"
        expect(page.locator(".msg.assistant[data-message-id] .bubble")).to_contain_text("27 days")
    assert any("data-api-token" in w and "widget key" in w for w in warnings), warnings
