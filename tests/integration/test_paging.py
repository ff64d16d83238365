"""Bare-array lists (bots, sources, children, users, tokens, webhooks, chats, messages): `limit`, `offset`,
`cursor` and X-Next-Cursor.

The lists in the `{items, next_cursor}` shape are in test_envelope_paging.py."""

from fastapi.testclient import TestClient

from minirag.bootstrap import Services
from minirag.domain.models import Principal
from minirag.domain.roles import Role
from tests.support.api import TenantCtx, add_user, signup
from tests.support.clock import FakeClock
from tests.support.knowledge import make_bot
from tests.support.paging import ids, walk


def add_batch(client: TestClient, tenant: TenantCtx, bot_id: str, children: int) -> str:
    kids = [
        {"name": f"Page {n}", "source_type": "url", "config": {"url": f"http://127.0.0.1:9/{n}"}}
        for n in range(children)
    ]
    body = {"bot_profile_id": bot_id, "name": "Bundle", "source_type": "batch", "children": kids}
    response = client.post("/v1/sources/batch", json=body, headers=tenant.headers)
    assert response.status_code == 201, response.text
    parent_id: str = response.json()["parent"]["id"]
    return parent_id


def test_120_bots_come_in_pages_of_50_50_20_without_repeats_or_gaps(client: TestClient) -> None:
    tenant = signup(client)
    made = {make_bot(client, tenant, name=f"Bot {n}") for n in range(120)}
    pages = walk(client, tenant, "/v1/bot-profiles")
    assert [len(p) for p in pages] == [50, 50, 20], "default limit is 50"
    assert len(ids(pages)) == len(set(ids(pages))) and set(ids(pages)) == made
    one_page = client.get("/v1/bot-profiles", params={"limit": 200}, headers=tenant.headers)
    assert "x-next-cursor" not in one_page.headers
    assert [b["id"] for b in one_page.json()] == ids(pages), "pages keep the order of the whole list"


BARE_LISTS = ("/v1/bot-profiles", "/v1/sources", "/v1/users", "/v1/api-tokens", "/v1/webhooks", "/v1/chat")


def test_limit_is_at_least_1_and_a_limit_above_200_is_200(client: TestClient, services: Services) -> None:
    """The original MiniRAG capped `limit`; a client asking for more gets the most there is, not a 422."""
    tenant = signup(client)
    owner = Principal(tenant_id=tenant.id, role=Role.OWNER, kind="api_token")
    for n in range(205):  # through the service: the API would take a few seconds longer
        services.bots.create(owner, {"name": f"Bot {n:03}"}, None)
    capped = client.get("/v1/bot-profiles", params={"limit": 1000}, headers=tenant.headers)
    assert capped.status_code == 200 and len(capped.json()) == 200 and capped.headers["x-next-cursor"]
    for path in BARE_LISTS:
        assert client.get(path, params={"limit": 0}, headers=tenant.headers).status_code == 422, path
        assert client.get(path, params={"offset": -1}, headers=tenant.headers).status_code == 422, path
        assert client.get(path, params={"limit": 201}, headers=tenant.headers).status_code == 200, path


def test_offset_skips_items_on_every_bare_list_and_after_a_cursor(client: TestClient) -> None:
    """The original MiniRAG's clients page with limit and offset; our cursor keeps working beside it."""
    tenant = signup(client)
    bots = [make_bot(client, tenant, name=f"Bot {n}") for n in range(5)]
    add_user(client, tenant, "member")
    assert client.post("/v1/api-tokens", json={"name": "ci"}, headers=tenant.headers).status_code == 201
    parent = add_batch(client, tenant, bots[0], 3)
    add_batch(client, tenant, bots[1], 1)
    chat_id = None
    for n in range(2):
        hook = {"url": f"http://127.0.0.1:9/h{n}", "events": ["chat.message"]}
        assert client.post("/v1/webhooks", json=hook, headers=tenant.headers).status_code == 201
        ask = {"bot_profile_id": bots[n], "message": f"question {n}"}
        assert client.post("/v1/chat", json=ask, headers=tenant.headers).status_code == 200
        turn = {"bot_profile_id": bots[0], "message": f"again {n}", "chat_id": chat_id}
        chat_id = client.post("/v1/chat", json=turn, headers=tenant.headers).json()["chat_id"]
    lists = (*BARE_LISTS, f"/v1/sources/{parent}/children", f"/v1/chat/{chat_id}/messages")
    for path in lists:
        whole = [x["id"] for x in client.get(path, params={"limit": 200}, headers=tenant.headers).json()]
        assert len(whole) >= 2, path
        skipped = client.get(path, params={"offset": 1, "limit": 200}, headers=tenant.headers)
        assert [x["id"] for x in skipped.json()] == whole[1:], path
        window = client.get(path, params={"offset": 1, "limit": 1}, headers=tenant.headers)
        assert [x["id"] for x in window.json()] == whole[1:2], path
    newest = bots[::-1]  # the original's order for bots, sources, tokens and webhooks
    pages = walk(client, tenant, "/v1/bot-profiles", limit=2, offset=1)
    assert ids(pages) == newest[1:3] + newest[4:], "offset applies after each page's cursor"
    window = client.get("/v1/bot-profiles", params={"offset": 1, "limit": 2}, headers=tenant.headers)
    assert [b["id"] for b in window.json()] == newest[1:3] and window.headers["x-next-cursor"]
    assert client.get("/v1/bot-profiles", params={"offset": 5}, headers=tenant.headers).json() == []


