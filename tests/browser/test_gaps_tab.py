"""The bot page's "Gaps" tab: the badly answered questions grouped, a curated answer written from a gap
that the next similar question gets, the share of not-found answers per day, and "add a source"."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.steps import go, sign_in
from tests.integration.test_gaps import CURATED, PARKING, PARKING_AGAIN, ask, handbook_bot
from tests.support.api import signup
from tests.support.knowledge import make_bot
from tests.support.worker import IngestWorker

pytestmark = pytest.mark.browser


def test_gaps_tab_turns_a_gap_into_a_curated_answer(
    page: Any, app_url: str, client: TestClient, worker: IngestWorker
) -> None:
    tenant = signup(client)
    bot_id = handbook_bot(client, worker, tenant, name="Handbook bot")
    for text in (PARKING, PARKING_AGAIN, "How many days of holiday do I get?"):
        ask(client, tenant, bot_id, text)

    sign_in(page, app_url, tenant.owner_email)
    go(page, "Bot profiles")
    page.get_by_role("button", name="Open").click()
    page.get_by_role("tab", name="Gaps").click()
    panel = page.get_by_test_id("gaps-panel")
    row = panel.get_by_role("table", name="Gaps").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(PARKING)
    expect(row.locator("td").nth(1)).to_have_text("2")
    expect(row).to_contain_text("Handbook")
    day = panel.get_by_role("table", name="Not-found answers per day").locator("tbody tr")
    expect(day).to_contain_text("67%")  # two of the three answers said they could not find it
    expect(row.get_by_role("link", name="Add a source")).to_have_attribute(
        "href", f"#/sources?bot={bot_id}&new=1"
    )

    row.get_by_role("button", name="Write an answer").click()
    form = panel.get_by_role("form", name="Curated answer")
    expect(form.get_by_label("Question")).to_have_value(PARKING)
    expect(form.get_by_label("Other wordings")).to_have_value(PARKING_AGAIN)
    form.get_by_label("Answer").fill(CURATED)
    form.get_by_role("button", name="Save curated answer").click()
    expect(page.get_by_text("Curated answer saved")).to_be_visible()
    curated = panel.get_by_role("table", name="Curated answers").locator("tbody tr")
    expect(curated).to_contain_text(CURATED)
    expect(row).to_contain_text("answered")
    screenshot(page, "gaps-tab")

    answer = ask(client, tenant, bot_id, "Is parking at the office free of charge?")
    assert answer["message"]["content"] == CURATED and answer["sources"][0]["curated"] is True

    row.get_by_role("link", name="Add a source").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sources")
    expect(page.get_by_role("form", name="Add a source")).to_be_visible()


def test_a_bots_curated_threshold_is_set_in_its_form(page: Any, app_url: str, client: TestClient) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant, name="Strict bot")
    sign_in(page, app_url, tenant.owner_email)
    go(page, "Bot profiles")
    page.get_by_role("button", name="Edit").click()
    form = page.get_by_role("form", name="Bot profile")
    threshold = form.get_by_label("Curated threshold")
    expect(threshold).to_have_attribute("placeholder", "server default")
    threshold.fill("0.95")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Strict bot", level=2)).to_be_visible()
    bot = client.get(f"/v1/bot-profiles/{bot_id}", headers=tenant.headers).json()
    assert bot["curated_threshold"] == 0.95
