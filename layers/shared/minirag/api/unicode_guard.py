"""JSON bodies whose strings are not valid Unicode are a 422 before any route sees them.

JSON may spell a lone surrogate ("\\ud800x"); Python decodes it into a str that cannot be encoded as
UTF-8, so it fails later wherever text is stored, hashed or sent on: a 500 in the source routes, a 503 from
the store in the OpenAI-compatible route. A surrogate can only reach a JSON string as a \\u escape (raw
surrogate bytes are invalid UTF-8, a 400 already), so only bodies holding such an escape are decoded here.
"""

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_DETAIL = "the JSON body holds text that is not valid Unicode (an unpaired surrogate such as \\ud800)"


def holds_lone_surrogate(body: bytes) -> bool:
    if not _SURROGATE_ESCAPE.search(body):
        return False
    try:
        decoded = json.loads(body)
    except ValueError:
        return False  # malformed JSON: the route answers its usual 400
    try:
        json.dumps(decoded, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class UnicodeGuardMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        content_type = dict(scope.get("headers", [])).get(b"content-type", b"").lower()
        if content_type and b"json" not in content_type:  # FastAPI reads a body without one as JSON
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        while True:  # bodies are already capped by BodyLimitMiddleware, outside this one
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        if holds_lone_surrogate(b"".join(m.get("body", b"") for m in messages)):
            await _reject(send)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


async def _reject(send: Send) -> None:
    body = json.dumps({"detail": _DETAIL}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 422, "headers": headers})
    await send({"type": "http.response.body", "body": body})
