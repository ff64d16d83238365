"""ASGI entry of the streaming chat function (run.sh): the same app as handler.py, served by uvicorn."""

from minirag.api.app import create_app
from minirag.bootstrap import build_services
from minirag.config import Settings

app = create_app(build_services(Settings()))
