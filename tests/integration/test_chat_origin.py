"""Chat history says where each chat was started: the dashboard (a signed-in user), the API (a token),
the widget (a widget key, whose id stays out of the list) or the OpenAI-compatible route."""

from fastapi.testclient import TestClient

from tests.support.api import bearer, login, signup
from tests.support.knowledge import make_bot


def test_each_chat_names_where_it_was_started(client: TestClient) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    site = "https://shop.example"
    key = client.post(
        f"/v1/bot-profiles/{bot_id}/widget-keys",
        json={"name": "site", "allowed_origins": [site]},
        headers=tenant.headers,
    ).json()["key"]
    ask = {"bot_profile_id": bot_id, "message": "hello"}
    started = {
        "api": client.post("/v1/chat", json=ask, headers=tenant.headers),
        "dashboard": client.post("/v1/chat", json=ask, headers=bearer(login(client, tenant.owner_email))),
        "widget": client.post("/v1/chat", json=ask, headers={**bearer(key), "Origin": site}),
    }
    ids = {origin: response.json()["chat_id"] for origin, response in started.items()}

    listed = {c["id"]: c for c in client.get("/v1/chat", headers=tenant.headers).json()}
    assert {origin: listed[chat_id]["origin"] for origin, chat_id in ids.items()} == {
        "api": "api",
        "dashboard": "dashboard",
        "widget": "widget",
    }
    assert "widget:" not in str(listed)  # the key id stays out
    one = client.get(f"/v1/chat/{ids['widget']}", headers=tenant.headers).json()
    assert one["origin"] == "widget"
