"""The API under uvicorn, as API Gateway + ApiFunction would serve it, plus the static dashboard."""

import uvicorn
from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from scripts.localcloud.template import ROOT

DASHBOARD = ROOT / "frontend" / "dashboard"
WIDGET = ROOT / "frontend" / "widget"


def build_app() -> FastAPI:
    """Reads Settings from os.environ, so call it after the stack's env is applied."""
    from minirag.api.app import create_app
    from minirag.api.routes_prebuild import prebuild_routes
    from minirag.bootstrap import build_services
    from minirag.config import Settings

    settings = Settings()
    services = build_services(settings)
    app = create_app(services)
    if settings.warm_models:
        prebuild_routes(app)  # each router's first request would build its routes (70 ms for chat's)
        if services.warmup is not None:
            # health says models: loading until the first answer is warm
            services.warmup.start(background=True)
    return mount_frontend(app)


def mount_frontend(app: FastAPI) -> FastAPI:
    """The static dashboard at /dashboard/ and the widget script at /widget/, when they exist (as
    CloudFront serves them from S3 in AWS). The browser tests mount them the same way. The widget is also
    at /dashboard/widget/, where the original MiniRAG's embed snippets load it from (mounted first: the
    dashboard's mount would take the path otherwise)."""
    if (WIDGET / "minirag-widget.js").is_file():
        app.mount("/dashboard/widget", StaticFiles(directory=WIDGET), name="original-widget-path")
        app.mount("/widget", StaticFiles(directory=WIDGET), name="widget")
    if has_dashboard():
        app.mount("/dashboard", StaticFiles(directory=DASHBOARD, html=True), name="dashboard")
    if (DASHBOARD / "favicon.ico").is_file():
        # In AWS the dashboard is the bucket's root, so /favicon.ico is its file: the same here.
        app.add_api_route("/favicon.ico", _favicon, include_in_schema=False)
    return app


def _favicon() -> FileResponse:
    return FileResponse(DASHBOARD / "favicon.ico", media_type="image/x-icon")


def has_dashboard() -> bool:
    return (DASHBOARD / "index.html").is_file()


def server_config(app: FastAPI, *, host: str, port: int, log_level: str = "info") -> uvicorn.Config:
    """No lifespan, as under Mangum (lifespan="off") in Lambda. No proxy headers: nothing stands in front
    of this server, so X-Forwarded-For is whatever the client wrote, and trusting it (uvicorn trusts it from
    127.0.0.1 by default) would let any local client choose its IP for the per-IP sign-up and login limits.
    HTTP is parsed by httptools on uvloop (both in the lock; uvicorn's "auto" picks them): 10% less CPU a
    read than h11 on asyncio's loop (benchmarks/RESULTS.md, side-by-side notes)."""
    return uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="off", proxy_headers=False)


def serve(app: FastAPI, *, host: str, port: int) -> None:
    """Blocks until SIGINT/SIGTERM."""
    uvicorn.Server(server_config(app, host=host, port=port)).run()
