"""Reading sources back, with a parent (batch, sitemap) showing its children's totals."""

from dataclasses import replace

from minirag.domain.errors import NotFoundError
from minirag.domain.knowledge import Source, SourceStatus
from minirag.domain.models import Principal
from minirag.ports import SourceRepository


class SourceReader:
    def __init__(self, *, sources: SourceRepository) -> None:
        self._sources = sources

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
        include_inactive: bool = False,
    ) -> list[Source]:
        """Newest first, active ones only (as the original listed them); `include_inactive` adds the
        switched-off ones. Deleted sources are in no list."""
        everything = [
            s for s in self._sources.list_all(tenant_id=principal.tenant_id) if s.deleted_at is None
        ]
        chosen = [s for s in everything if bot_profile_id is None or s.bot_profile_id == bot_profile_id]
        chosen = [s for s in chosen if include_inactive or s.is_active]
        if parent_id is not None:
            chosen = [s for s in chosen if s.parent_id == parent_id]
        elif not include_children:
            chosen = [s for s in chosen if s.parent_id is None]
        by_parent: dict[str, list[Source]] = {}
        for s in everything:
            if s.parent_id and s.is_active:
                by_parent.setdefault(s.parent_id, []).append(s)
        ordered = sorted(chosen, key=lambda s: s.created_at, reverse=True)
        return [aggregate(s, by_parent.get(s.id, [])) for s in ordered]

    def children(
        self, principal: Principal, source_id: str, *, include_inactive: bool = False
    ) -> list[Source]:
        """Oldest first, as the original listed a parent's children."""
        self.get(principal, source_id)
        found = self.list_sources(principal, parent_id=source_id, include_inactive=include_inactive)
        return found[::-1]

    def get_aggregated(self, principal: Principal, source_id: str) -> Source:
        """One read for a leaf; parents (groups, sitemaps) add one query for their children's totals."""
        source = self.get(principal, source_id)
        if not source.takes_children:
            return source
        kids = [c for c in self._children_of(principal.tenant_id, source.id) if c.is_active]
        return aggregate(source, kids)

    def _children_of(self, tenant_id: str, parent_id: str) -> list[Source]:
        """Unsorted and without totals: what a parent's own bookkeeping needs, in one query."""
        return [s for s in self._sources.list_all(tenant_id=tenant_id) if s.parent_id == parent_id]


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
