"""The API under uvicorn, as API Gateway + ApiFunction would serve it, plus the static dashboard."""

import uvicorn
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from scripts.localcloud.template import ROOT

DASHBOARD = ROOT / "frontend" / "dashboard"
WIDGET = ROOT / "frontend" / "widget"


def build_app() -> FastAPI:
    """Reads Settings from os.environ, so call it after the stack's env is applied."""
    from minirag.api.app import create_app
    from minirag.bootstrap import build_services
    from minirag.config import Settings

    return mount_frontend(create_app(build_services(Settings())))


def mount_frontend(app: FastAPI) -> FastAPI:
    """The static dashboard at /dashboard/ and the widget script at /widget/, when they exist (as
    CloudFront serves them from S3 in AWS). The browser tests mount them the same way."""
    if has_dashboard():
        app.mount("/dashboard", StaticFiles(directory=DASHBOARD, html=True), name="dashboard")
    if (WIDGET / "minirag-widget.js").is_file():
        app.mount("/widget", StaticFiles(directory=WIDGET), name="widget")
    return app


def has_dashboard() -> bool:
    return (DASHBOARD / "index.html").is_file()


def serve(app: FastAPI, *, host: str, port: int) -> None:
    """Blocks until SIGINT/SIGTERM. No lifespan, as under Mangum (lifespan="off") in Lambda."""
    config = uvicorn.Config(app, host=host, port=port, log_level="info", lifespan="off")
    uvicorn.Server(config).run()
