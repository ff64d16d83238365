"""The wiring's warm-up loads what a first answer needs (LiteLLM with the default model, the offline
embedder's query session) and the health route shows it."""

import os
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from minirag.api.app import create_app
from minirag.bootstrap import build_services
from tests.conftest import make_settings


def _no_provider_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.endswith(("_API_KEY", "_API_TOKEN")):
            monkeypatch.delenv(name)


def test_the_wired_warmup_loads_the_chat_model_and_embedder_and_health_shows_it(
    aws_endpoint: str, aws_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_provider_keys(monkeypatch)
    services = build_services(make_settings(aws_endpoint, aws_env, tmp_path))
    assert services.warmup is not None and services.warmup.state == "idle"

    services.warmup.start(background=False)

    assert services.warmup.state == "ok"
    # the built-in default needs no LiteLLM, and with no provider key in the environment it is not loaded
    assert set(services.warmup.seconds) == {"chat model", "embedder"}
    with TestClient(create_app(services)) as client:
        health = client.get("/v1/system/health").json()
    assert health["status"] == "ok" and health["components"]["models"] == "ok"


def test_with_a_provider_key_in_the_environment_litellm_is_loaded_after_the_state_settles(
    aws_endpoint: str, aws_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_provider_keys(monkeypatch)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-warm-up-test")
    services = build_services(make_settings(aws_endpoint, aws_env, tmp_path))
    assert services.warmup is not None

    services.warmup.start(background=False)

    assert services.warmup.state == "ok"
    assert set(services.warmup.seconds) == {"chat model", "embedder", "litellm"}
    assert "litellm" in sys.modules
