"""Knowledge sources: create, list, change, delete, and queue them for ingestion."""

from dataclasses import dataclass, replace
from typing import Any, Protocol

from minirag.domain.errors import ConflictError, InvalidInputError, NotFoundError, UnprocessableError
from minirag.domain.ids import new_id
from minirag.domain.knowledge import MAX_NESTING_TYPES, RefreshSchedule, Source, SourceStatus, SourceType
from minirag.domain.models import Principal
from minirag.domain.roles import Role
from minirag.ports import BlobStore, BotRepository, Clock, Queue, SourceRepository, VectorStore
from minirag.services.guards import require_role

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


class SourceService:
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
    ) -> None:
        self._sources = sources
        self._bots = bots
        self._blobs = blobs
        self._queue = queue
        self._vectors = vectors
        self._urls = urls
        self._clock = clock
        self._max_text_bytes = max_text_bytes

    # --- create ---------------------------------------------------------------------------------------
    def create(self, principal: Principal, draft: SourceDraft, *, ingest: bool = False) -> Source:
        require_role(principal, Role.ADMIN)
        if draft.source_type == SourceType.UPLOAD:
            raise InvalidInputError("upload sources are created with POST /v1/sources/upload or /upload-url")
        parent = self._parent(principal, draft)
        source = self._build(principal, draft, parent)
        self._store_content(source, draft)
        self._sources.add_many(tenant_id=principal.tenant_id, sources=[source])
        if ingest:
            source = self.ingest(principal, source.id)
        return source

    def create_batch(
        self, principal: Principal, parent_draft: SourceDraft, children: list[SourceDraft]
    ) -> tuple[Source, list[Source]]:
        require_role(principal, Role.ADMIN)
        if parent_draft.source_type != SourceType.BATCH:
            raise UnprocessableError("a batch parent has source_type 'batch'")
        if not children:
            raise UnprocessableError("a batch needs at least one child")
        parent = self._build(principal, parent_draft, None)
        parent.children_count = len(children)
        built = []
        for child in children:
            if child.source_type not in (SourceType.URL, SourceType.TEXT):
                raise UnprocessableError("batch children are url or text sources")
            built.append(self._build(principal, replace(child, bot_profile_id=parent.bot_profile_id), parent))
        for source, draft in zip(built, children, strict=True):
            self._store_content(source, draft)
        self._sources.add_many(tenant_id=principal.tenant_id, sources=[parent, *built])
        return parent, built

    def build(self, principal: Principal, draft: SourceDraft) -> Source:
        """A validated, unsaved source (the upload service stores its content before saving it)."""
        require_role(principal, Role.ADMIN)
        return self._build(principal, draft, self._parent(principal, draft))

    def _parent(self, principal: Principal, draft: SourceDraft) -> Source | None:
        if draft.parent_id is None:
            return None
        parent = self.get(principal, draft.parent_id)
        if parent.source_type not in MAX_NESTING_TYPES or parent.parent_id is not None:
            raise UnprocessableError("a parent must be a top-level batch or sitemap source")
        if parent.bot_profile_id != draft.bot_profile_id:
            raise UnprocessableError("a child belongs to its parent's bot")
        if draft.source_type in MAX_NESTING_TYPES:
            raise UnprocessableError("sources nest one level only")
        return parent

    def _build(self, principal: Principal, draft: SourceDraft, parent: Source | None) -> Source:
        bot = self._bots.get(tenant_id=principal.tenant_id, bot_id=draft.bot_profile_id)
        if bot is None or not bot.is_active:
            raise NotFoundError("bot profile not found")
        config = dict(draft.config or {})
        self._validate(draft.source_type, draft.content, config)
        if draft.refresh_schedule != RefreshSchedule.NONE and draft.source_type not in _REFRESHABLE:
            raise UnprocessableError("only url and sitemap sources can refresh on a schedule")
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

    def _validate(self, source_type: SourceType, content: str | None, config: dict[str, Any]) -> None:
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
            self._urls.check_url(url)
        elif content:
            raise UnprocessableError(f"a {source_type.value} source takes no content")

    def _store_content(self, source: Source, draft: SourceDraft) -> None:
        if source.source_type == SourceType.TEXT and draft.content:
            source.blob_key = content_key(source.tenant_id, source.id)
            self._blobs.put(source.blob_key, draft.content.encode(), "text/plain; charset=utf-8")

    # --- read -----------------------------------------------------------------------------------------
    def get(self, principal: Principal, source_id: str) -> Source:
        source = self._sources.get(tenant_id=principal.tenant_id, source_id=source_id)
        if source is None:
            raise NotFoundError("source not found")
        return source

    def list_sources(
        self,
        principal: Principal,
        *,
        bot_profile_id: str | None = None,
        parent_id: str | None = None,
        include_children: bool = False,
    ) -> list[Source]:
        everything = self._sources.list_all(tenant_id=principal.tenant_id)
        chosen = [s for s in everything if bot_profile_id is None or s.bot_profile_id == bot_profile_id]
        if parent_id is not None:
            chosen = [s for s in chosen if s.parent_id == parent_id]
        elif not include_children:
            chosen = [s for s in chosen if s.parent_id is None]
        by_parent: dict[str, list[Source]] = {}
        for s in everything:
            if s.parent_id:
                by_parent.setdefault(s.parent_id, []).append(s)
        return [aggregate(s, by_parent.get(s.id, [])) for s in sorted(chosen, key=lambda s: s.created_at)]

    def children(self, principal: Principal, source_id: str) -> list[Source]:
        self.get(principal, source_id)
        return self.list_sources(principal, parent_id=source_id)

    def get_aggregated(self, principal: Principal, source_id: str) -> Source:
        """One read for a leaf; parents (batch, sitemap) add one query for their children's totals."""
        source = self.get(principal, source_id)
        if source.source_type not in MAX_NESTING_TYPES:
            return source
        kids = [s for s in self._sources.list_all(tenant_id=principal.tenant_id) if s.parent_id == source.id]
        return aggregate(source, kids)

    # --- change ---------------------------------------------------------------------------------------
    def update(self, principal: Principal, source_id: str, changes: dict[str, Any]) -> Source:
        require_role(principal, Role.ADMIN)
        source = self.get(principal, source_id)
        if source.status == SourceStatus.PROCESSING and ({"content", "config"} & changes.keys()):
            raise ConflictError("source is processing; change its content when it is done")
        updated = replace(source, updated_at=self._clock.now())
        for name in ("name", "description", "is_active"):
            if changes.get(name) is not None:
                setattr(updated, name, changes[name])
        if "config" in changes and changes["config"] is not None:
            self._validate(source.source_type, None, changes["config"])
            updated.config = changes["config"]
        if changes.get("content") is not None:
            if source.source_type != SourceType.TEXT:
                raise UnprocessableError("only text sources take content")
            self._validate(SourceType.TEXT, changes["content"], {})
            self._store_content(
                updated,
                SourceDraft(source.bot_profile_id, source.name, SourceType.TEXT, content=changes["content"]),
            )
            updated.status = SourceStatus.PENDING
        if changes.get("refresh_schedule") is not None:
            schedule = RefreshSchedule(changes["refresh_schedule"])
            if schedule != RefreshSchedule.NONE and source.source_type not in _REFRESHABLE:
                raise UnprocessableError("only url and sitemap sources can refresh on a schedule")
            updated.refresh_schedule = schedule
            updated.next_refresh_at = schedule.next_run(self._clock.now())
        self._sources.save(tenant_id=principal.tenant_id, source=updated)
        return updated

    def delete(self, principal: Principal, source_id: str) -> None:
        """Vectors first, then records: a crash in between leaves a record to delete again, never orphans."""
        require_role(principal, Role.ADMIN)
        source = self.get(principal, source_id)
        family = [
            source,
            *[s for s in self._sources.list_all(tenant_id=principal.tenant_id) if s.parent_id == source.id],
        ]
        for member in family:
            self._vectors.delete_source(tenant_id=principal.tenant_id, source_id=member.id)
            self._blobs.delete_prefix(f"tenants/{principal.tenant_id}/sources/{member.id}/")
            self._blobs.delete_prefix(f"incoming/{principal.tenant_id}/{member.id}/")
        self._sources.delete(
            tenant_id=principal.tenant_id, bot_id=source.bot_profile_id, source_ids=[m.id for m in family]
        )

    # --- ingestion triggers ---------------------------------------------------------------------------
    def ingest(self, principal: Principal, source_id: str) -> Source:
        require_role(principal, Role.ADMIN)
        source = self.get(principal, source_id)
        if not source.is_active:
            raise ConflictError("source is inactive; activate it first")
        claimed = self._sources.claim(
            tenant_id=principal.tenant_id, source_id=source_id, at=self._clock.now()
        )
        self._queue.send({"type": "ingest_source", "tenant_id": principal.tenant_id, "source_id": source_id})
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


def aggregate(source: Source, children: list[Source]) -> Source:
    """A parent shows its children's totals and the least finished status among them."""
    if not children:
        return source
    order = [SourceStatus.ERROR, SourceStatus.PROCESSING, SourceStatus.PENDING, SourceStatus.READY]
    worst = min((c.status for c in children), key=order.index)
    status = source.status if source.status == SourceStatus.PROCESSING else worst
    return replace(
        source,
        status=status,
        children_count=len(children),
        document_count=sum(c.document_count for c in children),
        chunk_count=sum(c.chunk_count for c in children),
        progress_done=sum(c.progress_done for c in children),
        progress_total=sum(c.progress_total for c in children),
    )
