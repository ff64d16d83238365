"""The ingest worker's use case: content -> documents -> chunks -> vectors, idempotent per message."""

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import unquote_plus

from minirag.domain.chunking import Chunk, Document, chunk_document
from minirag.domain.errors import DependencyUnavailableError, MiniRAGError, UnprocessableError
from minirag.domain.knowledge import BotProfile, Source, SourceStatus, SourceType
from minirag.domain.lexical import document_vector
from minirag.domain.vectors import VectorPoint
from minirag.ports import BotRepository, Clock, Embedder, Queue, SourceRepository, VectorStore
from minirag.services.content import ContentLoader

log = logging.getLogger("minirag.ingestion")
_UPLOAD_KEY = re.compile(r"^incoming/([0-9a-z]{26})/([0-9a-z]{26})/[^/]+$")


@dataclass(frozen=True)
class IngestSettings:
    chunk_tokens: int
    chunk_overlap: int
    batch_size: int
    max_attempts: int


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
    ) -> None:
        self._sources = sources
        self._bots = bots
        self._vectors = vectors
        self._queue = queue
        self._content = content
        self._embedder_for = embedder_for
        self._clock = clock
        self._settings = settings
        self._point_id = point_id
        self._notify = notify
        self._count_embedding_tokens = count_embedding_tokens

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
        if source.source_type in (SourceType.BATCH, SourceType.SITEMAP):
            self._fan_out(source)
            return
        documents = self._content.documents(source)
        embedder = self._embedder_for(bot)
        chunks = self._chunk(documents, bot, embedder)
        if not chunks:
            raise UnprocessableError("the content produced no text to index")
        digest = _digest(bot, self._settings, chunks)
        if digest == source.content_hash and source.version > 0:
            self._finish(source, replace(source, content_hash=digest))
            self._event(source, "source.ingested")
            return
        version = source.version + 1
        self._index(source, bot, embedder, chunks, version)
        if self._count_embedding_tokens is not None:
            self._count_embedding_tokens(source.tenant_id, sum(c.token_count for _, c in chunks))
        done = replace(
            source,
            version=version,
            content_hash=digest,
            document_count=len(documents),
            chunk_count=len(chunks),
            progress_done=len(chunks),
            progress_total=len(chunks),
        )
        self._finish(source, done)
        self._vectors.delete_source(tenant_id=source.tenant_id, source_id=source.id, keep_version=version)
        self._event(done, "source.ingested")

    def _chunk(
        self, documents: list[Document], bot: BotProfile, embedder: Embedder
    ) -> list[tuple[Document, Chunk]]:
        size = bot.chunk_size or self._settings.chunk_tokens
        overlap = (
            bot.chunk_overlap
            if bot.chunk_overlap is not None
            else min(self._settings.chunk_overlap, size // 4)
        )
        pairs: list[tuple[Document, Chunk]] = []
        for doc in documents:
            for chunk in chunk_document(
                doc, chunk_tokens=size, overlap_tokens=overlap, count_tokens=embedder.count_tokens
            ):
                pairs.append((doc, chunk))
        return pairs

    def _index(
        self,
        source: Source,
        bot: BotProfile,
        embedder: Embedder,
        chunks: list[tuple[Document, Chunk]],
        version: int,
    ) -> None:
        total = len(chunks)
        self._sources.progress(tenant_id=source.tenant_id, source_id=source.id, done=0, total=total)
        step = self._settings.batch_size
        for start in range(0, total, step):
            batch = chunks[start : start + step]
            vectors = embedder.embed([c.text for _, c in batch])
            points = [
                self._point(source, bot, doc, chunk, start + i, version, vector)
                for i, ((doc, chunk), vector) in enumerate(zip(batch, vectors, strict=True))
            ]
            self._vectors.upsert(model=bot.embedding_model, points=points)
            done = min(start + step, total)
            self._sources.progress(tenant_id=source.tenant_id, source_id=source.id, done=done, total=total)

    def _point(
        self,
        source: Source,
        bot: BotProfile,
        doc: Document,
        chunk: Chunk,
        position: int,
        version: int,
        vector: list[float],
    ) -> VectorPoint:
        text_hash = hashlib.sha256(chunk.text.encode()).hexdigest()[:16]
        pid = self._point_id(source.tenant_id, source.id, version, position, text_hash)
        payload = {
            "tenant_id": source.tenant_id,
            "bot_id": bot.id,
            "source_id": source.id,
            "live": f"{source.id}:{version}",
            "source_name": source.name,
            "title": doc.title,
            "heading_path": list(chunk.heading_path),
            "text": chunk.text,
            "position": position,
            "url": source.config.get("url"),
        }
        return VectorPoint(id=pid, dense=vector, sparse=document_vector(chunk.text), payload=payload)

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
                self._sources.claim(tenant_id=parent.tenant_id, source_id=child.id, at=self._clock.now())
                self._queue.send(
                    {"type": "ingest_source", "tenant_id": parent.tenant_id, "source_id": child.id}
                )
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
                self._sources.claim(tenant_id=tenant_id, source_id=source.id, at=self._clock.now())
                self._queue.send({"type": "ingest_source", "tenant_id": tenant_id, "source_id": source.id})


def _digest(bot: BotProfile, settings: IngestSettings, chunks: list[tuple[Document, Chunk]]) -> str:
    h = hashlib.sha256(
        f"{bot.embedding_model}|{bot.chunk_size}|{bot.chunk_overlap}|{settings.chunk_tokens}".encode()
    )
    for _, chunk in chunks:
        h.update(b"\x00" + chunk.text.encode() + b"\x01" + "/".join(chunk.heading_path).encode())
    return h.hexdigest()
