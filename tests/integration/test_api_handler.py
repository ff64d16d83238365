"""The real Lambda handler (Mangum) invoked with the events/ files that `sam local invoke -e` uses."""

import json
from pathlib import Path
from typing import Any

from functions.api.handler import make_handler
from minirag.bootstrap import Services
from tests.support.api import unique

EVENTS = Path(__file__).parents[2] / "events"


class Context:
    function_name = "ApiFunction"
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def load(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return event


def test_health_event(services: Services) -> None:
    response = make_handler(services)(load("api_health.json"), Context())
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"status": "ok"}


def test_create_tenant_event(services: Services) -> None:
    event = load("api_create_tenant.json")
    body = json.loads(event["body"])
    body["tenant_slug"] = unique("evt")
    body["owner_email"] = f"{body['tenant_slug']}@example.com"
    event["body"] = json.dumps(body)
    response = make_handler(services)(event, Context())
    assert response["statusCode"] == 201, response["body"]
    created = json.loads(response["body"])
    assert created["tenant"]["slug"] == body["tenant_slug"] and created["api_token"]

    duplicate = make_handler(services)(event, Context())
    assert duplicate["statusCode"] == 409


def test_malformed_body_event_is_400(services: Services) -> None:
    event = load("api_create_tenant.json")
    event["body"] = "{oops"
    response = make_handler(services)(event, Context())
    assert response["statusCode"] == 400
