"""System health: each component answers ok or down; no secrets, no counts."""

from collections.abc import Callable
from typing import Any

from minirag.domain.errors import MiniRAGError


class HealthService:
    def __init__(
        self, *, checks: dict[str, Callable[[], None]], depths: Callable[[], dict[str, Any]] | None = None
    ) -> None:
        self._checks = checks
        self._depths = depths

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
        status = "ok" if all(v == "ok" for v in components.values()) else "degraded"
        return {"status": status, "components": components}
