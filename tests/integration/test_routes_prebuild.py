"""Every router's routes are built at start-up, so no request pays for FastAPI's lazy build."""

import fastapi.routing
import pytest
from fastapi.testclient import TestClient

from minirag.api.app import create_app
from minirag.api.routes_prebuild import prebuild_routes
from minirag.bootstrap import Services


def _lazy_build_forbidden(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a route was built on a request")

    monkeypatch.setattr(fastapi.routing._IncludedRouter, "_build_effective_context", refuse)


def test_after_the_prebuild_no_request_builds_a_route(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(services)

    built = prebuild_routes(app)

    assert built >= 16  # one per router module of the API
    _lazy_build_forbidden(monkeypatch)
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        assert client.get("/v1/bot-profiles").status_code == 401  # reaches the router, then its auth
        assert client.post("/v1/chat", json={}).status_code in (401, 422)


def test_without_it_the_first_request_builds_its_router(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard above can fail: a fresh app still builds lazily on this FastAPI."""
    app = create_app(services)
    _lazy_build_forbidden(monkeypatch)
    with (
        TestClient(app, raise_server_exceptions=True) as client,
        pytest.raises(AssertionError, match="built"),
    ):
        client.get("/v1/bot-profiles")
