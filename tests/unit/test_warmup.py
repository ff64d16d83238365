"""Model warm-up: health says `models: loading` while the loaders run, then ok, or down when one failed."""

import threading

from minirag.services.health import HealthService
from minirag.services.warmup import ModelWarmup


def _health(warmup: ModelWarmup) -> HealthService:
    return HealthService(checks={"dynamodb": lambda: None}, models=warmup)


def test_health_reports_models_loading_until_every_loader_has_run() -> None:
    release, loaded = threading.Event(), []
    warmup = ModelWarmup({"embedder": lambda: release.wait(10), "chat model": lambda: loaded.append(1)})
    health = _health(warmup)
    assert health.check() == {"status": "ok", "components": {"dynamodb": "ok"}}, "not started: not shown"

    warmup.start(background=True)
    assert health.check() == {"status": "loading", "components": {"dynamodb": "ok", "models": "loading"}}

    release.set()
    for thread in threading.enumerate():
        if thread.name == "model-warmup":
            thread.join(10)
    assert health.check() == {"status": "ok", "components": {"dynamodb": "ok", "models": "ok"}}
    assert loaded == [1] and set(warmup.seconds) == {"embedder", "chat model"}


def test_a_failing_loader_is_reported_and_the_others_still_load() -> None:
    loaded: list[str] = []

    def broken() -> None:
        raise RuntimeError("model files missing")

    warmup = ModelWarmup({"embedder": broken, "chat model": lambda: loaded.append("chat")})
    warmup.start(background=False)
    warmup.start(background=False)  # once only

    assert loaded == ["chat"]
    assert _health(warmup).check() == {
        "status": "degraded",
        "components": {"dynamodb": "ok", "models": "down"},
    }


def test_wait_blocks_until_the_loaders_and_the_later_ones_are_done() -> None:
    """make run joins the warm-up before the interpreter exits: a daemon thread inside onnxruntime at
    finalisation aborted the process (exit -6) in test_localcloud's SIGTERM case."""
    release, order = threading.Event(), []
    warmup = ModelWarmup(
        {"embedder": lambda: order.append("embedder")},
        later={"litellm": lambda: (release.wait(10), order.append("litellm"))},
    )
    assert warmup.wait(0.01), "never started: nothing to wait for"

    warmup.start(background=True)
    assert not warmup.wait(0.05), "still loading the later step"
    assert warmup.state == "ok", "the later steps do not hold the state"

    release.set()
    assert warmup.wait(10)
    assert order == ["embedder", "litellm"]
