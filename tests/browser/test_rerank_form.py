"""The dashboard's bot form sets and clears a rerank model; the rerank key goes out once and never comes back."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from tests.browser.steps import go, sign_in
from tests.support.api import signup

pytestmark = pytest.mark.browser


def test_a_rerank_model_is_set_with_its_key_and_cleared(page: Any, app_url: str, client: TestClient) -> None:
    tenant = signup(client)
    sign_in(page, app_url, tenant.owner_email)
    go(page, "Bot profiles")
    page.get_by_role("button", name="New bot").click()
    form = page.get_by_role("form", name="Bot profile")
    form.get_by_label("Name").fill("Reranked bot")
    form.get_by_label("Rerank model").fill("cohere/rerank-v3.5")
    form.get_by_label("Rerank API key").fill("co-rerank-secret")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Reranked bot", level=2)).to_be_visible()
    (bot,) = client.get("/v1/bot-profiles", headers=tenant.headers).json()
    assert bot["rerank_model"] == "cohere/rerank-v3.5" and bot["has_credentials"] is True
    assert "co-rerank-secret" not in page.content()

    page.get_by_role("button", name="Edit").click()
    expect(form.get_by_label("Rerank model")).to_have_value("cohere/rerank-v3.5")
    form.get_by_label("Rerank model").fill("")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_text('Bot "Reranked bot" saved')).to_be_visible()
    (bot,) = client.get("/v1/bot-profiles", headers=tenant.headers).json()
    assert bot["rerank_model"] is None and bot["has_credentials"] is True
