"""A URL source on a private address is refused by default; a local instance says which setting opens it
up, a deployed one does not (bootstrap wires the hint from MINIRAG_ENV)."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from minirag.api.app import create_app
from minirag.bootstrap import Services, build_services
from tests.conftest import make_settings
from tests.support.api import signup
from tests.support.knowledge import make_bot


@pytest.mark.parametrize(
    ("env", "hinted"), [("local", True), ("test", True), ("dev", False), ("prod", False)]
)
def test_a_refused_private_url_names_the_setting_only_on_a_local_instance(
    services: Services, aws_endpoint: str, aws_env: dict[str, str], env: str, hinted: bool
) -> None:
    settings = make_settings(
        aws_endpoint,
        aws_env,
        services.settings.data_dir,
        env=env,
        allow_private_urls=False,
        jwt_secret=services.settings.jwt_secret,
        fernet_keys=services.settings.fernet_keys,
    )
    with TestClient(create_app(build_services(settings, clock=services.clock))) as client:
        tenant = signup(client)
        bot_id = make_bot(client, tenant)
        body: dict[str, Any] = {
            "bot_profile_id": bot_id,
            "name": "Intranet",
            "source_type": "url",
            "config": {"url": "http://127.0.0.1:8000/handbook"},
        }
        refused = client.post("/v1/sources", json=body, headers=tenant.headers)
        metadata = client.post(
            "/v1/sources",
            json={**body, "config": {"url": "http://169.254.169.254/latest/meta-data/"}},
            headers=tenant.headers,
        )
    assert refused.status_code == 422
    assert ("MINIRAG_ALLOW_PRIVATE_URLS" in refused.text) is hinted
    assert metadata.status_code == 422 and "MINIRAG_ALLOW_PRIVATE_URLS" not in metadata.text
