"""The ingest worker end to end: SQS on the local endpoint, the real handler, qdrant-client local mode."""

import io
import json
from pathlib import Path
from typing import Any

import docx
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfWriter

from functions.ingest.handler import make_handler
from minirag.bootstrap import Services, build_services
from minirag.domain.errors import DependencyUnavailableError
from minirag.ports import Embedder
from tests.support.api import signup
from tests.support.clock import FakeClock
from tests.support.knowledge import HANDBOOK, add_text, ingest, make_bot, source
from tests.support.sites import serve_site
from tests.support.worker import IngestWorker

EVENTS = Path(__file__).parents[2] / "events"


def principal(services: Services, token: str) -> Any:
    return services.auth.authenticate(token)


def test_text_source_ingests_to_ready_with_vectors(
    client: TestClient, worker: IngestWorker, services: Services
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant, chunk_size=48, chunk_overlap=8)
    source_id = add_text(client, tenant, bot_id, HANDBOOK)
    done = ingest(client, worker, tenant, source_id)
    assert done["status"] == "ready" and done["error_message"] is None
    assert done["document_count"] == 1 and done["chunk_count"] >= 3
    assert done["progress"] == {"done": done["chunk_count"], "total": done["chunk_count"]}
    assert done["content_hash"] and done["last_refreshed_at"]
    assert services.vectors.count(tenant_id=tenant.id, source_id=source_id) == done["chunk_count"]


