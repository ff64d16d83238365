"""A bot's MCP endpoint (streamable HTTP, stateless, JSON responses; docs/agents.md).

The route authenticates and checks the bot like every other route (401, 403 for a widget key or another
bot's agent key, 404 for a bot that is not the caller's), then hands the untouched request to the MCP
SDK, imported here on the first MCP request so it never weighs on a cold start."""

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from minirag.api.deps import ReaderPrincipalDep, ServicesDep
from minirag.bootstrap import Services
from minirag.domain.models import Principal

router = APIRouter(prefix="/v1/mcp", tags=["mcp"])

_JSON_RPC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "a JSON-RPC 2.0 message of the Model Context Protocol",
                    "properties": {
                        "jsonrpc": {"type": "string", "enum": ["2.0"]},
                        "id": {"type": ["string", "integer"]},
                        "method": {"type": "string"},
                        "params": {"type": "object"},
                    },
                    "required": ["jsonrpc", "method"],
                }
            }
        },
    },
    "responses": {"200": {"description": "the JSON-RPC response", "content": {"application/json": {}}}},
}


class _McpResponse(Response):
    """Answers with the MCP server: the request body is still unread when this runs."""

    def __init__(self, services: Services, principal: Principal, bot_id: str) -> None:
        super().__init__()
        self._call = (services, principal, bot_id)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            from minirag.api.mcp_server import McpCall, serve
        except ImportError:  # a function packaged without the SDK (deployed, only the chat image has it)
            detail = "the MCP server is not installed in this function"
            busy = JSONResponse({"detail": detail}, status_code=503, headers={"Retry-After": "30"})
            await busy(scope, receive, send)
            return
        await serve(McpCall(*self._call), scope, receive, send)


@router.post("/{bot_id}", response_class=Response, openapi_extra=_JSON_RPC)
def mcp_endpoint(bot_id: str, services: ServicesDep, principal: ReaderPrincipalDep) -> Response:
    """The bot's MCP server: tools search_knowledge, ask, list_sources; a resource per source. Send
    `Accept: application/json, text/event-stream`. Any role's token or login, or an agent key of this bot."""
    services.knowledge.bot(principal, bot_id)
    return _McpResponse(services, principal, bot_id)
