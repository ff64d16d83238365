"""Knowledge sources: create, change, delete, and queue them for ingestion."""

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from minirag.domain.errors import ConflictError, UnprocessableError
from minirag.domain.knowledge import MAX_NESTING_TYPES, RefreshSchedule, Source, SourceStatus, SourceType
from minirag.domain.models import Principal
from minirag.domain.roles import Role
from minirag.ports import BlobStore, BotRepository, Clock, Queue, SourceRepository, VectorStore
from minirag.services.guards import require_role
from minirag.services.remote_config import changed_config
from minirag.services.source_drafts import SourceBuilder, SourceDraft, UrlChecker, check_schedule, content_key
from minirag.services.source_reads import SourceReader

__all__ = [
    "SourceDraft",
    "SourceService",
    "UrlChecker",
    "content_key",
    "ingest_command",
]  # importers reach these here

_GROUP_TYPES = (SourceType.BATCH, SourceType.URL, SourceType.TEXT, SourceType.UPLOAD)


def ingest_command(tenant_id: str, source_id: str) -> dict[str, str]:
    return {"type": "ingest_source", "tenant_id": tenant_id, "source_id": source_id}


def _tombstone(source: Source, now: datetime) -> Source:
    return replace(
        source,
        is_active=False,
        deleted_at=now,
        updated_at=now,
        status=SourceStatus.PENDING if source.status == SourceStatus.PROCESSING else source.status,
        blob_key=None,
        document_count=0,
        chunk_count=0,
        progress_done=0,
        progress_total=0,
        refresh_schedule=RefreshSchedule.NONE,
        next_refresh_at=None,
    )


