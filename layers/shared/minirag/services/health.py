"""System health: each component answers ok or down; no secrets, no counts."""

from collections.abc import Callable
from typing import Any

from minirag.domain.errors import MiniRAGError
from minirag.services.warmup import ModelWarmup

# The original MiniRAG's health named its three backing services, and its clients read those keys (its
# dashboard's service cards: `postgres.status == "ok"`). Each is answered by our component doing that job.
ORIGINAL_COMPONENTS = {"postgres": "dynamodb", "qdrant": "vectors", "redis": "queue"}


def with_original_keys(report: dict[str, object]) -> dict[str, object]:
    """The report plus the original's `{postgres|qdrant|redis: {status: ok|error, detail, component}}`."""
    components = report.get("components")
    if not isinstance(components, dict):
        return report
    extra: dict[str, object] = {}
    for key, ours in ORIGINAL_COMPONENTS.items():
        if (state := components.get(ours)) is not None:
            detail = None if state == "ok" else f"{ours} is {state}"
            extra[key] = {"status": "ok" if state == "ok" else "error", "detail": detail, "component": ours}
    return {**report, **extra}


class HealthService:
    def __init__(
        self,
        *,
        checks: dict[str, Callable[[], None]],
        depths: Callable[[], dict[str, Any]] | None = None,
        models: ModelWarmup | None = None,
    ) -> None:
        self._checks = checks
        self._depths = depths
        self._models = models

    def queue_depths(self) -> dict[str, Any]:
        return self._depths() if self._depths else {}

    def check(self) -> dict[str, object]:
        components: dict[str, str] = {}
        for name, probe in self._checks.items():
            try:
                probe()
                components[name] = "ok"
            except (MiniRAGError, OSError, RuntimeError):
                components[name] = "down"
        if self._models is not None and self._models.state != "idle":
            components["models"] = self._models.state  # loading, ok, or down (they load on first use)
        if any(v == "down" for v in components.values()):
            status = "degraded"
        else:
            status = "loading" if "loading" in components.values() else "ok"
        return {"status": status, "components": components}
