"""The API under uvicorn, as API Gateway + ApiFunction would serve it, plus the static dashboard."""

import uvicorn
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from scripts.localcloud.template import ROOT

DASHBOARD = ROOT / "frontend" / "dashboard"


def build_app() -> FastAPI:
    """Reads Settings from os.environ, so call it after the stack's env is applied."""
    from minirag.api.app import create_app
    from minirag.bootstrap import build_services
    from minirag.config import Settings

    app = create_app(build_services(Settings()))
    if (DASHBOARD / "index.html").is_file():
        app.mount("/dashboard", StaticFiles(directory=DASHBOARD, html=True), name="dashboard")
    return app


def has_dashboard() -> bool:
    return (DASHBOARD / "index.html").is_file()


def serve(app: FastAPI, *, host: str, port: int) -> None:
    """Blocks until SIGINT/SIGTERM. No lifespan, as under Mangum (lifespan="off") in Lambda."""
    config = uvicorn.Config(app, host=host, port=port, log_level="info", lifespan="off")
    uvicorn.Server(config).run()
