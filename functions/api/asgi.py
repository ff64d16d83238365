"""ASGI entry of the streaming chat function (run.sh): the same app as handler.py, served by uvicorn."""

from minirag.api.app import create_app
from minirag.api.routes_prebuild import prebuild_routes
from minirag.bootstrap import build_services
from minirag.config import Settings

_settings = Settings()
_services = build_services(_settings)
if _settings.warm_models and _services.warmup is not None:
    _services.warmup.start(background=False)  # in the init phase, so the first chat is as fast as the next
app = create_app(_services)
if _settings.warm_models:
    prebuild_routes(app)  # also in the init phase: each router's first request would build its routes