def test_reingest_of_unchanged_content_writes_nothing(
    client: TestClient, worker: IngestWorker, services: Services
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    source_id = add_text(client, tenant, bot_id, HANDBOOK)
    first = ingest(client, worker, tenant, source_id)
    version = services.sources.get(principal(services, tenant.token), source_id).version
    again = ingest(client, worker, tenant, source_id)
    assert again["status"] == "ready" and again["content_hash"] == first["content_hash"]
    assert services.sources.get(principal(services, tenant.token), source_id).version == version
    assert services.vectors.count(tenant_id=tenant.id, source_id=source_id) == first["chunk_count"]


def test_changed_content_replaces_the_old_vectors(
    client: TestClient, worker: IngestWorker, services: Services
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant, chunk_size=48, chunk_overlap=8)
    source_id = add_text(client, tenant, bot_id, HANDBOOK)
    ingest(client, worker, tenant, source_id)
    client.patch(
        f"/v1/sources/{source_id}", json={"content": "A single short sentence now."}, headers=tenant.headers
    )
    after = ingest(client, worker, tenant, source_id)
    assert after["status"] == "ready" and after["chunk_count"] == 1
    assert services.vectors.count(tenant_id=tenant.id, source_id=source_id) == 1


def test_ingest_while_processing_is_409(client: TestClient, worker: IngestWorker) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    source_id = add_text(client, tenant, bot_id, "Short text.")
    assert client.post(f"/v1/sources/{source_id}/ingest", headers=tenant.headers).status_code == 202
    assert client.post(f"/v1/sources/{source_id}/ingest", headers=tenant.headers).status_code == 409
    assert source(client, tenant, source_id)["status"] == "processing"
    worker.drain()
    assert source(client, tenant, source_id)["status"] == "ready"


def test_delete_removes_vectors(client: TestClient, worker: IngestWorker, services: Services) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    source_id = add_text(client, tenant, bot_id, HANDBOOK)
    ingest(client, worker, tenant, source_id)
    assert services.vectors.count(tenant_id=tenant.id, source_id=source_id) > 0
    assert client.delete(f"/v1/sources/{source_id}", headers=tenant.headers).status_code == 204
    assert services.vectors.count(tenant_id=tenant.id, source_id=source_id) == 0


def test_deleting_a_bot_purges_its_vectors(
    client: TestClient, worker: IngestWorker, services: Services
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    source_id = add_text(client, tenant, bot_id, HANDBOOK)
    ingest(client, worker, tenant, source_id)
    assert client.delete(f"/v1/bot-profiles/{bot_id}", headers=tenant.headers).status_code == 204
    worker.drain()
    assert services.vectors.count(tenant_id=tenant.id) == 0


def _pdf(text: str) -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(width=612, height=792)
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    stream = DecodedStreamObject()
    stream.set_data(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode())
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _docx(heading: str, text: str) -> bytes:
    document = docx.Document()
    document.add_heading(heading, level=1)
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("filename", "content_type", "make"),
    [
        ("guide.md", "text/markdown", lambda: b"# Guide\n\nThe warranty lasts two years."),
        (
            "page.html",
            "text/html",
            lambda: b"<html><title>T</title><body><h1>Warranty</h1><p>Two years.</p></body></html>",
        ),
        ("terms.pdf", "application/pdf", lambda: _pdf("The warranty lasts two years.")),
        (
            "terms.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            lambda: _docx("Warranty", "The warranty lasts two years."),
        ),
        ("prices.csv", "text/csv", lambda: b"item,price\nwidget,10\ngadget,20\n"),
        ("latin.txt", "text/plain", lambda: "Caf\u00e9 cr\u00e8me costs 3 \u20ac.".encode("cp1252")),
    ],
)
def test_uploads_of_each_type_become_ready(
    client: TestClient, worker: IngestWorker, filename: str, content_type: str, make: Any
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    uploaded = client.post(
        "/v1/sources/upload",
        data={"bot_profile_id": bot_id},
        files={"file": (filename, make(), content_type)},
        headers=tenant.headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["source_type"] == "upload" and uploaded.json()["status"] == "pending"
    worker.drain()
    done = source(client, tenant, uploaded.json()["id"])
    assert done["status"] == "ready", done["error_message"]
    assert done["chunk_count"] >= 1


def test_url_and_sitemap_sources(client: TestClient, worker: IngestWorker) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    with serve_site() as site:
        page = site.add(
            "/warranty", "<html><body><h1>Warranty</h1><p>Two years on all parts.</p></body></html>"
        )
        site.add(
            "/returns", "<html><body><h1>Returns</h1><p>Thirty days, no questions asked.</p></body></html>"
        )
        sitemap = site.add(
            "/sitemap.xml",
            f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{site.base}/warranty</loc></url><url><loc>{site.base}/returns</loc></url></urlset>""",
            "application/xml",
        )
        url_body = {
            "bot_profile_id": bot_id,
            "name": "Warranty",
            "source_type": "url",
            "config": {"url": page},
        }
        url_source = client.post("/v1/sources", json=url_body, headers=tenant.headers).json()
        assert ingest(client, worker, tenant, url_source["id"])["status"] == "ready"

        map_body = {
            "bot_profile_id": bot_id,
            "name": "Site",
            "source_type": "sitemap",
            "config": {"url": sitemap},
        }
        parent = client.post("/v1/sources", json=map_body, headers=tenant.headers).json()
        ingest(client, worker, tenant, parent["id"])
        worker.drain()
        children = client.get(f"/v1/sources/{parent['id']}/children", headers=tenant.headers).json()
        assert sorted(c["config"]["url"] for c in children) == [
            f"{site.base}/returns",
            f"{site.base}/warranty",
        ]
        assert all(c["status"] == "ready" for c in children), [c["error_message"] for c in children]
        aggregated = source(client, tenant, parent["id"])
        assert aggregated["status"] == "ready" and aggregated["children_count"] == 2
        assert aggregated["chunk_count"] == sum(c["chunk_count"] for c in children)

        ingest(client, worker, tenant, parent["id"])
        worker.drain()
        again = client.get(f"/v1/sources/{parent['id']}/children", headers=tenant.headers).json()
        assert len(again) == 2, "a refresh of the sitemap does not duplicate its children"


def test_unreachable_url_ends_in_error_with_a_message(client: TestClient, worker: IngestWorker) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    with serve_site() as site:
        missing = site.base + "/missing"
        body = {"bot_profile_id": bot_id, "name": "Gone", "source_type": "url", "config": {"url": missing}}
        created = client.post("/v1/sources", json=body, headers=tenant.headers).json()
        failed = ingest(client, worker, tenant, created["id"])
    assert failed["status"] == "error" and "404" in failed["error_message"]


def test_batch_children_ingest(client: TestClient, worker: IngestWorker) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    body = {
        "bot_profile_id": bot_id,
        "name": "Bundle",
        "children": [
            {"name": "One", "source_type": "text", "content": "The office opens at nine."},
            {"name": "Two", "source_type": "text", "content": "Parking is free for staff."},
        ],
    }
    parent = client.post("/v1/sources/batch", json=body, headers=tenant.headers).json()["parent"]
    accepted = client.post(f"/v1/sources/{parent['id']}/ingest-children", headers=tenant.headers)
    assert accepted.status_code == 202 and accepted.json()["enqueued"] == 2
    worker.drain()
    kids = client.get(f"/v1/sources/{parent['id']}/children", headers=tenant.headers).json()
    assert [k["status"] for k in kids] == ["ready", "ready"]
    assert source(client, tenant, parent["id"])["chunk_count"] == sum(k["chunk_count"] for k in kids)


class FlakyEmbedder:
    """Fails once at its n-th batch, like a worker killed or a provider dropping mid-batch."""

    def __init__(self, inner: Embedder, fail_at: int) -> None:
        self.model_name = inner.model_name
        self._inner = inner
        self._calls = 0
        self._fail_at = fail_at

    def embed(self, texts: list[str]) -> list[list[float]]:
        self._calls += 1
        if self._calls == self._fail_at:
            raise DependencyUnavailableError("embedding provider dropped the connection")
        return self._inner.embed(texts)

    def count_tokens(self, text: str) -> int:
        return self._inner.count_tokens(text)


def _sqs_event(body: dict[str, Any], receive_count: int) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / "sqs_ingest.json").read_text())
    record = event["Records"][0]
    record["body"] = json.dumps(body)
    record["attributes"]["ApproximateReceiveCount"] = str(receive_count)
    return event


def test_crash_mid_batch_then_redelivery_gives_exactly_the_clean_result(
    client: TestClient, services: Services, clock: FakeClock
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant, chunk_size=32, chunk_overlap=0)
    long_text = "\n\n".join(f"Paragraph {i} explains policy number {i} in plain words." for i in range(120))
    source_id = add_text(client, tenant, bot_id, long_text)
    p = principal(services, tenant.token)
    services.sources.ingest(p, source_id)
    flaky = FlakyEmbedder(services.embedders.offline(), fail_at=2)
    handler = make_handler(build_services(services.settings, clock=clock, embedder_for=lambda _bot: flaky))
    message = {"v": 1, "type": "ingest_source", "tenant_id": tenant.id, "source_id": source_id}

    first = handler(_sqs_event(message, 1), None)
    assert len(first["batchItemFailures"]) == 1, "the failed record is reported for redelivery"
    partial = services.vectors.count(tenant_id=tenant.id, source_id=source_id)
    assert 0 < partial < 120
    assert source(client, tenant, source_id)["status"] == "processing"

    second = handler(_sqs_event(message, 2), None)
    assert second["batchItemFailures"] == []
    again = handler(_sqs_event(message, 3), None)
    assert again["batchItemFailures"] == []
    done = source(client, tenant, source_id)
    assert done["status"] == "ready"
    assert services.vectors.count(tenant_id=tenant.id, source_id=source_id) == done["chunk_count"]


def test_last_attempt_marks_the_source_failed(
    client: TestClient, services: Services, clock: FakeClock
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    source_id = add_text(client, tenant, bot_id, "Some text to embed.")
    services.sources.ingest(principal(services, tenant.token), source_id)
    dead = FlakyEmbedder(services.embedders.offline(), fail_at=1)
    handler = make_handler(build_services(services.settings, clock=clock, embedder_for=lambda _bot: dead))
    message = {"v": 1, "type": "ingest_source", "tenant_id": tenant.id, "source_id": source_id}
    result = handler(_sqs_event(message, 3), None)
    assert len(result["batchItemFailures"]) == 1, "it still goes to the DLQ"
    failed = source(client, tenant, source_id)
    assert failed["status"] == "error" and "gave up after 3 attempts" in failed["error_message"]


def test_unknown_command_is_a_record_failure_not_a_crash(services: Services) -> None:
    handler = make_handler(services)
    result = handler(_sqs_event({"v": 1, "type": "launch_rockets"}, 1), None)
    assert len(result["batchItemFailures"]) == 1


def test_presigned_upload_lands_in_s3_and_its_event_starts_ingestion(
    client: TestClient, worker: IngestWorker
) -> None:
    import httpx

    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    data = b"# Travel policy\n\nTrains are booked in second class. Flights need a manager's approval."
    made = client.post(
        "/v1/sources/upload-url",
        headers=tenant.headers,
        json={
            "bot_profile_id": bot_id,
            "filename": "travel.md",
            "content_type": "text/markdown",
            "size": len(data),
        },
    ).json()
    assert made["source"]["status"] == "pending"
    put = httpx.put(made["upload_url"], content=data, headers=made["headers"])
    assert put.status_code == 200, put.text
    worker.drain()
    done = source(client, tenant, made["source"]["id"])
    assert done["status"] == "ready", done["error_message"]
    assert done["chunk_count"] >= 1
