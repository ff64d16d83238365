"""The widget's failures as a visitor meets them: plain words (the developer's reason goes to the console),
and a failed turn that does not come back on the next page."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from tests.browser.test_widget import ready_bot, shop_page, widget_key
from tests.support.sites import serve_site
from tests.support.worker import IngestWorker

pytestmark = pytest.mark.browser
CORS = {"Access-Control-Allow-Origin": "*"}


def test_a_failed_answer_reads_plainly_and_is_not_kept_for_the_next_page(
    new_page: Callable[..., Any], app_url: str, client: TestClient, worker: IngestWorker
) -> None:
    tenant, bot_id = ready_bot(client, worker)
    with serve_site() as shop:
        key = widget_key(client, tenant, bot_id, [shop.base])
        page_html = shop_page(app_url, bot_id=bot_id, api_url=app_url, widget_key=key, title="Shop help")
        shop.add("/a.html", page_html)
        shop.add("/b.html", page_html)
        page = new_page()
        warnings: list[str] = []
        page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
        frames = 'event: error\ndata: {"detail":"the model provider failed","message_id":null}\n\n'
        page.route(
            f"{app_url}/v1/chat",
            lambda route: route.fulfill(body=frames, content_type="text/event-stream", headers=CORS),
        )
        page.goto(f"{shop.base}/a.html")
        page.get_by_role("button", name="Open chat: Shop help").click()
        box = page.get_by_role("textbox", name="Message")
        box.fill("Hello?")
        box.press("Enter")
        alert = page.get_by_role("alert")
        expect(alert).to_have_text("The assistant could not answer right now. Please try again in a moment.")
        assert any("the model provider failed" in w for w in warnings), warnings

        page.unroute(f"{app_url}/v1/chat")
        page.goto(f"{shop.base}/b.html")
        page.get_by_role("button", name="Open chat: Shop help").click()
        expect(page.locator(".msg.user .bubble")).to_have_text(["Hello?"])
        expect(page.get_by_role("alert")).to_have_count(0)


def test_citations_are_numbered_from_one_in_the_order_the_answer_cites_them(
    new_page: Callable[..., Any], app_url: str, client: TestClient, worker: IngestWorker
) -> None:
    tenant, bot_id = ready_bot(client, worker)
    passages = [
        {"n": n, "chunk_id": f"c{n}", "source_id": "s", "source_name": name, "content": name, "score": 0.5}
        for n, name in ((1, "Alpha"), (2, "Beta"), (3, "Gamma"))
    ]
    answer = "Holidays are in Gamma [3], expenses in Beta [2], and Gamma again [3]."
    frames = (
        f"event: sources\ndata: {json.dumps({'sources': passages})}\n\n"
        f"event: delta\ndata: {json.dumps({'content': answer})}\n\n"
        'event: done\ndata: {"chat_id":"c1","message_id":"m1","usage":{}}\n\n'
    )
    with serve_site() as shop:
        key = widget_key(client, tenant, bot_id, [shop.base])
        shop.add(
            "/a.html", shop_page(app_url, bot_id=bot_id, api_url=app_url, widget_key=key, title="Shop help")
        )
        page = new_page()
        page.route(
            f"{app_url}/v1/chat",
            lambda route: route.fulfill(body=frames, content_type="text/event-stream", headers=CORS),
        )
        page.goto(f"{shop.base}/a.html")
        page.get_by_role("button", name="Open chat: Shop help").click()
        box = page.get_by_role("textbox", name="Message")
        box.fill("Where is what?")
        box.press("Enter")
        reply = page.locator(".msg.assistant[data-message-id='m1']")
        expect(reply.locator(".bubble .ref")).to_have_text(["[1]", "[2]", "[1]"])
        expect(reply.get_by_role("list", name="Sources").locator("summary")).to_have_text(
            ["[1] Gamma", "[2] Beta"]
        )
