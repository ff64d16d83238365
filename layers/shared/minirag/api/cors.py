"""CORS for the widget routes: any site may ask (preflight), but only a widget key's own origins get answers.

The dashboard's origins come from settings (CORSMiddleware). A widget is embedded on customer sites that
settings cannot list, so for the three widget routes the preflight is answered for any origin, and the actual
response carries Access-Control-Allow-Origin only when the widget key allowed that origin (deps.py records it).
"""

import re

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

WIDGET_PATHS = re.compile(r"^/v1/chat(/[^/]+/messages(/[^/]+/feedback)?)?$")
_PREFLIGHT_HEADERS = [
    (b"access-control-allow-methods", b"GET, POST, PATCH"),
    (b"access-control-allow-headers", b"authorization, content-type"),
    (b"access-control-max-age", b"600"),
    (b"vary", b"Origin"),
]


class WidgetCorsMiddleware:
    def __init__(self, app: ASGIApp, *, dashboard_origins: list[str]) -> None:
        self.app = app
        self.dashboard_origins = dashboard_origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not WIDGET_PATHS.match(scope["path"]):
            await self.app(scope, receive, send)
            return
        origin = Headers(scope=scope).get("origin")
        if origin is None or "*" in self.dashboard_origins or origin in self.dashboard_origins:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            headers = [(b"access-control-allow-origin", origin.encode()), *_PREFLIGHT_HEADERS]
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        scope.setdefault("state", {})

        async def send_with_origin(message: Message) -> None:
            if message["type"] == "http.response.start" and scope["state"].get("widget_origin") == origin:
                headers = MutableHeaders(scope=message)
                headers["access-control-allow-origin"] = origin
                headers["vary"] = "Origin"
            await send(message)

        await self.app(scope, receive, send_with_origin)
