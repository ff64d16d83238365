"""The wiring's warm-up loads what a first answer needs (LiteLLM with the default model, the offline
embedder's query session) and the health route shows it."""

from pathlib import Path

from fastapi.testclient import TestClient

from minirag.api.app import create_app
from minirag.bootstrap import build_services
from tests.conftest import make_settings


def test_the_wired_warmup_loads_the_chat_model_and_embedder_and_health_shows_it(
    aws_endpoint: str, aws_env: dict[str, str], tmp_path: Path
) -> None:
    services = build_services(make_settings(aws_endpoint, aws_env, tmp_path))
    assert services.warmup is not None and services.warmup.state == "idle"

    services.warmup.start(background=False)

    assert services.warmup.state == "ok"
    assert set(services.warmup.seconds) == {"chat model", "embedder"}
    with TestClient(create_app(services)) as client:
        health = client.get("/v1/system/health").json()
    assert health["status"] == "ok" and health["components"]["models"] == "ok"
