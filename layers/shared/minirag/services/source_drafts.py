"""Turning what a client sent into a valid, unsaved source, and storing a text source's content."""

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Protocol

from minirag.domain.errors import UnprocessableError, UnresolvedHostError
from minirag.domain.ids import new_id
from minirag.domain.knowledge import RefreshSchedule, Source, SourceType
from minirag.domain.models import Principal
from minirag.domain.remote import REMOTE_SEARCH_TYPES
from minirag.ports import BlobStore, BotRepository, Clock
from minirag.services.remote_config import prepare_config

_REFRESHABLE = {SourceType.URL, SourceType.SITEMAP}


class UrlChecker(Protocol):
    """The outbound-URL policy, as the services see it."""

    def check_url(self, url: str) -> None: ...


@dataclass(frozen=True)
class SourceDraft:
    bot_profile_id: str
    name: str
    source_type: SourceType
    content: str | None = None
    config: dict[str, Any] | None = None
    parent_id: str | None = None
    refresh_schedule: RefreshSchedule = RefreshSchedule.NONE
    description: str | None = None


def content_key(tenant_id: str, source_id: str, filename: str = "content.txt") -> str:
    return f"tenants/{tenant_id}/sources/{source_id}/{filename}"


def check_schedule(source_type: SourceType, schedule: RefreshSchedule) -> None:
    if schedule != RefreshSchedule.NONE and source_type not in _REFRESHABLE:
        raise UnprocessableError("only url and sitemap sources can refresh on a schedule")


class SourceBuilder:
    def __init__(
        self,
        *,
        bots: BotRepository,
        blobs: BlobStore,
        urls: UrlChecker,
        clock: Clock,
        max_text_bytes: int,
        seal: Callable[[str], str] | None = None,
    ) -> None:
        self._seal = seal  # remote-search tokens (domain/remote.py); without it such sources are refused
        self._bots = bots
        self._blobs = blobs
        self._urls = urls
        self._clock = clock
        self._max_text_bytes = max_text_bytes

    def build(
        self, principal: Principal, draft: SourceDraft, parent: Source | None, *, group: bool = False
    ) -> Source:
        """`group`: a parent of a batch, which holds no content of its own whatever its source_type."""
        bot = self._bots.get(tenant_id=principal.tenant_id, bot_id=draft.bot_profile_id)
        if bot is None or not bot.is_active:  # an id in a body: 422, as the original answered
            raise UnprocessableError("Bot profile not found or belongs to a different tenant")
        config = dict(draft.config or {})
        if not group:
            self.validate(draft.source_type, draft.content, config)
        check_schedule(draft.source_type, draft.refresh_schedule)
        now = self._clock.now()
        return Source(
            id=new_id(),
            tenant_id=principal.tenant_id,
            bot_profile_id=bot.id,
            name=draft.name,
            source_type=draft.source_type,
            created_at=now,
            updated_at=now,
            config=config,
            parent_id=parent.id if parent else None,
            description=draft.description,
            refresh_schedule=draft.refresh_schedule,
            next_refresh_at=draft.refresh_schedule.next_run(now),
        )

    def validate(self, source_type: SourceType, content: str | None, config: dict[str, Any]) -> None:
        if source_type == SourceType.TEXT:
            if not content or not content.strip():
                raise UnprocessableError("a text source needs non-empty content")
            if len(content.encode()) > self._max_text_bytes:
                raise UnprocessableError(
                    f"text content larger than {self._max_text_bytes} bytes; upload a file"
                )
        elif source_type in (SourceType.URL, SourceType.SITEMAP):
            url = config.get("url")
            if not isinstance(url, str) or not url:
                raise UnprocessableError(f"a {source_type.value} source needs config.url")
            # refused now only what is refused for sure: the fetch checks the URL again
            with suppress(UnresolvedHostError):
                self._urls.check_url(url)
        elif source_type in REMOTE_SEARCH_TYPES:
            if content:
                raise UnprocessableError(f"a {source_type.value} source takes no content")
            if self._seal is None:
                raise UnprocessableError(f"{source_type.value} sources are not enabled here")
            prepare_config(source_type.value, config, check_url=self._urls.check_url, seal=self._seal)
        elif content:
            raise UnprocessableError(f"a {source_type.value} source takes no content")

    def store_content(self, source: Source, content: str | None) -> None:
        """Text lives in the blob store like an uploaded file, so ingestion reads both the same way."""
        if source.source_type == SourceType.TEXT and content:
            source.blob_key = content_key(source.tenant_id, source.id)
            self._blobs.put(source.blob_key, content.encode(), "text/plain; charset=utf-8")
