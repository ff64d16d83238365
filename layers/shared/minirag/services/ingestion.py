"""The ingest worker's use case: one queued command at a time, each idempotent, each source's status kept."""

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import unquote_plus

from minirag.domain.errors import DependencyUnavailableError, MiniRAGError, UnprocessableError
from minirag.domain.knowledge import BotProfile, Source, SourceStatus, SourceType
from minirag.ports import BotRepository, Clock, Embedder, Queue, SourceRepository, VectorStore
from minirag.services.content import ContentLoader
from minirag.services.indexing import IngestSettings, SourceIndexer
from minirag.services.remote_search import RemoteSources

__all__ = ["IngestSettings", "IngestionService"]  # bootstrap builds the settings from here

log = logging.getLogger("minirag.ingestion")
_UPLOAD_KEY = re.compile(r"^incoming/([0-9a-z]{26})/([0-9a-z]{26})/[^/]+$")


class IngestionService:
    def __init__(
        self,
        *,
        sources: SourceRepository,
        bots: BotRepository,
        vectors: VectorStore,
        queue: Queue,
        content: ContentLoader,
        embedder_for: Callable[[BotProfile], Embedder],
        clock: Clock,
        settings: IngestSettings,
        point_id: Callable[..., str],
        notify: Callable[[str, str, dict[str, Any]], object] | None = None,
        count_embedding_tokens: Callable[[str, int], object] | None = None,
        remote: RemoteSources | None = None,
    ) -> None:
        self._remote = remote  # remote-search sources: "ingest" is a connection check
        self._sources = sources
        self._bots = bots
        self._vectors = vectors
        self._queue = queue
        self._content = content
        self._clock = clock
        self._settings = settings
        self._notify = notify
        self._indexer = SourceIndexer(
            sources=sources,
            vectors=vectors,
            content=content,
            embedder_for=embedder_for,
            settings=settings,
            point_id=point_id,
            count_embedding_tokens=count_embedding_tokens,
        )

    def handle(self, message: dict[str, Any], *, attempt: int = 1) -> None:
        kind = message.get("type")
        if "Records" in message or (kind is None and message.get("Event") == "s3:TestEvent"):
            self._uploads_landed(message)
        elif kind == "ingest_source":
            self.ingest(message["tenant_id"], message["source_id"], attempt=attempt)
        elif kind == "purge_bot":
            self._vectors.delete_bot(tenant_id=message["tenant_id"], bot_id=message["bot_id"])
        elif kind == "reindex_bot":
            self._reindex_bot(message["tenant_id"], message["bot_id"])
        else:
            raise ValueError(f"unknown command type {kind!r}")

    def ingest(self, tenant_id: str, source_id: str, *, attempt: int = 1) -> None:
        source = self._sources.get(tenant_id=tenant_id, source_id=source_id)
        if source is None or not source.is_active:
            return  # deleted or switched off after it was queued: nothing to do
        if source.status != SourceStatus.PROCESSING:
            source = self._sources.claim(tenant_id=tenant_id, source_id=source_id, at=self._clock.now())
        try:
            bot = self._bots.get(tenant_id=tenant_id, bot_id=source.bot_profile_id)
            if bot is None or not bot.is_active:
                raise UnprocessableError("the source's bot profile was deleted")
            self._run(source, bot)
        except DependencyUnavailableError as exc:
            if attempt < self._settings.max_attempts:
                raise
            self._fail(source, f"{exc.detail} (gave up after {attempt} attempts)")
            raise
        except MiniRAGError as exc:
            self._fail(source, exc.detail)

    def _run(self, source: Source, bot: BotProfile) -> None:
        if source.takes_children:
            self._fan_out(source)
            return
        if self._remote is not None and self._remote.handles(source):
            checked = self._remote.check(source)
            self._finish(source, checked)
            self._event(checked, "source.ingested")
            return
        done = self._indexer.index(source, bot)
        self._finish(source, done)
        if done.version != source.version:  # the new version is live: the old one's points can go
            self._vectors.delete_source(
                tenant_id=source.tenant_id, source_id=source.id, keep_version=done.version
            )
        self._event(done, "source.ingested")

    def _finish(self, before: Source, after: Source) -> None:
        now = self._clock.now()
        final = replace(
            after,
            status=SourceStatus.READY,
            error_message=None,
            last_refreshed_at=now,
            updated_at=now,
            next_refresh_at=before.refresh_schedule.next_run(now),
        )
        self._sources.save(tenant_id=before.tenant_id, source=final)

    def _fail(self, source: Source, message: str) -> None:
        log.warning("ingestion failed", extra={"source_id": source.id, "error": message})
        current = self._sources.get(tenant_id=source.tenant_id, source_id=source.id)
        if current is None:
            return
        now = self._clock.now()
        self._sources.save(
            tenant_id=source.tenant_id,
            source=replace(
                current,
                status=SourceStatus.ERROR,
                error_message=message[:1000],
                updated_at=now,
                next_refresh_at=current.refresh_schedule.next_run(now),
            ),
        )
        self._event(current, "source.failed", error=message[:1000])

    def _event(self, source: Source, event_type: str, error: str | None = None) -> None:
        if self._notify is None:
            return
        data: dict[str, Any] = {"source_id": source.id, "source_name": source.name}
        if error is None:
            data |= {"document_count": source.document_count, "chunk_count": source.chunk_count}
        else:
            data["error"] = error
        try:
            self._notify(source.tenant_id, event_type, data)
        except MiniRAGError:
            log.warning("%s event not published", event_type, extra={"source_id": source.id})

    def _fan_out(self, parent: Source) -> None:
        children = [s for s in self._sources.list_all(tenant_id=parent.tenant_id) if s.parent_id == parent.id]
        if parent.source_type == SourceType.SITEMAP:
            children = self._content.sitemap_children(parent, children)
        for child in children:
            if child.is_active and child.status != SourceStatus.PROCESSING:
                self._queue_ingest(parent.tenant_id, child.id)
        self._finish(parent, replace(parent, children_count=len(children)))

    def _uploads_landed(self, notification: dict[str, Any]) -> None:
        """S3 ObjectCreated notifications for presigned uploads: ingest the source the key names."""
        for record in notification.get("Records", []):
            key = unquote_plus(record.get("s3", {}).get("object", {}).get("key", ""))
            match = _UPLOAD_KEY.match(key)
            if match is None:
                continue
            tenant_id, source_id = match.groups()
            source = self._sources.get(tenant_id=tenant_id, source_id=source_id)
            if source is not None and source.blob_key == key:
                self.ingest(tenant_id, source_id)

    def _reindex_bot(self, tenant_id: str, bot_id: str) -> None:
        for source in self._sources.list_all(tenant_id=tenant_id):
            mine = source.bot_profile_id == bot_id and source.parent_id is None and source.is_active
            if mine and source.status != SourceStatus.PROCESSING:
                self._queue_ingest(tenant_id, source.id)

    def _queue_ingest(self, tenant_id: str, source_id: str) -> None:
        """Claimed before it is queued, so the source shows as processing until its message is handled."""
        self._sources.claim(tenant_id=tenant_id, source_id=source_id, at=self._clock.now())
        self._queue.send({"type": "ingest_source", "tenant_id": tenant_id, "source_id": source_id})
