"""Input that used to answer 5xx, and the lesser findings of the penetration test (issue 15).

Before the fix: expires_at without a zone or as a bare date was a 500 (naive vs aware comparison),
9999-12-31T23:59:59-14:00 a 500 (overflow); a lone surrogate in source content (POST, PATCH, batch
children) a 500, and in an OpenAI-route message a 503; an oversized chunked JSON body a 400; a widget 403
carried `Access-Control-Allow-Origin: *`; allowed_origins took values that can never match; and the local
server let any client pick its IP through X-Forwarded-For.
"""

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from minirag.api.app import create_app
from minirag.bootstrap import Services, build_services
from scripts.localcloud.server import server_config
from tests.conftest import make_settings
from tests.support.api import TenantCtx, signup, unique
from tests.support.knowledge import add_text, make_bot

LONE = '"\\ud800x"'  # as a JSON literal: a high surrogate with no low one after it


def raw_json(client: TestClient, method: str, path: str, body: str, headers: dict[str, str]) -> Any:
    return client.request(
        method, path, content=body.encode(), headers={**headers, "Content-Type": "application/json"}
    )


@pytest.mark.parametrize(
    ("expires_at", "status"),
    [
        ("2999-01-01T00:00:00", 201),  # no zone: read as UTC
        ("2999-01-01", 201),  # a bare date: midnight UTC
        ("2999-01-01T00:00:00+02:00", 201),
        ("9999-12-31T23:59:59-14:00", 422),  # past the calendar once moved to UTC
        ("0001-01-01T00:00:00+14:00", 422),
        ("2001-01-01T00:00:00", 422),  # in the past
    ],
)
def test_token_expiry_forms(client: TestClient, expires_at: str, status: int) -> None:
    tenant = signup(client)
    body = {"name": "ci", "expires_at": expires_at}
    response = client.post("/v1/api-tokens", json=body, headers=tenant.headers)
    assert response.status_code == status, response.text
    if status == 201:
        stored = response.json()["expires_at"]
        assert stored.endswith(("Z", "+00:00")), stored
        token = response.json()["raw_token"]
        assert client.get("/v1/tenants/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_lone_surrogates_are_422_on_every_text_route(client: TestClient) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    source_id = add_text(client, tenant, bot_id, "Holidays: 27 days.")
    cases = [
        (
            "POST",
            "/v1/sources",
            f'{{"bot_profile_id":"{bot_id}","name":"n","source_type":"text","content":{LONE}}}',
        ),
        ("PATCH", f"/v1/sources/{source_id}", f'{{"content":{LONE}}}'),
        (
            "POST",
            "/v1/sources/batch",
            f'{{"bot_profile_id":"{bot_id}","name":"p","source_type":"text",'
            f'"children":[{{"name":"c","source_type":"text","content":{LONE}}}]}}',
        ),
        ("POST", "/v1/chat", f'{{"bot_profile_id":"{bot_id}","message":{LONE}}}'),
        (
            "POST",
            f"/v1/openai/{bot_id}/chat/completions",
            f'{{"model":"m","messages":[{{"role":"user","content":{LONE}}}]}}',
        ),
        ("POST", "/v1/bot-profiles", f'{{"name":{LONE}}}'),
        (
            "POST",
            "/v1/sources",
            f'{{"bot_profile_id":"{bot_id}","name":"n","source_type":"text","content":"ok",{LONE}:1}}',
        ),
    ]
    for method, path, body in cases:
        response = raw_json(client, method, path, body, tenant.headers)
        assert response.status_code == 422, (path, response.status_code, response.text)
    no_type = f'{{"bot_profile_id":"{bot_id}","name":"n","source_type":"text","content":{LONE}}}'.encode()
    response = client.post(
        "/v1/sources", content=no_type, headers=tenant.headers
    )  # read as JSON all the same
    assert response.status_code == 422, response.text
    paired = '"\\ud83d\\ude00 smile"'  # a valid pair is fine
    body = f'{{"bot_profile_id":"{bot_id}","name":"n","source_type":"text","content":{paired}}}'
    assert raw_json(client, "POST", "/v1/sources", body, tenant.headers).status_code == 201
    escaped = '"\\\\ud800 is how JSON spells it"'  # a backslash, then text: not an escape
    body = f'{{"bot_profile_id":"{bot_id}","name":"n","source_type":"text","content":{escaped}}}'
    assert raw_json(client, "POST", "/v1/sources", body, tenant.headers).status_code == 201


def test_an_oversized_chunked_json_body_is_413(client: TestClient, services: Services) -> None:
    tenant = signup(client)
    limit = services.settings.max_body_bytes

    def chunks() -> Iterator[bytes]:  # no Content-Length: the size is only known while reading
        yield b'{"name": "x", "description": "'
        for _ in range(limit // 65536 + 2):
            yield b"a" * 65536
        yield b'"}'

    response = client.post(
        "/v1/bot-profiles", content=chunks(), headers={**tenant.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 413, response.text


@pytest.mark.parametrize(
    "origin",
    [
        "https://shop.example\r\nX-Injected: 1",
        "https://user:pass@shop.example",
        "https://*.shop.example",
        "https://shop.example/path",
        "https://shop.example?q=1",
        "https://bücher.example",
        "https://shop.example:70000",
        "*.shop.example",
    ],
)
def test_allowed_origins_that_can_never_match_are_422(client: TestClient, origin: str) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    body = {"name": "w", "allowed_origins": ["https://ok.example", origin]}
    response = client.post(f"/v1/bot-profiles/{bot_id}/widget-keys", json=body, headers=tenant.headers)
    assert response.status_code == 422, response.text


def test_allowed_origins_are_stored_as_browsers_send_them(client: TestClient) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    body = {"name": "w", "allowed_origins": ["HTTPS://Shop.Example:8443/", "http://[::1]:3000", "*"]}
    response = client.post(f"/v1/bot-profiles/{bot_id}/widget-keys", json=body, headers=tenant.headers)
    assert response.status_code == 201, response.text
    assert sorted(response.json()["allowed_origins"]) == [
        "*",
        "http://[::1]:3000",
        "https://shop.example:8443",
    ]


@pytest.fixture
def wildcard_cors(services: Services, aws_endpoint: str, aws_env: dict[str, str]) -> Iterator[TestClient]:
    settings = make_settings(
        aws_endpoint,
        aws_env,
        services.settings.data_dir,
        cors_origins="*",
        jwt_secret=services.settings.jwt_secret,
        fernet_keys=services.settings.fernet_keys,
    )
    with TestClient(create_app(build_services(settings, clock=services.clock))) as client:
        yield client


def widget_key(client: TestClient, tenant: TenantCtx, bot_id: str, origin: str) -> str:
    body = {"name": "w", "allowed_origins": [origin]}
    response = client.post(f"/v1/bot-profiles/{bot_id}/widget-keys", json=body, headers=tenant.headers)
    assert response.status_code == 201, response.text
    key: str = response.json()["key"]
    return key


def test_a_widget_refusal_carries_no_wildcard_cors_header(wildcard_cors: TestClient) -> None:
    tenant = signup(wildcard_cors)
    bot_id = make_bot(wildcard_cors, tenant)
    key = widget_key(wildcard_cors, tenant, bot_id, "https://shop.example")
    evil = {"Authorization": f"Bearer {key}", "Origin": "https://evil.example"}
    refused = wildcard_cors.get("/v1/chat/not-a-chat/messages", headers=evil)
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers
    good = {"Authorization": f"Bearer {key}", "Origin": "https://shop.example"}
    answered = wildcard_cors.post("/v1/chat", json={"bot_profile_id": bot_id, "message": "hi"}, headers=good)
    assert answered.status_code == 200, answered.text
    assert answered.headers["access-control-allow-origin"] == "https://shop.example"
    unknown = {"Authorization": "Bearer mrwk_not-a-real-key", "Origin": "https://evil.example"}
    no_key = wildcard_cors.post("/v1/chat", json={"bot_profile_id": bot_id, "message": "hi"}, headers=unknown)
    assert no_key.status_code == 401 and no_key.headers["access-control-allow-origin"] == "*"  # says nothing
    dashboard = wildcard_cors.get(
        "/v1/chat", headers={**tenant.headers, "Origin": "https://anywhere.example"}
    )
    assert dashboard.status_code == 200 and dashboard.headers["access-control-allow-origin"] == "*"


def test_the_local_server_does_not_trust_x_forwarded_for(
    services: Services, aws_endpoint: str, aws_env: dict[str, str]
) -> None:
    """`make run`'s server: three login attempts per IP, each claiming another address."""
    settings = make_settings(
        aws_endpoint,
        aws_env,
        services.settings.data_dir,
        login_attempts_per_ip_per_15min=3,
        jwt_secret=services.settings.jwt_secret,
        fernet_keys=services.settings.fernet_keys,
    )
    app = create_app(build_services(settings, clock=services.clock))
    server = uvicorn.Server(server_config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        statuses = []
        for n in range(5):
            body = json.dumps({"email": f"{unique('x')}@example.com", "password": "wrong password"})
            response = httpx.post(
                f"http://127.0.0.1:{port}/v1/auth/login",
                content=body,
                headers={"Content-Type": "application/json", "X-Forwarded-For": f"203.0.113.{n}"},
            )
            statuses.append(response.status_code)
    finally:
        server.should_exit = True
        thread.join(5)
    assert statuses.count(401) <= 3 and statuses[-2:] == [429, 429], statuses
