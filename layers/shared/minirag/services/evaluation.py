"""Evaluation runs: a tenant checks a bot's retrieval on labelled questions, off the request path."""

from dataclasses import replace
from typing import Any, Protocol

from minirag.domain.errors import MiniRAGError, NotFoundError
from minirag.domain.evaluation import EvalCase, EvalRun, first_relevant_rank, summarise
from minirag.domain.ids import new_id
from minirag.domain.knowledge import BotProfile
from minirag.domain.models import Principal
from minirag.domain.roles import Role
from minirag.ports import BotRepository, Clock, Page, Queue
from minirag.security.crypto import SecretBox
from minirag.services.guards import require_role
from minirag.services.retrieval import Retriever

EVAL_DEPTH = 10


class EvaluationRepository(Protocol):
    def save(self, *, run: EvalRun) -> None: ...

    def get(self, *, tenant_id: str, bot_id: str, run_id: str) -> EvalRun | None: ...

    def list_for_bot(
        self, *, tenant_id: str, bot_id: str, limit: int, start: dict[str, Any] | None = None
    ) -> Page[EvalRun]:
        """Newest first, `limit` at a time from `start` (a previous page's `last_key`)."""


class EvaluationService:
    def __init__(
        self,
        *,
        runs: EvaluationRepository,
        bots: BotRepository,
        retriever: Retriever,
        queue: Queue,
        clock: Clock,
        cursors: SecretBox,
    ) -> None:
        self._runs = runs
        self._cursors = cursors
        self._bots = bots
        self._retriever = retriever
        self._queue = queue
        self._clock = clock

    def start(self, principal: Principal, bot_id: str, cases: list[EvalCase]) -> EvalRun:
        require_role(principal, Role.ADMIN)
        self._bot(principal.tenant_id, bot_id)
        run = EvalRun(
            id=new_id(),
            tenant_id=principal.tenant_id,
            bot_id=bot_id,
            cases=cases,
            created_at=self._clock.now(),
        )
        self._runs.save(run=run)
        self._queue.send(
            {"type": "evaluate", "tenant_id": principal.tenant_id, "bot_id": bot_id, "run_id": run.id}
        )
        return run

    def list_runs(
        self, principal: Principal, bot_id: str, *, limit: int, cursor: str | None
    ) -> tuple[list[EvalRun], str | None]:
        """Newest first. The cursor is the storage key, sealed and bound to the tenant (checked after
        the bot, so a bad cursor never hides a 404)."""
        tenant_id = principal.tenant_id
        self._bot(tenant_id, bot_id)
        start = self._cursors.decode_cursor(tenant_id, cursor) if cursor else None
        page = self._runs.list_for_bot(tenant_id=tenant_id, bot_id=bot_id, limit=limit, start=start)
        return page.items, self._cursors.encode_cursor(tenant_id, page.last_key) if page.last_key else None

    def run(self, tenant_id: str, bot_id: str, run_id: str) -> None:
        """Worker side: retrieval for every case at depth 10, then the metrics; a rerun overwrites the same run."""
        run = self._runs.get(tenant_id=tenant_id, bot_id=bot_id, run_id=run_id)
        if run is None or run.status == "done":
            return
        self._runs.save(run=replace(run, status="running"))
        try:
            bot = replace(self._bot(tenant_id, bot_id), top_k=EVAL_DEPTH)
            results, ranks = [], []
            for case in run.cases:
                hits = self._retriever.search(bot, case.question)
                ranked = [
                    {"source_id": h.payload.get("source_id"), "text": h.payload.get("text", "")} for h in hits
                ]
                rank = first_relevant_rank(case, ranked)
                ranks.append(rank)
                results.append(
                    {
                        "question": case.question,
                        "rank": rank,
                        "retrieved_source_ids": [r["source_id"] for r in ranked],
                    }
                )
            done = replace(
                run, status="done", metrics=summarise(ranks), results=results, finished_at=self._clock.now()
            )
        except MiniRAGError as exc:
            done = replace(run, status="error", error=exc.detail, finished_at=self._clock.now())
        self._runs.save(run=done)

    def _bot(self, tenant_id: str, bot_id: str) -> BotProfile:
        bot = self._bots.get(tenant_id=tenant_id, bot_id=bot_id)
        if bot is None or not bot.is_active:
            raise NotFoundError("bot profile not found")
        return bot
