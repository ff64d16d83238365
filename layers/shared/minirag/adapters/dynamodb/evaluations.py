"""Evaluation runs of a bot, newest first."""

from dataclasses import asdict
from typing import Any

from minirag.adapters.dynamodb import keys
from minirag.adapters.dynamodb.items import EvalRunItem
from minirag.adapters.dynamodb.tables import DynamoTables, newest_first, storage_errors
from minirag.domain.evaluation import EvalCase, EvalRun
from minirag.ports import Page


class DynamoEvaluationRepository:
    def __init__(self, tables: DynamoTables) -> None:
        self._run = tables.model(EvalRunItem)

    def save(self, *, run: EvalRun) -> None:
        item = self._run(
            keys.tenant_pk(run.tenant_id),
            keys.eval_sk(run.bot_id, run.id),
            run_id=run.id,
            bot_id=run.bot_id,
            status=run.status,
            cases=[asdict(c) for c in run.cases],
            metrics=run.metrics,
            results=run.results,
            error=run.error,
            created_at=run.created_at,
            finished_at=run.finished_at,
        )
        with storage_errors():
            item.save()

    def get(self, *, tenant_id: str, bot_id: str, run_id: str) -> EvalRun | None:
        with storage_errors():
            try:
                item = self._run.get(
                    keys.tenant_pk(tenant_id), keys.eval_sk(bot_id, run_id), consistent_read=True
                )
            except self._run.DoesNotExist:
                return None
        return self._of(item, tenant_id)

    def list_for_bot(
        self, *, tenant_id: str, bot_id: str, limit: int, start: dict[str, Any] | None = None
    ) -> Page[EvalRun]:
        found, last_key = newest_first(
            self._run, keys.tenant_pk(tenant_id), f"EVAL#{bot_id}#", limit=limit, start=start
        )
        return Page([self._of(item, tenant_id) for item in found], last_key)

    @staticmethod
    def _of(item: EvalRunItem, tenant_id: str) -> EvalRun:
        return EvalRun(
            id=item.run_id,
            tenant_id=tenant_id,
            bot_id=item.bot_id,
            status=item.status,
            cases=[EvalCase(**c) for c in item.cases],
            metrics=dict(item.metrics or {}),
            results=list(item.results or []),
            error=item.error,
            created_at=item.created_at,
            finished_at=item.finished_at,
        )
