"""Hypothesis over the two kinds of input that used to reach a 5xx: timestamps and arbitrary Unicode text.

Timestamps in every spelling (zone or none, offsets up to +-23:59, years 1 to 9999, bare dates, junk) go to
`expires_at`; strings with any code point, lone surrogates included, go to every free-text field of the
routes that store or send text. The only assertion is the contract's: never a 5xx for what a client sent.
Fixed seed (derandomize) and bounded examples, like the schemathesis run.
"""

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.support.api import TenantCtx, signup
from tests.support.knowledge import add_text, make_bot

FUZZ = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

offsets = st.timedeltas(min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23, minutes=59))
zones = st.none() | offsets.map(lambda delta: timezone(timedelta(minutes=delta // timedelta(minutes=1))))
moments = st.builds(
    lambda naive, zone: naive.replace(tzinfo=zone),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
    zones,
)
timestamps = st.one_of(
    moments.map(datetime.isoformat),
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "2030-02-30", "", "now"]),
    st.text(max_size=30),
)
# every code point, lone surrogates too (st.text leaves them out; JSON spells them as \\udXXX escapes)
code_points = st.integers(0, 0x10FFFF) | st.integers(0xD800, 0xDFFF)
texts = st.text(min_size=1, max_size=40) | st.lists(code_points, min_size=1, max_size=40).map(
    lambda points: "".join(map(chr, points))
)


@pytest.fixture(scope="module")
def tenant(client: TestClient) -> TenantCtx:
    return signup(client)


@pytest.fixture(scope="module")
def bot_id(client: TestClient, tenant: TenantCtx) -> str:
    return make_bot(client, tenant)


@pytest.fixture(scope="module")
def source_id(client: TestClient, tenant: TenantCtx, bot_id: str) -> str:
    return add_text(client, tenant, bot_id, "Holidays: 27 days a year.")


def send(client: TestClient, tenant: TenantCtx, method: str, path: str, body: Any) -> int:
    """json.dumps writes lone surrogates as escapes, as any client's JSON encoder would."""
    headers = {**tenant.headers, "Content-Type": "application/json"}
    return client.request(method, path, content=json.dumps(body).encode(), headers=headers).status_code


@FUZZ
@given(expires_at=timestamps)
@example(expires_at="2030-01-01T00:00:00")  # the penetration test's inputs
@example(expires_at="2030-01-01")
@example(expires_at="9999-12-31T23:59:59-14:00")
def test_token_expiry_never_5xx(client: TestClient, tenant: TenantCtx, expires_at: str) -> None:
    status = send(client, tenant, "POST", "/v1/api-tokens", {"name": "fuzz", "expires_at": expires_at})
    assert status < 500, expires_at


def text_calls(bot_id: str, source_id: str, text: str) -> list[tuple[str, str, Any]]:
    """Each call carries the text in one field only, so a field that refuses it cannot shield the others."""
    source = {"bot_profile_id": bot_id, "name": "n", "source_type": "text", "content": "ok"}
    child = {"name": "c", "source_type": "text", "content": "ok"}
    batch = {"bot_profile_id": bot_id, "name": "p", "source_type": "text", "children": [child]}
    hook = {"url": "http://127.0.0.1:9/hook", "events": ["chat.message"]}
    return [
        ("POST", "/v1/sources", {**source, "content": text}),
        ("POST", "/v1/sources", {**source, "name": text}),
        ("POST", "/v1/sources", {**source, "description": text}),
        ("PATCH", f"/v1/sources/{source_id}", {"content": text}),
        ("PATCH", f"/v1/sources/{source_id}", {"description": text}),
        ("POST", "/v1/sources/batch", {**batch, "children": [{**child, "content": text}]}),
        ("POST", "/v1/sources/batch", {**batch, "children": [{**child, "name": text}]}),
        ("PATCH", f"/v1/bot-profiles/{bot_id}", {"system_prompt": text}),
        ("PATCH", f"/v1/bot-profiles/{bot_id}", {"description": text}),
        ("POST", "/v1/chat", {"bot_profile_id": bot_id, "message": text}),
        (
            "POST",
            f"/v1/openai/{bot_id}/chat/completions",
            {"model": "m", "messages": [{"role": "user", "content": text}]},
        ),
        ("POST", f"/v1/bot-profiles/{bot_id}/widget-keys", {"name": "w", "allowed_origins": [text]}),
        ("POST", "/v1/webhooks", {**hook, "description": text}),
        ("POST", "/v1/webhooks", {**hook, "url": f"http://127.0.0.1:9/{text}"}),
        ("POST", "/v1/users", {"email": "a@example.com", "password": "long enough", "display_name": text}),
        ("POST", "/v1/api-tokens", {"name": text}),
    ]


@settings(FUZZ, max_examples=25)
@given(text=texts)
@example(text="\ud800x")  # the penetration test's input
def test_text_fields_never_5xx(
    client: TestClient, tenant: TenantCtx, bot_id: str, source_id: str, text: str
) -> None:
    for method, path, body in text_calls(bot_id, source_id, text):
        status = send(client, tenant, method, path, body)
        assert status < 500, (method, path, body)
