"""The official MCP SDK's client, pointed at a bot's endpoint over HTTP or through the Lambda handler."""

import asyncio
import base64
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio.to_thread
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

API_GATEWAY_HOST = "abcdef1234.execute-api.us-east-1.amazonaws.com"


def mcp_client(url: str, token: str, *, mode: str = "auto", transport: Any = None) -> Client:
    """`mode="legacy"` forces the initialize handshake; "auto" probes the stateless protocol first."""
    headers = {"Authorization": f"Bearer {token}"}
    if transport is None:
        http = create_mcp_http_client(headers=headers)
    else:
        http = httpx2.AsyncClient(headers=headers, transport=transport, timeout=60)
    return Client(streamable_http_client(url, http_client=http), mode=mode)  # type: ignore[arg-type]


class LambdaEventTransport(httpx2.AsyncBaseTransport):
    """Each HTTP request becomes an API Gateway REST proxy event for the Mangum handler, and its buffered
    answer the HTTP response: what the API function does behind API Gateway."""

    def __init__(self, handler: Callable[[dict[str, Any], Any], dict[str, Any]], context: Any) -> None:
        self._handler = handler
        self._context = context
        # One thread with its own event loop, as the Lambda runtime's: Mangum runs the app on that loop.
        self._runtime = ThreadPoolExecutor(
            1, initializer=lambda: asyncio.set_event_loop(asyncio.new_event_loop())
        )

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        body = await request.aread()
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        headers["Host"] = API_GATEWAY_HOST
        event = {
            "resource": "/{proxy+}",
            "path": request.url.path,
            "httpMethod": request.method,
            "headers": headers,
            "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "queryStringParameters": None,
            "multiValueQueryStringParameters": None,
            "pathParameters": {"proxy": request.url.path.lstrip("/")},
            "requestContext": {
                "resourcePath": "/{proxy+}",
                "httpMethod": request.method,
                "path": f"/dev{request.url.path}",
                "stage": "dev",
                "requestId": "mcp-test",
                "identity": {"sourceIp": "203.0.113.10"},
            },
            "body": body.decode() if body else None,
            "isBase64Encoded": False,
        }
        pending = self._runtime.submit(self._handler, event, self._context)
        answer = await anyio.to_thread.run_sync(pending.result)
        raw = answer.get("body") or ""
        content = base64.b64decode(raw) if answer.get("isBase64Encoded") else raw.encode()
        merged = dict(answer.get("headers") or {})
        for name, values in (answer.get("multiValueHeaders") or {}).items():
            merged[name] = values[-1]
        return httpx2.Response(answer["statusCode"], headers=merged, content=content, request=request)


def structured(result: Any) -> dict[str, Any]:
    """A tool result's structured content (its text content is for the model, this for the test)."""
    assert not result.is_error, result.content
    data: dict[str, Any] = result.structured_content or json.loads(result.content[0].text)
    return data
