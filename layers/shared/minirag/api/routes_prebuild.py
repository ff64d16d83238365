"""Builds every route FastAPI would otherwise build on the first request that reaches its router.

FastAPI 0.16x resolves an included router's routes (their dependencies, request and response models) the
first time a request is matched through that router, and keeps them; in a fresh process the first chat
paid about 70 ms for it (py-spy: `_IncludedRouter.effective_candidates`), each router's first request
likewise. Long-lived processes (`make run`, the chat function, SnapStart's snapshot) call this at start-up,
so the first request of each kind costs what the next one does. Uses FastAPI's lazy-build methods when
they exist and does nothing on versions that build eagerly.
"""

from typing import Any

from fastapi import FastAPI


def prebuild_routes(app: FastAPI) -> int:
    """Returns how many included routers were built."""
    built = 0
    pending: list[Any] = list(app.router.routes)
    while pending:
        route = pending.pop()
        candidates = getattr(route, "effective_candidates", None)
        if not callable(candidates):
            continue
        pending.extend(candidates())
        low_priority = getattr(route, "effective_low_priority_routes", None)
        if callable(low_priority):
            low_priority()
        built += 1
    return built
