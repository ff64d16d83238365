"""A bot's MCP server (official `mcp` SDK): streamable HTTP, stateless, JSON responses.

Imported on the first MCP request only (routers/mcp.py): the SDK is not part of any cold start. Each
request gets a fresh stateless transport, so nothing outlives the Lambda invocation that serves it and
no response needs a long-lived SSE stream (API Gateway REST with Mangum buffers). The route has already
authenticated the caller and checked the bot; the handlers read both from the ASGI scope."""

import functools
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

import anyio.to_thread
import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.shared.exceptions import MCPError
from mcp_types.jsonrpc import INTERNAL_ERROR, INVALID_PARAMS, INVALID_REQUEST
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.types import Message, Receive, Scope, Send

from minirag.bootstrap import Services
from minirag.domain.errors import MiniRAGError
from minirag.domain.knowledge import Source
from minirag.domain.models import Principal
from minirag.services.knowledge import Passage

SCOPE_KEY = "minirag.mcp"
log = logging.getLogger("minirag.api")
# Each request starts and stops a session manager, which the SDK logs at INFO: two lines of noise a call.
logging.getLogger("mcp.server.streamable_http_manager").setLevel(logging.WARNING)
RESOURCE_NOT_FOUND = -32002


@dataclass(frozen=True)
class McpCall:
    """Who asks which bot: set by the route, read by every handler of the request."""

    services: Services
    principal: Principal
    bot_id: str


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SearchArgs(_Args):
    query: str = Field(min_length=1, max_length=4000, description="what to look for, in plain words")
    top_k: int | None = Field(None, ge=1, le=50, description="how many passages (default: the bot's top_k)")
    source_ids: list[str] | None = Field(
        None, max_length=100, description="only these sources (list_sources)"
    )


class AskArgs(_Args):
    question: str = Field(min_length=1, max_length=32000, description="the question, as a user would ask it")
    chat_id: str | None = Field(None, description="continue this chat (from an earlier answer)")


class NoArgs(_Args):
    pass


_TOOLS: dict[str, tuple[type[_Args], str]] = {
    "search_knowledge": (
        SearchArgs,
        "Search the bot's knowledge base. Returns ranked passages (text, source, heading path, score), "
        "the same ones the bot would cite when answering.",
    ),
    "ask": (AskArgs, "Ask the bot. Returns its answer, which cites passages as [n], and those passages."),
    "list_sources": (NoArgs, "List the bot's knowledge sources: id, name, type, status and counts."),
}


def _guarded[**P, R](handler: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """What the REST routes answer "internal error" for (a bug, an unmapped store or vector error) is a
    JSON-RPC internal error here, logged: in the handshake protocol the SDK would otherwise send the
    exception's own text to the client (the per-request protocol already hides it)."""

    @functools.wraps(handler)
    async def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await handler(*args, **kwargs)
        except MCPError:
            raise
        except Exception as exc:
            log.exception("unhandled error in an MCP handler", exc_info=exc)
            raise MCPError(INTERNAL_ERROR, "internal error") from None

    return guarded


def _call(ctx: Any) -> McpCall:
    call: McpCall = ctx.request.scope[SCOPE_KEY]
    return call


@_guarded
async def _list_tools(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
    read_only = types.ToolAnnotations(read_only_hint=True, open_world_hint=False)
    return types.ListToolsResult(
        tools=[
            types.Tool(
                name=name,
                description=description,
                input_schema=model.model_json_schema(),
                annotations=read_only if name != "ask" else None,
            )
            for name, (model, description) in _TOOLS.items()
        ]
    )


@_guarded
async def _call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
    """Tool failures (bad arguments, a refused key, a model down) are results with isError, as the
    protocol asks, so the agent reads the reason; they never become an HTTP 500."""
    call = _call(ctx)
    if params.name not in _TOOLS:
        return _failed(f"unknown tool {params.name!r}; the tools are {', '.join(_TOOLS)}")
    model, _ = _TOOLS[params.name]
    try:
        args = model.model_validate(params.arguments or {})
        text, structured = await anyio.to_thread.run_sync(_run, call, params.name, args)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors()
        )
        return _failed(f"invalid arguments: {problems}")
    except MiniRAGError as exc:
        return _failed(exc.detail)
    return types.CallToolResult(content=[types.TextContent(text=text)], structured_content=structured)


def _failed(detail: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=detail)], is_error=True)


def _run(call: McpCall, name: str, args: _Args) -> tuple[str, dict[str, Any]]:
    knowledge, principal, bot_id = call.services.knowledge, call.principal, call.bot_id
    if isinstance(args, SearchArgs):
        passages = knowledge.retrieve(
            principal, bot_id, args.query, top_k=args.top_k, source_ids=args.source_ids
        )
        return _passages_text(passages), {"passages": [asdict(p) for p in passages]}
    if isinstance(args, AskArgs):
        answer = knowledge.ask(principal, bot_id, args.question, chat_id=args.chat_id)
        cited = "\n".join(f"[{c['n']}] {c['source_name']}: {c['content']}" for c in answer.passages)
        text = f"{answer.text}\n\nSources:\n{cited}" if cited else answer.text
        return text, asdict(answer)
    sources = [_source_dict(s, bot_id) for s in knowledge.sources(principal, bot_id)]
    return json.dumps(sources, indent=1), {"sources": sources}


