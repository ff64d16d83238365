"""The dashboard follows a list's cursor, so a list longer than one page still shows in full or on request."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from minirag.bootstrap import Services
from minirag.domain.models import Principal
from minirag.domain.roles import Role
from tests.browser.steps import go, sign_in
from tests.support.api import signup

pytestmark = pytest.mark.browser


def test_bot_list_longer_than_a_page_shows_every_bot(
    page: Any, app_url: str, client: TestClient, services: Services
) -> None:
    tenant = signup(client)
    owner = Principal(tenant_id=tenant.id, role=Role.OWNER, kind="api_token")
    for n in range(201):  # through the service: the API would take a few seconds longer
        services.bots.create(owner, {"name": f"Bot {n:03}"}, None)
    sign_in(page, app_url, tenant.owner_email)
    cursors: list[str | None] = []
    page.on(
        "request",
        lambda r: "/v1/bot-profiles?" in r.url and cursors.append(r.url.partition("cursor=")[2] or None),
    )
    go(page, "Bot profiles")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(201)
    expect(page.get_by_role("button", name="Bot 200", exact=True)).to_be_visible()
    assert len(cursors) == 2 and cursors[0] is None and cursors[1], "two pages, the second by cursor"


def test_the_delivery_log_shows_older_deliveries_on_request(
    page: Any, app_url: str, client: TestClient, services: Services
) -> None:
    tenant = signup(client)
    owner = Principal(tenant_id=tenant.id, role=Role.OWNER, kind="api_token")
    hook = services.webhooks.create(
        owner, url="http://127.0.0.1:9/hook", events=["chat.message"], description=None, secret=None
    ).webhook
    for _ in range(52):  # through the service: a refused test ping is recorded at once
        services.webhooks.test(owner, hook.id)
    sign_in(page, app_url, tenant.owner_email)
    go(page, "Webhooks")
    page.get_by_role("button", name="Deliveries").click()
    rows = page.locator(".card tbody tr")
    expect(rows).to_have_count(50)
    older = page.get_by_role("button", name="Older deliveries")
    older.click()
    expect(rows).to_have_count(52)
    expect(older).to_be_hidden()
