"""Chat export as JSON or spreadsheet-safe CSV; large exports go to S3 behind a presigned link.

The shapes are the original MiniRAG's, so its clients read them unchanged: one chat is `{chat, messages,
exported_at}` and a CSV of its messages; many chats are `{chats: [{chat, messages}], exported_at}` (newest
chat first) and a CSV with the chat's id and title in front. UTF-8 without a byte-order mark, as the
original wrote. Messages carry our `sources` and `error` beside the original's fields."""

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from minirag.domain.chat import Chat, Message
from minirag.domain.errors import UnprocessableError
from minirag.domain.ids import new_id
from minirag.domain.models import Principal
from minirag.ports import BlobStore, ChatRepository, Clock
from minirag.services.chat import ChatService

MESSAGE_COLUMNS = (
    "message_id",
    "role",
    "content",
    "feedback",
    "prompt_tokens",
    "completion_tokens",
    "created_at",
)
CSV_COLUMNS = ("chat_id", "chat_title", *MESSAGE_COLUMNS)
MAX_EXPORT_CHATS = 1000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    body: bytes | None = None
    download_url: str | None = None  # set instead of body when the file is larger than the inline limit


def safe_cell(value: Any) -> Any:
    """A cell a spreadsheet would run as a formula is prefixed with ' (OWASP CSV injection guidance)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _message_json(m: Message) -> dict[str, Any]:
    return {
        "id": m.id,
        "chat_id": m.chat_id,
        "role": m.role,
        "content": m.content,
        "sources": [c.as_dict() for c in m.sources],
        "prompt_tokens": m.prompt_tokens,
        "completion_tokens": m.completion_tokens,
        "feedback": m.feedback,
        "error": m.error,
        "created_at": m.created_at.isoformat(),
    }


def _chat_json(c: Chat) -> dict[str, Any]:
    return {
        "id": c.id,
        "tenant_id": c.tenant_id,
        "bot_profile_id": c.bot_profile_id,
        "title": c.title,
        "message_count": c.message_count,
        "total_prompt_tokens": c.total_prompt_tokens,
        "total_completion_tokens": c.total_completion_tokens,
        "created_at": c.created_at.isoformat(),
        "updated_at": c.updated_at.isoformat(),
    }


class ExportService:
    def __init__(
        self,
        *,
        chats: ChatRepository,
        chat: ChatService,
        blobs: BlobStore,
        clock: Clock,
        inline_limit_bytes: int,
    ) -> None:
        self._chats = chats
        self._chat = chat
        self._blobs = blobs
        self._clock = clock
        self._inline_limit = inline_limit_bytes

    def tenant(
        self,
        principal: Principal,
        *,
        bot_id: str | None,
        from_date: date | None,
        to_date: date | None,
        fmt: str,
        limit: int | None = None,
    ) -> ExportFile:
        """Newest chat first, as the original; `limit` (the original's, at most 1000) keeps the newest ones."""
        if from_date and to_date and from_date > to_date:
            raise UnprocessableError("from_date is after to_date")
        chosen = [c for c in self._all_chats(principal, bot_id) if _within(c, from_date, to_date)]
        if limit is not None:
            chosen = chosen[: min(limit, MAX_EXPORT_CHATS)]
        pairs = [(c, self._chats.messages(tenant_id=principal.tenant_id, chat_id=c.id)) for c in chosen]
        if fmt == "csv":
            return self._file(principal, _csv(pairs), "csv", "chats_export")
        exported = {
            "chats": [{"chat": _chat_json(c), "messages": [_message_json(m) for m in ms]} for c, ms in pairs],
            "exported_at": self._clock.now().isoformat(),
        }
        return self._file(principal, _json(exported), "json", "chats_export")

    def one(self, principal: Principal, chat_id: str, fmt: str) -> ExportFile:
        """One ownership check reads the chat; its messages then come straight from the repository
        (ChatService.messages would read the chat a second time)."""
        chat = self._chat.get(principal, chat_id)
        messages = self._chats.messages(tenant_id=principal.tenant_id, chat_id=chat.id)
        if fmt == "csv":
            rows = [_message_row(m) for m in messages]
            return self._file(principal, _csv_file(MESSAGE_COLUMNS, rows), "csv", f"chat_{chat.id}")
        exported = {
            "chat": _chat_json(chat),
            "messages": [_message_json(m) for m in messages],
            "exported_at": self._clock.now().isoformat(),
        }
        return self._file(principal, _json(exported), "json", f"chat_{chat.id}")

    def _all_chats(self, principal: Principal, bot_id: str | None) -> list[Chat]:
        chats: list[Chat] = []
        start = None
        while True:
            page = self._chats.list_page(tenant_id=principal.tenant_id, bot_id=bot_id, limit=200, start=start)
            chats.extend(page.items)
            if not page.last_key:
                return chats
            start = page.last_key

    def _file(self, principal: Principal, body: bytes, fmt: str, stem: str) -> ExportFile:
        content_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
        filename = f"{stem}.{fmt}"
        if len(body) <= self._inline_limit:
            return ExportFile(filename, content_type, body=body)
        key = f"exports/{principal.tenant_id}/{new_id()}/{filename}"
        self._blobs.put(key, body, content_type)
        url = self._blobs.presign_get(key, expires_seconds=900, filename=filename)
        return ExportFile(filename, content_type, download_url=url)


def _within(chat: Chat, first: date | None, last: date | None) -> bool:
    day = chat.created_at.date()
    return (first is None or day >= first) and (last is None or day <= last)


def _json(exported: dict[str, Any]) -> bytes:
    return json.dumps(exported, ensure_ascii=False).encode()


def _message_row(m: Message) -> tuple[Any, ...]:
    return (
        m.id,
        m.role,
        m.content,
        m.feedback or "",
        m.prompt_tokens,
        m.completion_tokens,
        m.created_at.isoformat(),
    )


def _csv(pairs: list[tuple[Chat, list[Message]]]) -> bytes:
    rows = [(chat.id, chat.title, *_message_row(m)) for chat, messages in pairs for m in messages]
    return _csv_file(CSV_COLUMNS, rows)


def _csv_file(columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue().encode("utf-8")
