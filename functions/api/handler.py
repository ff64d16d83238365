"""API Gateway REST -> Mangum -> the FastAPI app (buffered responses)."""

from typing import Any

from mangum import Mangum

from minirag.api.app import create_app
from minirag.bootstrap import Services, build_services
from minirag.config import Settings

_cached: Mangum | None = None


def make_handler(services: Services | None = None) -> Mangum:
    return Mangum(create_app(services or build_services(Settings())), lifespan="off")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _cached  # one app per warm container, built on the first invocation
    if _cached is None:
        _cached = make_handler()
    return _cached(event, context)
