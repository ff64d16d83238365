"""EventBridge Scheduler (rate 15 minutes) -> services.refresh: queue the sources that are due."""

from dataclasses import asdict
from typing import Any

from minirag.bootstrap import Services, build_services
from minirag.config import Settings

_services: Services | None = None


def make_handler(services: Services) -> Any:
    def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
        return asdict(services.refresh.run())

    return handler


def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    global _services  # built once per warm container
    if _services is None:
        _services = build_services(Settings())
    result: dict[str, int] = make_handler(_services)(event, context)
    return result
