"""What a new customer reads on the dashboard: health rows, citations, source states, form defaults and
errors that a person can act on."""

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.steps import go, sign_in
from tests.support.api import signup
from tests.support.knowledge import HANDBOOK, add_text, ingest, make_bot
from tests.support.sites import serve_site
from tests.support.worker import IngestWorker

pytestmark = pytest.mark.browser
ANSWER_WAIT_MS = 90_000  # the first answer of a run loads the offline models (or litellm) on a loaded box


def test_settings_shows_queues_models_version_and_api_docs(
    page: Any, app_url: str, client: TestClient
) -> None:
    tenant = signup(client)

    def models_loading(route: Any) -> None:
        report = route.fetch().json()
        report["components"]["models"] = "loading"
        report["queues"]["ingest_dlq"] = {"waiting": 2, "in_flight": 0}
        report["postgres"] = {"status": "ok", "detail": None, "component": "dynamodb"}  # the original's keys
        route.fulfill(json=report)

    page.route("**/v1/system/health/detailed", models_loading)
    sign_in(page, app_url, tenant.owner_email)
    go(page, "Settings")

    main = page.locator("main")
    queues = page.get_by_role("table", name="Queues")
    expect(queues.locator("tr[data-queue='ingest'] td").nth(0)).to_have_text("Ingest")
    expect(queues.locator("tr[data-queue='ingest'] td").nth(1)).to_have_text(re.compile(r"^\d[\d,]*$"))
    expect(queues.locator("tr[data-queue='ingest_dlq']")).to_contain_text("needs attention")
    expect(queues.locator("tr[data-queue='webhooks_dlq']")).to_contain_text("ok")
    expect(main.get_by_text("models", exact=True)).to_be_visible()
    expect(main.locator(".badge.loading")).to_have_text("loading")
    expect(main).to_contain_text("environment")
    expect(main).not_to_contain_text("[object Object]")
    expect(main).not_to_contain_text("postgres")
    expect(page.get_by_test_id("api-version")).to_have_text(
        client.get("/openapi.json").json()["info"]["version"]
    )
    docs = page.get_by_role("link", name="Interactive API docs (/docs)")
    assert docs.get_attribute("href") == f"{app_url}/docs"
    assert json.loads(page.request.get(f"{app_url}/openapi.json").text())["info"]["title"] == "MiniRAG"


def _ask(page: Any, question: str) -> Any:
    ask = page.get_by_role("textbox", name="Message")
    ask.fill(question)
    ask.press("Enter")
    return page.locator(".msg.assistant").last


