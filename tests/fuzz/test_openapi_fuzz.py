"""schemathesis against the app's own OpenAPI schema, in process, authenticated as a tenant owner.

Every operation: no 5xx, and responses conform to the schema. Fixed seed, bounded examples, so the run is
the same every time and stays quick.
"""

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from minirag.api.app import create_app
from tests.conftest import build_services, make_settings, provision_once
from tests.support.api import PASSWORD

_app_and_token: dict[str, object] = {}


def _app() -> object:
    if not _app_and_token:
        services = build_services(make_settings(*provision_once()))
        app = create_app(services)
        from fastapi.testclient import TestClient

        client = TestClient(app)
        body = {
            "tenant_name": "Fuzz",
            "tenant_slug": "fuzz-tenant",
            "owner_email": "fuzz@example.com",
            "owner_password": PASSWORD,
        }
        signup = client.post("/v1/tenants", json=body).json()
        bot = client.post(
            "/v1/bot-profiles",
            json={"name": "fuzz"},
            headers={"Authorization": f"Bearer {signup['api_token']}"},
        ).json()
        _app_and_token.update(app=app, token=signup["api_token"], bot=bot["id"])
    return _app_and_token["app"]


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@schema.parametrize()
@settings(
    max_examples=12,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
def test_no_server_errors_and_schema_conformance(case: schemathesis.Case) -> None:
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {_app_and_token['token']}"}
    response = case.call()
    case.validate_response(response, checks=[checks.not_a_server_error, checks.response_schema_conformance])
