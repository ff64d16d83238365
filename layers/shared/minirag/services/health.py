"""System health: each component answers ok or down; no secrets, no counts."""

from collections.abc import Callable
from typing import Any

from minirag.domain.errors import MiniRAGError
from minirag.services.warmup import ModelWarmup


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