def test_try_it_lists_the_cited_passages_first_and_the_rest_behind_a_toggle(
    page: Any, app_url: str, client: TestClient, worker: IngestWorker
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant, name="Handbook bot", top_k=5)
    ingest(client, worker, tenant, add_text(client, tenant, bot_id, HANDBOOK, name="Handbook"))
    for name, text in EXTRA_NOTES.items():
        ingest(client, worker, tenant, add_text(client, tenant, bot_id, text, name=name))
    sign_in(page, app_url, tenant.owner_email)
    go(page, "Bot profiles")
    page.get_by_role("button", name="Open").click()

    answer = _ask(page, "How many days of paid holiday do I get?")
    expect(answer.locator(".text")).to_contain_text("27 days", timeout=ANSWER_WAIT_MS)
    expect(answer.get_by_role("button", name="Helpful", exact=True)).to_be_visible(timeout=ANSWER_WAIT_MS)
    chat_id = client.get("/v1/chat", headers=tenant.headers).json()[0]["id"]
    stored = client.get(f"/v1/chat/{chat_id}/messages", headers=tenant.headers).json()[-1]
    cited = list(dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", stored["content"])))
    assert cited and len(stored["sources"]) > len(cited), stored

    listed = answer.get_by_role("list", name="Sources").locator("li")
    expect(listed).to_have_count(len(cited))
    expect(listed.first).to_contain_text("[1] Handbook")
    expect(listed.first).to_contain_text(re.compile(r"relevance \d"))
    markers = answer.locator(".text .cite").all_inner_texts()
    assert list(dict.fromkeys(markers)) == [f"[{i}]" for i in range(1, len(cited) + 1)]
    rest = len(stored["sources"]) - len(cited)
    toggle = answer.get_by_text(f"{rest} more retrieved passage{'s' if rest > 1 else ''}")
    others = answer.get_by_role("list", name="Other retrieved passages")
    expect(others).to_be_hidden()
    toggle.click()
    expect(others.locator("li")).to_have_count(rest)
    expect(others.locator("li").first).to_contain_text("relevance")
    screenshot(page, "try-it-citations")


def test_a_failed_turn_reads_as_an_error_without_feedback_or_an_empty_bubble(
    page: Any, app_url: str, client: TestClient
) -> None:
    tenant = signup(client)
    make_bot(client, tenant, name="Keyless", model="openai/gpt-4o-mini")
    sign_in(page, app_url, tenant.owner_email)
    go(page, "Bot profiles")
    page.get_by_role("button", name="Open").click()

    refused = _ask(page, "Hello?")  # a 422 before any streaming: the model has no key
    expect(refused.locator(".turn-error")).to_contain_text(
        "No answer. The model 'openai/gpt-4o-mini' needs an API key", timeout=ANSWER_WAIT_MS
    )
    expect(refused.locator(".text")).to_be_hidden()
    expect(refused.get_by_role("button", name="Helpful", exact=True)).to_have_count(0)

    passage = {
        "n": 1,
        "chunk_id": "c",
        "source_id": "s",
        "source_name": "Notes",
        "content": "x",
        "score": 0.5,
    }
    frames = (
        f"event: sources\ndata: {json.dumps({'sources': [passage]})}\n\n"
        'event: error\ndata: {"detail":"the model provider failed","message_id":"m1","chat_id":"c1"}\n\n'
    )
    page.route("**/v1/chat", lambda route: route.fulfill(body=frames, content_type="text/event-stream"))
    failed = _ask(page, "And now?")
    expect(failed.locator(".turn-error")).to_have_text("No answer. The model provider failed.")
    expect(failed.locator(".text")).to_be_hidden()
    expect(failed.locator("details")).to_be_hidden()
    expect(failed.get_by_role("button", name="Helpful", exact=True)).to_be_hidden()
    screenshot(page, "try-it-error")


EXTRA_NOTES = {
    "Office": "The office opens at 8 and closes at 18. Visitors sign in at the front desk.",
    "Parking": "Parking spaces are assigned by facilities. Bicycles go in the basement.",
    "Canteen": "The canteen serves lunch from 12 to 14. Vegetarian dishes are available daily.",
}


def test_sources_show_states_urls_and_chunks_without_widening_the_page(
    new_page: Callable[..., Any], app_url: str, client: TestClient, worker: IngestWorker
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant, name="Site bot")
    notes = add_text(client, tenant, bot_id, "Short note about parking.", name="Note")
    ingest(client, worker, tenant, notes)
    again = ingest(client, worker, tenant, notes)  # unchanged content: ready, nothing embedded this time
    assert again["status"] == "ready" and again["chunk_count"] == 1
    long_path = "/handbook/" + "-".join(["a-really-long-path-segment"] * 8)
    with serve_site() as site:
        site.add(long_path, "<html><body><h1>Holidays</h1><p>27 days a year.</p></body></html>")
        sitemap = site.add(
            "/sitemap.xml",
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{site.base}{long_path}</loc></url></urlset>",
            "application/xml",
        )
        for name, kind, url in (
            ("Gone", "url", site.base + "/missing"),
            ("Site map", "sitemap", sitemap),
        ):
            body = {"bot_profile_id": bot_id, "name": name, "source_type": kind, "config": {"url": url}}
            created = client.post("/v1/sources", json=body, headers=tenant.headers).json()
            ingest(client, worker, tenant, created["id"])
        worker.drain()

    page = new_page(width=1366, height=900)
    sign_in(page, app_url, tenant.owner_email)
    go(page, "Sources")
    note, gone, sitemap_row = (page.locator(f"tr[data-source='{n}']") for n in ("Note", "Gone", "Site map"))
    expect(note.locator(".badge.status")).to_have_text("ready")
    expect(note.locator("progress")).to_have_attribute("value", "100")
    expect(note).to_contain_text("1 chunk")
    expect(note).not_to_contain_text("1 chunks")
    expect(gone.locator(".badge.status")).to_have_text("error")
    expect(gone.locator("progress")).to_have_count(0)
    expect(gone.get_by_role("link", name=f"{site.base}/missing")).to_be_visible()
    expect(page.locator("progress:indeterminate")).to_have_count(0)
    expect(sitemap_row.get_by_role("link", name=sitemap)).to_be_visible()

    sitemap_row.get_by_role("button", name="Site map").click()
    expect(sitemap_row.locator("ul.children li")).to_contain_text(re.compile(r"\b1 chunk(?!s)"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "sources-states")


def test_the_bot_form_shows_defaults_and_says_when_the_model_has_no_key(
    page: Any, app_url: str, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    tenant = signup(client)
    defaults = client.get("/v1/system/health/detailed", headers=tenant.headers).json()["bot_defaults"]
    sign_in(page, app_url, tenant.owner_email)
    go(page, "Bot profiles")
    page.get_by_role("button", name="New bot").click()
    form = page.get_by_role("form", name="Bot profile")
    for label, field in (
        ("Temperature", "temperature"),
        ("Max tokens", "max_tokens"),
        ("Top k", "top_k"),
        ("Chunk size (tokens)", "chunk_size"),
        ("Chunk overlap", "chunk_overlap"),
        ("Chat model", "model"),
    ):
        expect(form.get_by_label(label)).to_have_attribute("placeholder", str(defaults[field]))
    expect(form.get_by_label("Score threshold")).to_have_attribute("placeholder", "none")

    form.get_by_label("Name").fill("Keyless")
    form.get_by_label("Chat model").fill("openai/gpt-4o-mini")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Keyless", level=2)).to_be_visible()
    note = page.get_by_role("status").filter(has_text="This bot cannot answer yet.")
    expect(note).to_contain_text("OPENAI_API_KEY", timeout=ANSWER_WAIT_MS)
    screenshot(page, "bot-no-key")

    page.get_by_role("button", name="Edit").click()
    form.get_by_label("API key", exact=True).fill("sk-test")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Keyless", level=2)).to_be_visible()
    expect(note).to_be_hidden()


def test_validation_errors_show_under_their_fields_in_plain_words(
    page: Any, app_url: str, client: TestClient
) -> None:
    tenant = signup(client)
    hook = {"url": "http://127.0.0.1:9/hooks/minirag", "events": ["chat.message"]}
    assert client.post("/v1/webhooks", json=hook, headers=tenant.headers).status_code == 201
    sign_in(page, app_url, tenant.owner_email)
    go(page, "Webhooks")
    page.get_by_role("button", name="Edit").click()
    form = page.get_by_role("form", name="Webhook")
    form.get_by_label("chat.message").uncheck()
    with page.expect_response(lambda r: "/v1/webhooks/" in r.url and r.request.method == "PATCH") as sent:
        form.get_by_role("button", name="Save").click()
    assert sent.value.status == 422  # the API's pydantic list: events must not be empty

    events = form.locator("fieldset[data-field='events']")
    expect(events).to_have_attribute("aria-invalid", "true")
    expect(form.locator(".field-error")).to_have_text("Choose at least 1.")
    expect(page.get_by_role("alert").first).to_have_text("Please correct the fields marked below.")
    expect(page.locator("main")).not_to_contain_text("after validation")
    screenshot(page, "webhook-validation")

    form.get_by_label("source.failed").check()
    form.get_by_role("button", name="Save").click()
    expect(form).to_be_hidden()
    expect(page.locator(".field-error")).to_have_count(0)
    assert client.get("/v1/webhooks", headers=tenant.headers).json()[0]["events"] == ["source.failed"]

    page.get_by_role("button", name="New webhook").click()  # none ticked on create: said before sending
    form.get_by_label("URL").fill("http://127.0.0.1:9/other")
    for event in ("source.ingested", "source.failed", "chat.message"):
        form.get_by_label(event).uncheck()
    form.get_by_role("button", name="Save").click()
    expect(form.locator(".field-error")).to_have_text("Choose at least 1.")
    assert len(client.get("/v1/webhooks", headers=tenant.headers).json()) == 1


PAGES = [
    "Overview",
    "Bot profiles",
    "Sources",
    "Chat history",
    "Usage",
    "Webhooks",
    "API tokens",
    "Users",
    "Settings",
]


WIDEST = """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 392)
  .slice(0, 4).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def go_by_menu(page: Any, label: str) -> None:
    """On a phone the navigation is behind its Menu button, and closes again once a page is chosen."""
    menu = page.get_by_role("button", name="Menu")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    go(page, label)
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("link", name=label, exact=True)).to_be_hidden()


def test_every_page_fits_a_phone_and_keeps_its_navigation(
    new_page: Callable[..., Any], app_url: str, client: TestClient, worker: IngestWorker
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant, name="Phone bot")
    ingest(client, worker, tenant, add_text(client, tenant, bot_id, HANDBOOK, name="Handbook"))
    page = new_page(width=390, height=844)
    sign_in(page, app_url, tenant.owner_email)
    overflowing = []
    for label in PAGES:
        go_by_menu(page, label)
        page.wait_for_timeout(300)  # charts and tables settle
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            wide = page.evaluate(WIDEST)
            overflowing.append(f"{label}: {width}px {wide}")
        screenshot(page, f"phone-{label.lower().replace(' ', '-')}")
    assert not overflowing, overflowing

    icon = page.request.get(f"{app_url}/favicon.ico")
    assert icon.status == 200 and icon.headers["content-type"] == "image/x-icon"
    assert page.request.get(f"{app_url}/dashboard/favicon.ico").status == 200
