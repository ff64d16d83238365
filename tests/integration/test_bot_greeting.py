"""The widget's greeting is a bot setting: stored on the bot, read by the widget with its key, and only
by the widget of that bot."""

from fastapi.testclient import TestClient

from tests.support.api import TenantCtx, add_user, bearer, signup

SITE = "https://shop.example"


def _widget_key(client: TestClient, tenant: TenantCtx, bot_id: str) -> dict[str, str]:
    key = client.post(
        f"/v1/bot-profiles/{bot_id}/widget-keys",
        json={"name": "site", "allowed_origins": [SITE]},
        headers=tenant.headers,
    ).json()["key"]
    return {**bearer(key), "Origin": SITE}


def test_the_greeting_is_saved_changed_and_cleared_with_the_bot(client: TestClient) -> None:
    tenant = signup(client)
    body = {"name": "Shop", "greeting": "  Hi! Ask me about **orders**.  "}
    bot = client.post("/v1/bot-profiles", json=body, headers=tenant.headers).json()
    assert bot["greeting"] == "Hi! Ask me about **orders**."
    assert client.get(f"/v1/bot-profiles/{bot['id']}", headers=tenant.headers).json()["greeting"] == (
        "Hi! Ask me about **orders**."
    )
    url = f"/v1/bot-profiles/{bot['id']}"
    renamed = client.patch(url, json={"name": "Shop 2"}, headers=tenant.headers).json()
    assert renamed["greeting"] == "Hi! Ask me about **orders**."  # a PATCH without it keeps it
    assert client.patch(url, json={"greeting": "Hello"}, headers=tenant.headers).json()["greeting"] == "Hello"
    assert client.patch(url, json={"greeting": "   "}, headers=tenant.headers).json()["greeting"] is None
    assert client.patch(url, json={"greeting": None}, headers=tenant.headers).json()["greeting"] is None
    plain = client.post("/v1/bot-profiles", json={"name": "Plain"}, headers=tenant.headers).json()
    assert plain["greeting"] is None


def test_a_greeting_longer_than_1000_characters_is_a_field_error(client: TestClient) -> None:
    tenant = signup(client)
    response = client.post(
        "/v1/bot-profiles", json={"name": "Long", "greeting": "x" * 1001}, headers=tenant.headers
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "greeting"


def test_the_widget_reads_its_own_bot_greeting_and_nothing_else(client: TestClient) -> None:
    tenant = signup(client)
    bot = client.post(
        "/v1/bot-profiles", json={"name": "Shop", "greeting": "Hi there"}, headers=tenant.headers
    ).json()
    other = client.post(
        "/v1/bot-profiles", json={"name": "Internal", "greeting": "Staff only"}, headers=tenant.headers
    ).json()
    widget = _widget_key(client, tenant, bot["id"])

    answer = client.get(f"/v1/bot-profiles/{bot['id']}/widget-settings", headers=widget)
    assert answer.status_code == 200
    assert answer.json() == {"bot_profile_id": bot["id"], "greeting": "Hi there"}
    assert answer.headers["access-control-allow-origin"] == SITE
    preflight = client.options(
        f"/v1/bot-profiles/{bot['id']}/widget-settings",
        headers={"Origin": SITE, "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code in (200, 204)  # answered like the chat routes' preflight
    assert preflight.headers["access-control-allow-origin"] in (SITE, "*")

    foreign = client.get(f"/v1/bot-profiles/{other['id']}/widget-settings", headers=widget)
    assert foreign.status_code == 404 and "Staff only" not in foreign.text
    assert client.get(f"/v1/bot-profiles/{bot['id']}", headers=widget).status_code == 403
    elsewhere = client.get(
        f"/v1/bot-profiles/{bot['id']}/widget-settings", headers={**widget, "Origin": "https://evil.example"}
    )
    assert elsewhere.status_code == 403

    client.delete(f"/v1/bot-profiles/{bot['id']}", headers=tenant.headers)
    assert client.get(f"/v1/bot-profiles/{bot['id']}/widget-settings", headers=widget).status_code == 404


def test_tenants_read_their_own_bots_widget_settings_only(client: TestClient) -> None:
    tenant = signup(client)
    bot = client.post(
        "/v1/bot-profiles", json={"name": "Shop", "greeting": "Hi there"}, headers=tenant.headers
    ).json()
    _, member = add_user(client, tenant, "member")
    mine = client.get(f"/v1/bot-profiles/{bot['id']}/widget-settings", headers=bearer(member))
    assert mine.json()["greeting"] == "Hi there"

    attacker = signup(client)
    stolen = client.get(f"/v1/bot-profiles/{bot['id']}/widget-settings", headers=attacker.headers)
    assert stolen.status_code == 404 and "Hi there" not in stolen.text
    changed = client.patch(
        f"/v1/bot-profiles/{bot['id']}", json={"greeting": "Pwned"}, headers=attacker.headers
    )
    assert changed.status_code == 404
    assert (
        client.get(f"/v1/bot-profiles/{bot['id']}", headers=tenant.headers).json()["greeting"] == "Hi there"
    )
