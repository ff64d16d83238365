"""CORS for the widget routes: any site may ask (preflight), but only a widget key's own origins get answers.

The dashboard's origins come from settings (CORSMiddleware). A widget is embedded on customer sites that
settings cannot list, so for the widget routes the preflight is answered for any origin, and the actual
response carries Access-Control-Allow-Origin only when the widget key allowed that origin (deps.py records it).
A request made with a widget key is judged by the key alone, even when the dashboard's origins are `*`:
CORSMiddleware's `Access-Control-Allow-Origin: *` is taken off its answers (a 403 included), except a 401
for a key that does not exist (the widget shows that error; it tells a page nothing).
"""

import re

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from minirag.services.widget_keys import WIDGET_KEY_PREFIX

WIDGET_PATHS = re.compile(
    r"^/v1/(chat(/[^/]+/messages(/[^/]+/feedback)?)?|bot-profiles/[^/]+/widget-settings)$"
)
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
        request_headers = Headers(scope=scope)
        origin = request_headers.get("origin")
        credential = request_headers.get("authorization", "").split(" ", 1)[-1].strip()
        widget_key = credential.startswith(WIDGET_KEY_PREFIX)
        listed = "*" in self.dashboard_origins or origin in self.dashboard_origins
        if origin is None or (listed and not widget_key):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            headers = [(b"access-control-allow-origin", origin.encode()), *_PREFLIGHT_HEADERS]
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        scope.setdefault("state", {})

        async def send_with_origin(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer = MutableHeaders(scope=message)
                if scope["state"].get("widget_origin") == origin:
                    answer["access-control-allow-origin"] = origin
                    answer["vary"] = "Origin"
                elif message["status"] != 401:  # a key that is no key reveals nothing; a real key's
                    for name in ("access-control-allow-origin", "access-control-allow-credentials"):
                        if name in answer:  # answers are for its own origins only
                            del answer[name]
            await send(message)

        await self.app(scope, receive, send_with_origin)
