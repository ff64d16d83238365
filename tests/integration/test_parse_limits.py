"""CPU denial of service through documents: uploads are authorised before they are parsed, and the ingest
worker stops any document that spends its CPU budget.

Before the fix, a member's 180 KB HTML file held the API for 11.4 s and only then got its 403. Which check
runs first is visible without a clock: a corrupt file answers 422 once parsed, so a 403 or 404 for it
proves the parser never ran (and a 422 about the bot rather than the file).
"""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from minirag.api.app import create_app
from minirag.bootstrap import Services, build_services
from tests.conftest import make_settings
from tests.support.api import add_user, bearer, signup
from tests.support.knowledge import make_bot, source
from tests.support.worker import IngestWorker

CORRUPT_PDF = ("broken.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 64, "application/pdf")
QUADRATIC_HTML = "<p>x</p>" + "<nav>" * 20_000 + "</p>" * 20_000  # 180 KB; 14.8 s of CPU before the fix


def post(client: TestClient, headers: dict[str, str], bot_id: str, file: tuple[str, bytes, str]) -> Response:
    return client.post(
        "/v1/sources/upload", data={"bot_profile_id": bot_id}, files={"file": file}, headers=headers
    )


def upload(client: TestClient, headers: dict[str, str], bot_id: str, file: tuple[str, bytes, str]) -> int:
    return post(client, headers, bot_id, file).status_code


def test_a_member_upload_is_refused_before_it_is_parsed(client: TestClient) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    _, member_jwt = add_user(client, tenant, "member")
    assert upload(client, tenant.headers, bot_id, CORRUPT_PDF) == 422  # an admin's upload is parsed
    assert upload(client, bearer(member_jwt), bot_id, CORRUPT_PDF) == 403
    html = ("page.html", QUADRATIC_HTML.encode(), "text/html")
    assert upload(client, bearer(member_jwt), bot_id, html) == 403


def test_an_upload_to_another_tenants_bot_is_refused_before_it_is_parsed(client: TestClient) -> None:
    """A bot id in the body that is not the caller's is a 422 (as in the original MiniRAG): about the bot,
    not about the file."""
    victim, attacker = signup(client), signup(client)
    parsed = post(client, attacker.headers, make_bot(client, attacker), CORRUPT_PDF).json()["detail"]
    for bot_id in (make_bot(client, victim), "no-such-bot"):
        response = post(client, attacker.headers, bot_id, CORRUPT_PDF)
        assert response.status_code == 422
        assert response.json()["detail"] != parsed and "bot" in response.json()["detail"].lower()


def test_the_quadratic_page_is_accepted_now(client: TestClient) -> None:
    """The same 180 KB page an admin uploads is parsed (linearly) and stored."""
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    assert upload(client, tenant.headers, bot_id, ("page.html", QUADRATIC_HTML.encode(), "text/html")) == 201


@pytest.fixture
def budgeted(services: Services, aws_endpoint: str, aws_env: dict[str, str]) -> Iterator[Services]:
    """The ingest worker with no CPU to spend on parsing: every document that needs parsing runs out."""
    settings = make_settings(
        aws_endpoint,
        aws_env,
        services.settings.data_dir,
        parse_cpu_seconds=0.0,
        jwt_secret=services.settings.jwt_secret,
        fernet_keys=services.settings.fernet_keys,
    )
    yield build_services(settings, clock=services.clock)


def test_the_ingest_worker_stops_a_document_past_its_cpu_budget(
    client: TestClient, budgeted: Services, aws_endpoint: str
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    with TestClient(create_app(budgeted)) as budget_client:
        page = ("page.html", ("<p>holiday rules</p>" * 2000).encode(), "text/html")
        response = budget_client.post(
            "/v1/sources/upload",
            data={"bot_profile_id": bot_id},
            files={"file": page},
            headers=tenant.headers,
        )
        assert response.status_code == 201, response.text
        IngestWorker(budgeted, aws_endpoint).drain()
        got = source(budget_client, tenant, response.json()["id"])
    assert got["status"] == "error"  # permanent: not retried, not a crash
    assert "CPU budget" in got["error_message"]
