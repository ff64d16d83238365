"""Scheduled refresh: sources whose next run is due are queued for ingestion; found by index, never a scan."""

import logging
from dataclasses import dataclass

from minirag.domain.errors import ConflictError, NotFoundError
from minirag.domain.knowledge import SourceStatus
from minirag.ports import Clock, Queue, SourceRepository

log = logging.getLogger("minirag.refresh")


@dataclass(frozen=True)
class RefreshReport:
    due: int
    enqueued: int
    skipped: int


class RefreshService:
    def __init__(
        self, *, sources: SourceRepository, queue: Queue, clock: Clock, batch_limit: int = 500
    ) -> None:
        self._sources = sources
        self._queue = queue
        self._clock = clock
        self._limit = batch_limit

    def run(self) -> RefreshReport:
        """Unchanged content is detected by the worker (same hash): it then writes no chunks and no vectors."""
        now = self._clock.now()
        due = self._sources.due_for_refresh(now=now, limit=self._limit)
        enqueued = skipped = 0
        for tenant_id, source_id in due:
            source = self._sources.get(tenant_id=tenant_id, source_id=source_id)
            if source is None or not source.is_active or source.status == SourceStatus.PROCESSING:
                skipped += 1
                continue
            try:
                self._sources.claim(tenant_id=tenant_id, source_id=source_id, at=now)
            except (ConflictError, NotFoundError):
                skipped += 1
                continue
            self._queue.send({"type": "ingest_source", "tenant_id": tenant_id, "source_id": source_id})
            enqueued += 1
        log.info("refresh run", extra={"due": len(due), "enqueued": enqueued, "skipped": skipped})
        return RefreshReport(due=len(due), enqueued=enqueued, skipped=skipped)
