"""Remote-search sources at question time: asked beside our own retrieval, within one time budget.

A remote that is down, slow or answers garbage costs a turn at most `timeout_s` and never its answer: the
turn goes on with the hits it has. The failure is logged and written on the source's error_message (only
when the message changes, so a dead remote does not write on every turn); the next good answer clears it.
The source stays `ready`, so it is asked again on the next turn instead of being dropped until someone
re-checks it.
"""

import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor, wait
from dataclasses import replace
from itertools import zip_longest

from minirag.domain.errors import MiniRAGError
from minirag.domain.knowledge import Source, SourceStatus
from minirag.domain.remote import MANDATORY, RemoteHit
from minirag.domain.vectors import VectorHit
from minirag.ports import Clock, RemoteSearch, SourceRepository
from minirag.services.remote_config import endpoint

log = logging.getLogger("minirag.remote_search")


class RemoteSources:
    def __init__(
        self,
        *,
        searchers: Mapping[str, RemoteSearch],
        sources: SourceRepository,
        unseal: Callable[[str], str],
        clock: Clock,
        timeout_s: float,
        executor: Executor | None = None,
    ) -> None:
        self._searchers = searchers
        self._sources = sources
        self._unseal = unseal
        self._clock = clock
        self.timeout_s = timeout_s
        # Its own pool: retrieval already runs in the chat's pool, and waiting on that one could deadlock.
        self._executor = executor or ThreadPoolExecutor(max_workers=8, thread_name_prefix="remote-search")

    def handles(self, source: Source) -> bool:
        return source.source_type in self._searchers

    def check(self, source: Source) -> Source:
        """The "ingest" of a remote source: reach it with its token; UnprocessableError if that fails."""
        found = self._searcher(source).inventory(endpoint(source.config, unseal=self._unseal))
        return replace(source, document_count=found.document_count, chunk_count=found.chunk_count)

    def start(self, query: str, remotes: list[Source]) -> "PendingSearch":
        deadline = time.monotonic() + self.timeout_s
        asked = [(s, self._executor.submit(self._search, s, query)) for s in remotes if self.handles(s)]
        return PendingSearch(self, asked, deadline)

    def _searcher(self, source: Source) -> RemoteSearch:
        return self._searchers[source.source_type]

    def _search(self, source: Source, query: str) -> list[VectorHit]:
        hits = self._searcher(source).search(endpoint(source.config, unseal=self._unseal), query)
        ranked = sorted(hits, key=lambda h: -h.score)
        return [as_vector_hit(source, hit, n) for n, hit in enumerate(ranked)]

    def note(self, source: Source, error: str | None) -> None:
        """Shows the last search failure on the source (None: it answered again). Never raises."""
        if error is not None:
            log.warning("remote search failed", extra={"source_id": source.id, "error": error})
        if source.error_message == error:
            return
        try:
            current = self._sources.get(tenant_id=source.tenant_id, source_id=source.id)
            if current is None or current.status != SourceStatus.READY or current.error_message == error:
                return
            changed = replace(current, error_message=error, updated_at=self._clock.now())
            self._sources.save(tenant_id=source.tenant_id, source=changed)
        except Exception:  # bookkeeping of a failure must not become the turn's failure
            log.exception("could not record a remote search failure", extra={"source_id": source.id})


class PendingSearch:
    """Remote searches under way; `merge` waits for what is left of the budget, never longer."""

    def __init__(
        self, owner: RemoteSources, asked: list[tuple[Source, Future[list[VectorHit]]]], deadline: float
    ) -> None:
        self._owner = owner
        self._asked = asked
        self._deadline = deadline

    def merge(self, local: list[VectorHit]) -> list[VectorHit]:
        if not self._asked:
            return local
        wait([f for _, f in self._asked], timeout=max(0.0, self._deadline - time.monotonic()))
        answered = [
            hits for source, future in self._asked if (hits := self._outcome(source, future)) is not None
        ]
        return merge_hits(local, answered)

    def _outcome(self, source: Source, future: Future[list[VectorHit]]) -> list[VectorHit] | None:
        if not future.done():
            future.cancel()  # still queued: never runs; running: its fetch ends at its own timeout
            self._owner.note(source, f"search failed: no answer within {self._owner.timeout_s:g} s")
            return None
        try:
            hits = future.result()
        except MiniRAGError as exc:
            self._owner.note(source, f"search failed: {exc.detail}"[:1000])
            return None
        except Exception:  # a remote's garbage must not cost the answer, even through an adapter bug
            log.exception("remote search crashed", extra={"source_id": source.id})
            self._owner.note(source, "search failed: unreadable answer")
            return None
        self._owner.note(source, None)
        return hits


def as_vector_hit(source: Source, hit: RemoteHit, rank: int) -> VectorHit:
    """A remote passage in the shape chat cites: the citation names the remote file."""
    return VectorHit(
        id=hit.chunk_id or f"{source.id}:{rank}",
        score=hit.score,
        payload={
            "text": hit.content,
            "source_id": source.id,
            "source_name": hit.filename or source.name,
            "heading_path": [hit.heading] if hit.heading else [],
            "authority": hit.authority,
            "filename": hit.filename,
            "document_id": hit.document_id,
        },
    )


def merge_hits(local: list[VectorHit], remote: list[list[VectorHit]]) -> list[VectorHit]:
    """Mandatory remote passages first (they are rules), best first; then ours and the other remote
    passages taken in turn by rank, since scores from different engines do not compare."""
    mandatory = sorted(
        (h for hits in remote for h in hits if h.payload.get("authority") == MANDATORY),
        key=lambda h: -h.score,
    )
    rest = [local] + [[h for h in hits if h.payload.get("authority") != MANDATORY] for hits in remote]
    interleaved = [h for row in zip_longest(*rest) for h in row if h is not None]
    merged, seen = [], set()
    for hit in mandatory + interleaved:
        key = (str(hit.payload.get("source_id", "")), hit.id)
        if key not in seen:
            seen.add(key)
            merged.append(hit)
    return merged