def _passages_text(passages: list[Passage]) -> str:
    if not passages:
        return "No passage of the knowledge base matches."
    blocks = []
    for p in passages:
        where = " > ".join([p.source_name, *p.heading_path])
        blocks.append(
            f"[{p.n}] {where} (score {p.score}, source {p.source_id}, chunk {p.chunk_id})\n{p.text}"
        )
    return "\n\n".join(blocks)


def source_uri(bot_id: str, source_id: str) -> str:
    return f"minirag://bots/{bot_id}/sources/{source_id}"


def _source_dict(source: Source, bot_id: str) -> dict[str, Any]:
    """A source's metadata: no content, no configuration (a remote source's config names its service)."""
    return {
        "id": source.id,
        "uri": source_uri(bot_id, source.id),
        "name": source.name,
        "description": source.description or "",
        "source_type": str(source.source_type),
        "status": str(source.status),
        "document_count": source.document_count,
        "chunk_count": source.chunk_count,
        "children_count": source.children_count,
        "last_refreshed_at": source.last_refreshed_at.isoformat() if source.last_refreshed_at else None,
        "created_at": source.created_at.isoformat(),
        "updated_at": source.updated_at.isoformat(),
    }


@_guarded
async def _list_resources(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListResourcesResult:
    call = _call(ctx)
    try:
        sources = await anyio.to_thread.run_sync(call.services.knowledge.sources, call.principal, call.bot_id)
    except MiniRAGError as exc:
        raise MCPError(INVALID_PARAMS, exc.detail) from None
    return types.ListResourcesResult(
        resources=[
            types.Resource(
                uri=source_uri(call.bot_id, s.id),
                name=s.name,
                description=s.description or f"{s.source_type} source, {s.status}",
                mime_type="application/json",
            )
            for s in sources
        ]
    )


@_guarded
async def _read_resource(ctx: Any, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
    call = _call(ctx)
    prefix = source_uri(call.bot_id, "")
    uri = str(params.uri)
    if not uri.startswith(prefix) or "/" in uri[len(prefix) :]:
        raise MCPError(RESOURCE_NOT_FOUND, f"no resource {uri[:300]!r}: this bot's are {prefix}<source id>")
    try:
        source = await anyio.to_thread.run_sync(
            call.services.knowledge.source, call.principal, call.bot_id, uri[len(prefix) :]
        )
    except MiniRAGError as exc:
        raise MCPError(RESOURCE_NOT_FOUND, exc.detail) from None
    text = json.dumps(_source_dict(source, call.bot_id), indent=1)
    return types.ReadResourceResult(
        contents=[types.TextResourceContents(uri=uri, mime_type="application/json", text=text)]
    )


def build_server() -> Server[Any]:
    return Server(
        "minirag",
        version="1",
        instructions=(
            "A MiniRAG bot's knowledge base. search_knowledge returns the passages the bot would cite; "
            "ask returns the bot's own cited answer; list_sources and the resources describe its sources."
        ),
        on_list_tools=_list_tools,
        on_call_tool=_call_tool,
        on_list_resources=_list_resources,
        on_read_resource=_read_resource,
    )


async def serve(call: McpCall, scope: Scope, receive: Receive, send: Send) -> None:
    """One MCP request on a fresh stateless transport, answered with one JSON body."""
    manager = StreamableHTTPSessionManager(app=build_server(), stateless=True, json_response=True)
    async with manager.run():
        await manager.handle_request({**scope, SCOPE_KEY: call}, receive, _plain_rejections(send))


_NOT_JSON_RPC = "Body must be a single JSON-RPC request or notification object"


def _plain_rejections(send: Send) -> Send:
    """The handshake transport answers JSON that is no JSON-RPC message with pydantic's own report (the
    library's version, its docs' URLs, the input echoed back); this says what the per-request transport
    says instead. Only 400 answers are held and read; every other response passes untouched."""
    held: Message | None = None
    parts: list[bytes] = []

    async def sending(message: Message) -> None:
        nonlocal held
        if message["type"] == "http.response.start" and message["status"] == 400:
            held = message
            return
        if held is None or message["type"] != "http.response.body":
            await send(message)
            return
        parts.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        start, body = held, _reworded(b"".join(parts))
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return sending


def _reworded(body: bytes) -> bytes:
    try:
        answer = json.loads(body)
        validation = str(answer["error"]["message"]).startswith("Validation error:")
    except (ValueError, KeyError, TypeError):
        return body
    if not validation:
        return body
    answer["error"] = {"code": INVALID_REQUEST, "message": _NOT_JSON_RPC}
    return json.dumps(answer).encode()
