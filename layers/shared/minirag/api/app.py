"""FastAPI app factory: the same app serves Mangum (buffered) and Lambda Web Adapter (streaming)."""

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from minirag.api import errors
from minirag.api.cors import WidgetCorsMiddleware
from minirag.api.limits import BodyLimitMiddleware
from minirag.api.routers import (
    agent_keys,
    api_tokens,
    auth,
    bot_profiles,
    chat,
    curated,
    evaluations,
    gaps,
    health,
    knowledge,
    mcp,
    openai_compat,
    sources,
    stats,
    tenants,
    users,
    webhooks,
    widget_keys,
)
from minirag.api.schemas import ERROR_RESPONSES
from minirag.api.unicode_guard import UnicodeGuardMiddleware
from minirag.bootstrap import Services


def create_app(services: Services) -> FastAPI:
    app = FastAPI(title="MiniRAG", version="0.1.0", docs_url="/docs", redoc_url=None)
    app.state.services = services
    for module in (
        health,
        tenants,
        auth,
        api_tokens,
        users,
        bot_profiles,
        widget_keys,
        agent_keys,
        curated,
        gaps,
        evaluations,
        sources,
        knowledge,
        chat,
        openai_compat,
        mcp,
        webhooks,
        stats,
    ):
        app.include_router(module.router, responses=ERROR_RESPONSES)
    errors.install(app)
    origins = [o.strip() for o in services.settings.cors_origins.split(",") if o.strip()]
    app.add_middleware(UnicodeGuardMiddleware)  # innermost: its 422 still gets the CORS headers
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=["X-Next-Cursor", "Retry-After"],
    )
    app.add_middleware(WidgetCorsMiddleware, dashboard_origins=origins)
    app.add_middleware(BodyLimitMiddleware, max_bytes=services.settings.max_body_bytes)
    return app
