"""A sitemap's pages are named by their titles once fetched, in the list and in the citations; a page
without a title keeps its URL as its name."""

from fastapi.testclient import TestClient

from tests.support.api import signup
from tests.support.knowledge import ingest, make_bot
from tests.support.sites import serve_site
from tests.support.worker import IngestWorker


def test_sitemap_pages_take_their_titles(client: TestClient, worker: IngestWorker) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    with serve_site() as site:
        site.add(
            "/policies/holidays-2026",
            "<html><head><title>  Holiday policy\n 2026 </title></head>"
            "<body><p>Every employee gets 27 days of paid holiday.</p></body></html>",
        )
        site.add("/untitled", "<html><body><p>The canteen opens at noon.</p></body></html>")
        pages = "".join(
            f"<url><loc>{site.base}{p}</loc></url>" for p in ("/policies/holidays-2026", "/untitled")
        )
        sitemap = site.add(
            "/sitemap.xml",
            f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{pages}</urlset>',
            "application/xml",
        )
        body = {
            "bot_profile_id": bot_id,
            "name": "Site",
            "source_type": "sitemap",
            "config": {"url": sitemap},
        }
        parent = client.post("/v1/sources", json=body, headers=tenant.headers).json()
        ingest(client, worker, tenant, parent["id"])
        worker.drain()
        children = client.get(f"/v1/sources/{parent['id']}/children", headers=tenant.headers).json()
        names = {c["config"]["url"].removeprefix(site.base): c["name"] for c in children}
        assert names == {
            "/policies/holidays-2026": "Holiday policy 2026",
            "/untitled": f"{site.base}/untitled",
        }

        ingest(client, worker, tenant, parent["id"])  # a refresh keeps the names (and adds no page)
        worker.drain()
        again = client.get(f"/v1/sources/{parent['id']}/children", headers=tenant.headers).json()
        assert sorted(c["name"] for c in again) == sorted(names.values())

    answer = client.post(
        "/v1/chat",
        json={"bot_profile_id": bot_id, "message": "How many days of paid holiday?"},
        headers=tenant.headers,
    ).json()
    assert "Holiday policy 2026" in [s["source_name"] for s in answer["sources"]]
    assert all(
        not s["source_name"].startswith("http") for s in answer["sources"] if "27 days" in s["content"]
    )
