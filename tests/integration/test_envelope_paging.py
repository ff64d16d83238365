"""Lists in the `{items, next_cursor}` shape: a webhook's deliveries, widget keys, evaluation runs (and the
webhooks list, a bare array since the original MiniRAG answered one)."""

from fastapi.testclient import TestClient

from tests.support.api import TenantCtx, signup
from tests.support.knowledge import make_bot
from tests.support.paging import ids, walk
from tests.support.receiver import receiver


def add_hook(client: TestClient, tenant: TenantCtx, url: str = "http://127.0.0.1:9/hook") -> str:
    body = {"url": url, "events": ["chat.message"]}
    response = client.post("/v1/webhooks", json=body, headers=tenant.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def ping(client: TestClient, tenant: TenantCtx, hook_id: str, times: int) -> list[str]:
    """Test pings are delivered in the request, so each one adds a delivery at once."""
    made = []
    for _ in range(times):
        response = client.post(f"/v1/webhooks/{hook_id}/test", headers=tenant.headers)
        assert response.status_code == 200, response.text
        made.append(response.json()["delivery_id"])
    return made


def add_run(client: TestClient, tenant: TenantCtx, bot_id: str) -> str:
    body = {"cases": [{"question": "q", "expected_answer": "a"}]}
    response = client.post(f"/v1/bot-profiles/{bot_id}/evaluations", json=body, headers=tenant.headers)
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def add_key(client: TestClient, tenant: TenantCtx, bot_id: str) -> str:
    body = {"name": "Shop", "allowed_origins": ["https://shop.example.com"]}
    response = client.post(f"/v1/bot-profiles/{bot_id}/widget-keys", json=body, headers=tenant.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def first_cursor(client: TestClient, tenant: TenantCtx, path: str) -> str:
    response = client.get(path, params={"limit": 1}, headers=tenant.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    cursor: str = response.headers["x-next-cursor"] if isinstance(body, list) else body["next_cursor"]
    assert cursor
    return cursor


def test_webhooks_come_in_pages_newest_first_as_a_bare_array(client: TestClient) -> None:
    tenant = signup(client)
    made = [add_hook(client, tenant, f"http://127.0.0.1:9/hook{n}") for n in range(5)]
    newest = made[::-1]
    pages = walk(client, tenant, "/v1/webhooks", limit=2)
    assert [len(p) for p in pages] == [2, 2, 1]
    assert ids(pages) == newest, "no repeats, no gaps, newest first as the original"
    whole = client.get("/v1/webhooks", headers=tenant.headers)
    assert [h["id"] for h in whole.json()] == newest and "x-next-cursor" not in whole.headers
    assert "secret" not in whole.json()[0] and whole.json()[0]["has_secret"] is True
    skipped = client.get("/v1/webhooks", params={"offset": 3}, headers=tenant.headers).json()
    assert [h["id"] for h in skipped] == newest[3:], "the original's offset"


def test_deliveries_come_in_pages_newest_first(client: TestClient) -> None:
    tenant = signup(client)
    with receiver() as site:
        hook_id = add_hook(client, tenant, site.url)
        made = ping(client, tenant, hook_id, 7)
    pages = walk(client, tenant, f"/v1/webhooks/{hook_id}/deliveries", limit=3, envelope=True)
    assert [len(p) for p in pages] == [3, 3, 1]
    listed = ids(pages)
    assert sorted(listed) == sorted(made) and len(set(listed)) == 7, "no repeats, no gaps"
    assert listed == sorted(listed, reverse=True), "newest first (ids are time-ordered)"
    assert {d["status"] for p in pages for d in p} == {"delivered"}
    exact = walk(client, tenant, f"/v1/webhooks/{hook_id}/deliveries", limit=7, envelope=True)
    assert ids(exact) == listed and len(exact) == 1, "a page that ends the list has no cursor"


def test_evaluation_runs_and_widget_keys_page(client: TestClient) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    runs = [add_run(client, tenant, bot_id) for _ in range(5)]
    pages = walk(client, tenant, f"/v1/bot-profiles/{bot_id}/evaluations", limit=2, envelope=True)
    assert [len(p) for p in pages] == [2, 2, 1]
    assert ids(pages) == sorted(runs, reverse=True), "newest first, no repeats"
    keys = [add_key(client, tenant, bot_id) for _ in range(3)]
    pages = walk(client, tenant, f"/v1/bot-profiles/{bot_id}/widget-keys", limit=2, envelope=True)
    assert [len(p) for p in pages] == [2, 1] and ids(pages) == keys


def test_limit_is_at_least_1_and_above_200_is_200(client: TestClient) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    hook_id = add_hook(client, tenant)
    paths = (
        f"/v1/webhooks/{hook_id}/deliveries",
        f"/v1/bot-profiles/{bot_id}/widget-keys",
        f"/v1/bot-profiles/{bot_id}/evaluations",
    )
    for path in paths:
        assert client.get(path, params={"limit": 0}, headers=tenant.headers).status_code == 422, path
        for limit in (200, 201, 10_000):
            fits = client.get(path, params={"limit": limit}, headers=tenant.headers)
            assert fits.status_code == 200 and fits.json()["next_cursor"] is None, (path, limit)


def test_a_bad_foreign_or_misplaced_cursor_is_400(client: TestClient) -> None:
    tenant, stranger = signup(client), signup(client)
    bot_id = make_bot(client, tenant)
    hook_a, hook_b = add_hook(client, tenant), add_hook(client, tenant)
    ping(client, tenant, hook_a, 2)
    for _ in range(2):
        add_run(client, tenant, bot_id)
        add_key(client, tenant, bot_id)
    deliveries = f"/v1/webhooks/{hook_a}/deliveries"
    runs = f"/v1/bot-profiles/{bot_id}/evaluations"
    keys = f"/v1/bot-profiles/{bot_id}/widget-keys"
    theirs = add_hook(client, stranger)
    ping(client, stranger, theirs, 1)
    cursors = {path: first_cursor(client, tenant, path) for path in ("/v1/webhooks", deliveries, runs, keys)}
    attempts = [
        (tenant, deliveries, cursors[deliveries][:-4] + "AAAA"),
        (tenant, runs, "not-a-cursor"),
        (stranger, "/v1/webhooks", cursors["/v1/webhooks"]),
        (stranger, f"/v1/webhooks/{theirs}/deliveries", cursors[deliveries]),
        (tenant, f"/v1/webhooks/{hook_b}/deliveries", cursors[deliveries]),
        (tenant, deliveries, cursors[runs]),
        (tenant, runs, cursors[deliveries]),
        (tenant, keys, cursors["/v1/webhooks"]),
    ]
    for who, path, value in attempts:
        response = client.get(path, params={"cursor": value}, headers=who.headers)
        assert response.status_code == 400, (path, response.text)
        assert response.json() == {"detail": "invalid cursor"}
    hidden = client.get(f"/v1/webhooks/{hook_a}/deliveries", params={"cursor": "x"}, headers=stranger.headers)
    assert hidden.status_code == 404, "a bad cursor never hides a 404"