class SourceService(SourceReader):
    """The changes; the reads it inherits are the lookups every change starts with."""

    def __init__(
        self,
        *,
        sources: SourceRepository,
        bots: BotRepository,
        blobs: BlobStore,
        queue: Queue,
        vectors: VectorStore,
        urls: UrlChecker,
        clock: Clock,
        max_text_bytes: int,
        seal: Callable[[str], str] | None = None,
    ) -> None:
        super().__init__(sources=sources)
        self._drafts = SourceBuilder(
            bots=bots, blobs=blobs, urls=urls, clock=clock, max_text_bytes=max_text_bytes, seal=seal
        )
        self._blobs = blobs
        self._queue = queue
        self._vectors = vectors
        self._clock = clock

    # --- create ---------------------------------------------------------------------------------------
    def create(self, principal: Principal, draft: SourceDraft, *, ingest: bool = False) -> Source:
        require_role(principal, Role.ADMIN)
        if draft.source_type == SourceType.UPLOAD and draft.parent_id is not None:
            raise UnprocessableError("upload files with POST /v1/sources/upload or /upload-url")
        source = self._drafts.build(principal, draft, self._parent(principal, draft))
        self._drafts.store_content(source, draft.content)
        self._sources.add_many(tenant_id=principal.tenant_id, sources=[source])
        if ingest:
            source = self.ingest(principal, source.id)
        return source

    def create_batch(
        self, principal: Principal, parent_draft: SourceDraft, children: list[SourceDraft]
    ) -> tuple[Source, list[Source]]:
        require_role(principal, Role.ADMIN)
        if parent_draft.source_type not in _GROUP_TYPES:
            raise UnprocessableError("a batch parent's source_type is batch, url, text or upload")
        if not children:
            raise UnprocessableError("a batch needs at least one child")
        parent = self._drafts.build(
            principal, replace(parent_draft, content=None, config={}), None, group=True
        )
        parent.children_count = len(children)
        built = []
        for child in children:
            if child.source_type not in (SourceType.URL, SourceType.TEXT):
                raise UnprocessableError("batch children are url or text sources")
            draft = replace(child, bot_profile_id=parent.bot_profile_id)
            built.append(self._drafts.build(principal, draft, parent))
        for source, draft in zip(built, children, strict=True):
            self._drafts.store_content(source, draft.content)
        self._sources.add_many(tenant_id=principal.tenant_id, sources=[parent, *built])
        return parent, built

    def build(self, principal: Principal, draft: SourceDraft) -> Source:
        """A validated, unsaved source (the upload service stores its content before saving it)."""
        require_role(principal, Role.ADMIN)
        return self._drafts.build(principal, draft, self._parent(principal, draft))

    def _parent(self, principal: Principal, draft: SourceDraft) -> Source | None:
        if draft.parent_id is None:
            return None
        parent = self.get(principal, draft.parent_id)
        if not parent.takes_children or not parent.is_active:
            raise UnprocessableError("a parent must be an active top-level group (batch) or sitemap source")
        if parent.bot_profile_id != draft.bot_profile_id:
            raise UnprocessableError("a child belongs to its parent's bot")
        if draft.source_type in MAX_NESTING_TYPES:
            raise UnprocessableError("Nesting beyond one level is not allowed")
        return parent

    # --- change ---------------------------------------------------------------------------------------
    def update(self, principal: Principal, source_id: str, changes: dict[str, Any]) -> Source:
        require_role(principal, Role.ADMIN)
        source = self.get(principal, source_id)
        if source.deleted_at is not None:
            raise ConflictError("source was deleted; create it again")
        if source.status == SourceStatus.PROCESSING and ({"content", "config"} & changes.keys()):
            raise ConflictError("source is processing; change its content when it is done")
        updated = replace(source, updated_at=self._clock.now())
        for name in ("name", "description", "is_active"):
            if changes.get(name) is not None:
                setattr(updated, name, changes[name])
        if "config" in changes and changes["config"] is not None:
            updated.config = changed_config(
                source.source_type,
                source.config,
                changes["config"],
                lambda config: self._drafts.validate(source.source_type, None, config),
            )
        if changes.get("content") is not None:
            self._replace_content(updated, changes["content"])
        if changes.get("refresh_schedule") is not None:
            schedule = RefreshSchedule(changes["refresh_schedule"])
            check_schedule(source.source_type, schedule)
            updated.refresh_schedule = schedule
            updated.next_refresh_at = schedule.next_run(self._clock.now())
        self._sources.save(tenant_id=principal.tenant_id, source=updated)
        return updated

    def _replace_content(self, source: Source, content: str) -> None:
        """New text makes the source pending: its vectors are of the old text until it is ingested."""
        if source.source_type != SourceType.TEXT:
            raise UnprocessableError("only text sources take content")
        self._drafts.validate(SourceType.TEXT, content, {})
        self._drafts.store_content(source, content)
        source.status = SourceStatus.PENDING

    def delete(self, principal: Principal, source_id: str) -> None:
        """Deactivates the source and its children, as the original MiniRAG did (GET still answers, with
        is_active false), and removes what made them knowledge: vectors, chunks, stored content. Vectors
        first, then records: a crash in between leaves a record to delete again, never orphans. Deleting
        a deleted source again is a no-op."""
        require_role(principal, Role.ADMIN)
        source = self.get(principal, source_id)
        family = [
            s for s in [source, *self._children_of(principal.tenant_id, source.id)] if s.deleted_at is None
        ]
        for member in family:
            self._vectors.delete_source(tenant_id=principal.tenant_id, source_id=member.id)
            self._blobs.delete_prefix(f"tenants/{principal.tenant_id}/sources/{member.id}/")
            self._blobs.delete_prefix(f"incoming/{principal.tenant_id}/{member.id}/")
        if family:
            now = self._clock.now()
            tombstones = [_tombstone(member, now) for member in family]
            self._sources.retire(
                tenant_id=principal.tenant_id, bot_id=source.bot_profile_id, sources=tombstones
            )

    # --- ingestion triggers ---------------------------------------------------------------------------
    def ingest(self, principal: Principal, source_id: str) -> Source:
        require_role(principal, Role.ADMIN)
        source = self.get(principal, source_id)
        if source.deleted_at is not None:
            raise ConflictError("source was deleted; create it again")
        if not source.is_active:
            raise ConflictError("source is inactive; activate it first")
        claimed = self._sources.claim(
            tenant_id=principal.tenant_id, source_id=source_id, at=self._clock.now()
        )
        self._queue.send(ingest_command(principal.tenant_id, source_id))
        return claimed

    def ingest_children(self, principal: Principal, source_id: str) -> int:
        require_role(principal, Role.ADMIN)
        enqueued = 0
        for child in self.children(principal, source_id):
            if child.is_active and child.status != SourceStatus.PROCESSING:
                try:
                    self.ingest(principal, child.id)
                    enqueued += 1
                except ConflictError:
                    continue
        return enqueued
