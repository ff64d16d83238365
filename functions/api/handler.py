"""API Gateway REST -> Mangum -> the FastAPI app (buffered responses)."""

from collections.abc import Callable
from typing import Any

from mangum import Mangum

from minirag.api.app import create_app
from minirag.api.routes_prebuild import prebuild_routes
from minirag.bootstrap import Services, build_services
from minirag.config import Settings

try:  # provided by the Lambda runtime when SnapStart is on (ApiSnapStart=PublishedVersions)
    from snapshot_restore_py import register_before_snapshot
except ImportError:  # locally and without SnapStart

    def register_before_snapshot(hook: Callable[[], None]) -> Callable[[], None]:
        return hook


_cached: Mangum | None = None


def make_handler(services: Services | None = None) -> Mangum:
    return Mangum(create_app(services or build_services(Settings())), lifespan="off")


@register_before_snapshot
def _warm() -> None:
    """Build the app before the snapshot, so restored environments answer without wiring anything."""
    global _cached
    if _cached is None:
        _cached = make_handler()
        # The snapshot also holds every router's routes built (FastAPI builds them on first use otherwise).
        prebuild_routes(_cached.app)  # type: ignore[arg-type]


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _cached  # one app per warm container, built on the first invocation
    if _cached is None:
        _cached = make_handler()
    return _cached(event, context)
