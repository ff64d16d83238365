from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import StringConstraints
from starlette.concurrency import run_in_threadpool

from minirag.api.chat_schemas import (
    ChatAnswer,
    ChatPublic,
    ChatRequest,
    CitationPublic,
    MessagePublic,
    UsagePublic,
)
from minirag.api.deps import AnyPrincipalDep, PrincipalDep, ServicesDep
from minirag.api.paging import MAX_LIMIT, PagerDep, WholePagerDep
from minirag.api.schemas import RequestModel
from minirag.api.sse import encode, with_keepalive
from minirag.bootstrap import Services
from minirag.domain.chat import DoneEvent, ErrorEvent
from minirag.domain.errors import ModelError
from minirag.domain.models import Principal
from minirag.services.chat import PreparedTurn
from minirag.services.export import ExportFile

router = APIRouter(prefix="/v1/chat", tags=["chat"])

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@router.post("", response_model=ChatAnswer, responses={200: {"content": {"text/event-stream": {}}}})
async def chat(
    body: ChatRequest, services: ServicesDep, principal: AnyPrincipalDep
) -> ChatAnswer | StreamingResponse:
    turn = await run_in_threadpool(_prepare, services, principal, body)
    if body.stream:
        events = with_keepalive(services.chat.run(turn), services.settings.sse_keepalive_seconds)
        return StreamingResponse(
            (encode(e) for e in events), media_type="text/event-stream", headers=SSE_HEADERS
        )
    return await run_in_threadpool(_complete, services.chat.run(turn, stream=False))


def _prepare(services: Services, principal: Principal, body: ChatRequest) -> PreparedTurn:
    """One thread-pool hop for everything before the model."""
    if principal.kind == "widget":
        services.widget_keys.count_message(principal)
    origin = {"widget": f"widget:{principal.token_id}", "user": "dashboard"}.get(principal.kind, "api")
    return services.chat.prepare(
        principal,
        bot_id=body.bot_profile_id,
        text=body.message,
        chat_id=body.chat_id,
        source_ids=body.source_ids,
        origin=origin,
    )


def _complete(events: object) -> ChatAnswer:
    for event in events:  # type: ignore[attr-defined]
        if isinstance(event, ErrorEvent):
            raise _turn_failed(event)
        if isinstance(event, DoneEvent):
            return ChatAnswer(
                chat_id=event.chat_id,
                message=MessagePublic.of(event.message),
                sources=[CitationPublic.of(c) for c in event.message.sources],
                usage=UsagePublic.of(event.usage),
            )
    raise ModelError("the chat turn ended without an answer")


def _turn_failed(event: ErrorEvent) -> ModelError:
    """The 503 of a failed non-streamed turn names the chat (the question is stored in it) and what was
    kept of the answer."""
    fields = {"chat_id": event.chat_id}
    if event.message_id:
        fields["message_id"] = event.message_id
    if not event.message_id:
        kept = "the answer could not be stored"
    elif event.partial:
        kept = f"partial answer stored as message {event.message_id}"
    else:
        kept = f"nothing was generated; the failed turn is stored as message {event.message_id}"
    return ModelError(f"{event.detail} ({kept} in chat {event.chat_id})", fields=fields)


# The original MiniRAG answered CSV for "csv" and JSON for anything else; so do we.
ExportFormat = Annotated[str, Query(description="csv, or json (any other value is json)")]


def _download(file: ExportFile) -> Response:
    if file.download_url is not None:
        body = {"download_url": file.download_url, "filename": file.filename}
        return JSONResponse(body, status_code=303, headers={"Location": file.download_url})
    disposition = f'attachment; filename="{file.filename}"'
    return Response(file.body, media_type=file.content_type, headers={"Content-Disposition": disposition})


@router.get("/export", response_class=Response)
def export_chats(
    services: ServicesDep,
    principal: PrincipalDep,
    bot_profile_id: str | None = None,
    from_date: date | None = None,
    to_date: date | None = None,
    format: ExportFormat = "json",
    limit: Annotated[int | None, Query(ge=1, description="the newest chats only (at most 1000)")] = None,
) -> Response:
    file = services.export.tenant(
        principal,
        bot_id=bot_profile_id,
        from_date=from_date,
        to_date=to_date,
        fmt=_format(format),
        limit=limit,
    )
    return _download(file)


@router.get("/{chat_id}/export", response_class=Response)
def export_chat(
    chat_id: str, services: ServicesDep, principal: PrincipalDep, format: ExportFormat = "json"
) -> Response:
    return _download(services.export.one(principal, chat_id, _format(format)))


def _format(requested: str) -> str:
    return "csv" if requested == "csv" else "json"


@router.get("")
def list_chats(
    services: ServicesDep, principal: PrincipalDep, page: PagerDep, bot_profile_id: str | None = None
) -> list[ChatPublic]:
    """Newest first, paged in storage: `limit`, `offset` and `cursor` as on every bare-array list."""
    chats, next_cursor = services.chat.list_chats(
        principal,
        bot_id=bot_profile_id,
        limit=page.limit or MAX_LIMIT,
        cursor=page.cursor,
        offset=page.offset,
    )
    page.send_cursor(next_cursor)
    return [ChatPublic.of(c) for c in chats]


@router.get("/{chat_id}")
def get_chat(chat_id: str, services: ServicesDep, principal: PrincipalDep) -> ChatPublic:
    return ChatPublic.of(services.chat.get(principal, chat_id))


@router.get("/{chat_id}/messages")
def get_messages(
    chat_id: str, services: ServicesDep, principal: AnyPrincipalDep, page: WholePagerDep
) -> list[MessagePublic]:
    """Oldest first; the whole chat unless `limit` asks for a page."""
    return [MessagePublic.of(m) for m in page(services.chat.messages(principal, chat_id))]


class FeedbackRequest(RequestModel):
    feedback: Literal["positive", "negative"] | None
    comment: Annotated[str, StringConstraints(max_length=2000)] | None = None


@router.patch("/{chat_id}/messages/{message_id}/feedback")
def set_feedback(
    chat_id: str, message_id: str, body: FeedbackRequest, services: ServicesDep, principal: AnyPrincipalDep
) -> MessagePublic:
    return MessagePublic.of(
        services.chat.feedback(principal, chat_id, message_id, body.feedback, body.comment)
    )
