"""Source CRUD and validation: types, parents, schedules, the SSRF guard at create time."""

from fastapi.testclient import TestClient

from tests.support.api import signup
from tests.support.knowledge import add_text, make_bot


def test_text_source_lifecycle_without_ingest(client: TestClient) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    source_id = add_text(client, tenant, bot_id, "Some text.")
    got = client.get(f"/v1/sources/{source_id}", headers=tenant.headers).json()
    assert (
        got["status"] == "pending"
        and got["source_type"] == "text"
        and got["progress"] == {"done": 0, "total": 0}
    )
    assert got["bot_profile_id"] == bot_id and got["refresh_schedule"] == "none"
    listed = client.get("/v1/sources", params={"bot_profile_id": bot_id}, headers=tenant.headers).json()
    assert [s["id"] for s in listed] == [source_id]
    patched = client.patch(
        f"/v1/sources/{source_id}", json={"name": "Renamed", "description": "d"}, headers=tenant.headers
    ).json()
    assert patched["name"] == "Renamed" and patched["description"] == "d"
    assert client.delete(f"/v1/sources/{source_id}", headers=tenant.headers).status_code == 204
    gone = client.get(f"/v1/sources/{source_id}", headers=tenant.headers)
    assert gone.status_code == 200 and gone.json()["is_active"] is False and gone.json()["deleted_at"]
    assert client.get("/v1/sources", params={"include_inactive": True}, headers=tenant.headers).json() == []


def test_create_validation(client: TestClient) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    base = {"bot_profile_id": bot_id, "name": "S"}
    cases = [
        ({**base, "source_type": "text"}, 422),
        ({**base, "source_type": "text", "content": "   "}, 422),
        ({**base, "source_type": "url"}, 422),
        ({**base, "source_type": "url", "config": {"url": "ftp://example.com/x"}}, 422),
        ({**base, "source_type": "url", "config": {"url": "http://169.254.169.254/latest/meta-data/"}}, 422),
        ({**base, "source_type": "text", "content": "x", "refresh_schedule": "daily"}, 422),
        ({**base, "source_type": "upload", "content": "x"}, 422),
        ({**base, "source_type": "video", "content": "x"}, 422),
        ({"bot_profile_id": "nope", "name": "S", "source_type": "text", "content": "x"}, 422),
        ({**base, "source_type": "text", "content": "x", "parent_id": "nope"}, 404),
        ({**base, "source_type": "text", "content": "x" * 950_000}, 422),
    ]
    for body, status in cases:
        response = client.post("/v1/sources", json=body, headers=tenant.headers)
        assert response.status_code == status, (
            body.get("source_type"),
            body.get("config"),
            response.text[:200],
        )
    assert client.get("/v1/sources", headers=tenant.headers).json() == [], "nothing half-written"


def test_metadata_endpoint_is_refused_even_when_private_urls_are_allowed(client: TestClient) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    for url in ("http://169.254.169.254/", "http://[fe80::1]/", "http://[::ffff:169.254.169.254]/"):
        body = {"bot_profile_id": bot_id, "name": "S", "source_type": "url", "config": {"url": url}}
        response = client.post("/v1/sources", json=body, headers=tenant.headers)
        assert response.status_code == 422, url


def test_batch_creates_parent_and_children_together(client: TestClient) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    body = {
        "bot_profile_id": bot_id,
        "name": "Bundle",
        "source_type": "batch",
        "children": [
            {"name": "One", "source_type": "text", "content": "First."},
            {"name": "Two", "source_type": "url", "config": {"url": "http://127.0.0.1:9/page"}},
        ],
    }
    created = client.post("/v1/sources/batch", json=body, headers=tenant.headers)
    assert created.status_code == 201
    parent, children = created.json()["parent"], created.json()["children"]
    assert parent["source_type"] == "batch" and parent["children_count"] == 2
    assert {c["parent_id"] for c in children} == {parent["id"]}
    listed = client.get("/v1/sources", headers=tenant.headers).json()
    assert [s["id"] for s in listed] == [parent["id"]], "children are listed under their parent only"
    kids = client.get(f"/v1/sources/{parent['id']}/children", headers=tenant.headers).json()
    assert sorted(k["name"] for k in kids) == ["One", "Two"]
    everything = client.get("/v1/sources", params={"include_children": True}, headers=tenant.headers).json()
    assert len(everything) == 3
    bad = {
        **body,
        "children": [{"name": "x", "source_type": "sitemap", "config": {"url": "http://127.0.0.1:9/"}}],
    }
    assert client.post("/v1/sources/batch", json=bad, headers=tenant.headers).status_code == 422
    assert client.delete(f"/v1/sources/{parent['id']}", headers=tenant.headers).status_code == 204
    assert client.get("/v1/sources", params={"include_children": True}, headers=tenant.headers).json() == []


def test_refresh_schedule_sets_the_next_run(client: TestClient) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    body = {
        "bot_profile_id": bot_id,
        "name": "Site",
        "source_type": "url",
        "config": {"url": "http://127.0.0.1:9/"},
        "refresh_schedule": "daily",
    }
    created = client.post("/v1/sources", json=body, headers=tenant.headers).json()
    assert created["refresh_schedule"] == "daily" and created["next_refresh_at"] is not None
    off = client.patch(
        f"/v1/sources/{created['id']}", json={"refresh_schedule": "none"}, headers=tenant.headers
    )
    assert off.json()["next_refresh_at"] is None


def test_unsupported_and_oversized_uploads(client: TestClient) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    form = {"bot_profile_id": bot_id}
    exe = client.post(
        "/v1/sources/upload",
        data=form,
        files={"file": ("tool.exe", b"MZ..", "application/x-msdos")},
        headers=tenant.headers,
    )
    assert exe.status_code == 422 and exe.json()["detail"].startswith("Unsupported file type")
    big = client.post(
        "/v1/sources/upload",
        data=form,
        headers=tenant.headers,
        files={"file": ("big.txt", b"a" * (4 * 1024 * 1024 + 1), "text/plain")},
    )
    assert big.status_code == 413
    corrupt = client.post(
        "/v1/sources/upload",
        data=form,
        headers=tenant.headers,
        files={"file": ("broken.pdf", b"%PDF-1.7 garbage", "application/pdf")},
    )
    assert corrupt.status_code == 422
    empty = client.post(
        "/v1/sources/upload",
        data=form,
        headers=tenant.headers,
        files={"file": ("empty.md", b"   \n", "text/markdown")},
    )
    assert empty.status_code == 422
    missing = client.post(
        "/v1/sources/upload",
        data={},
        headers=tenant.headers,
        files={"file": ("a.txt", b"hello", "text/plain")},
    )
    assert missing.status_code == 422
    assert client.get("/v1/sources", headers=tenant.headers).json() == []


def test_presigned_upload_url(client: TestClient) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    body = {
        "bot_profile_id": bot_id,
        "filename": "../../manual v2.pdf",
        "content_type": "application/pdf",
        "size": 10 * 1024 * 1024,
    }
    made = client.post("/v1/sources/upload-url", json=body, headers=tenant.headers)
    assert made.status_code == 201
    out = made.json()
    assert out["upload_url"].startswith("http") and out["headers"]["Content-Type"] == "application/pdf"
    assert out["source"]["config"]["filename"] == "manual_v2.pdf" and out["source"]["status"] == "pending"
    too_big = client.post(
        "/v1/sources/upload-url", json={**body, "size": 51 * 1024 * 1024}, headers=tenant.headers
    )
    assert too_big.status_code == 413