def test_a_bad_foreign_or_misplaced_cursor_is_400(client: TestClient) -> None:
    tenant, stranger = signup(client), signup(client)
    for n in range(3):
        make_bot(client, tenant, name=f"Bot {n}")
    first = client.get("/v1/bot-profiles", params={"limit": 1}, headers=tenant.headers)
    cursor = first.headers["x-next-cursor"]
    attempts = [
        (tenant, "/v1/bot-profiles", cursor[:-4] + "AAAA"),
        (tenant, "/v1/bot-profiles", "not-a-cursor"),
        (stranger, "/v1/bot-profiles", cursor),
        (tenant, "/v1/users", cursor),
    ]
    for who, path, value in attempts:
        response = client.get(path, params={"cursor": value}, headers=who.headers)
        assert response.status_code == 400, (path, value)
        assert response.json() == {"detail": "invalid cursor"}


def test_changes_between_pages_neither_skip_nor_repeat(client: TestClient, clock: FakeClock) -> None:
    tenant = signup(client)
    a, b, c, d, e = (make_bot(client, tenant, name=f"Bot {n}") for n in range(5))
    listed = [x["id"] for x in client.get("/v1/bot-profiles", headers=tenant.headers).json()]
    first = client.get("/v1/bot-profiles", params={"limit": 2}, headers=tenant.headers)
    assert [x["id"] for x in first.json()] == listed[:2]
    for gone in listed[:2]:  # the page's own items, the cursor's included, go away
        assert client.delete(f"/v1/bot-profiles/{gone}", headers=tenant.headers).status_code == 204
    clock.advance(1)
    late = make_bot(client, tenant, name="Late")
    cursor = first.headers["x-next-cursor"]
    rest = walk(client, tenant, "/v1/bot-profiles", limit=2, cursor=cursor)
    assert ids(rest) == listed[2:], "newest first: a bot made meanwhile heads the list, not a later page"
    assert {a, b, c, d, e} == set(listed) and listed == [e, d, c, b, a]
    fresh = client.get("/v1/bot-profiles", headers=tenant.headers).json()
    assert [x["id"] for x in fresh] == [late, *listed], "deleted bots stay listed, inactive"


def test_children_page_and_the_parent_keeps_its_totals(client: TestClient) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    parent_id = add_batch(client, tenant, bot_id, 12)
    other_parent = add_batch(client, tenant, bot_id, 2)
    pages = walk(client, tenant, f"/v1/sources/{parent_id}/children", limit=5)
    assert [len(p) for p in pages] == [5, 5, 2]
    assert len(set(ids(pages))) == 12 and {k["parent_id"] for p in pages for k in p} == {parent_id}
    first = client.get(f"/v1/sources/{parent_id}/children", params={"limit": 5}, headers=tenant.headers)
    cursor = first.headers["x-next-cursor"]
    elsewhere = client.get(
        f"/v1/sources/{other_parent}/children", params={"cursor": cursor}, headers=tenant.headers
    )
    assert elsewhere.status_code == 400, "a cursor belongs to the list that issued it"
    top = walk(client, tenant, "/v1/sources", limit=1)
    assert ids(top) == [other_parent, parent_id], "newest first, as the original"
    assert top[1][0]["children_count"] == 12
    everything = walk(client, tenant, "/v1/sources", include_children=True, limit=10)
    assert [len(p) for p in everything] == [10, 6]


def test_sources_filter_by_bot_and_page(client: TestClient) -> None:
    tenant = signup(client)
    bot_a, bot_b = make_bot(client, tenant), make_bot(client, tenant)
    made = [add_batch(client, tenant, bot, 1) for bot in (bot_a, bot_b, bot_a, bot_a)]
    pages = walk(client, tenant, "/v1/sources", bot_profile_id=bot_a, limit=2)
    assert [len(p) for p in pages] == [2, 1]
    assert ids(pages) == [made[3], made[2], made[0]]


def test_users_and_tokens_page(client: TestClient) -> None:
    tenant = signup(client)
    users = [tenant.owner_id] + [add_user(client, tenant, "member")[0] for _ in range(3)]
    pages = walk(client, tenant, "/v1/users", limit=3)
    assert [len(p) for p in pages] == [3, 1]
    assert set(ids(pages)) == set(users)
    emails = [u["email"] for page in pages for u in page]
    assert emails == sorted(emails), "by email, as the original MiniRAG listed users"
    after_one = client.get("/v1/users", params={"offset": 1}, headers=tenant.headers).json()
    assert [u["email"] for u in after_one] == emails[1:]
    for n in range(4):
        made = client.post("/v1/api-tokens", json={"name": f"ci {n}"}, headers=tenant.headers)
        assert made.status_code == 201
    pages = walk(client, tenant, "/v1/api-tokens", limit=2)
    assert [len(p) for p in pages] == [2, 2, 1], "the signup token and four more"
    assert len(set(ids(pages))) == 5 and "raw_token" not in pages[0][0]


def test_a_list_that_fits_has_no_cursor(client: TestClient) -> None:
    tenant = signup(client)
    make_bot(client, tenant)
    for path in ("/v1/bot-profiles", "/v1/sources", "/v1/users", "/v1/api-tokens"):
        response = client.get(path, headers=tenant.headers)
        assert response.status_code == 200 and isinstance(response.json(), list)
        assert "x-next-cursor" not in response.headers, path
