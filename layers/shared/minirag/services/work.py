"""The ingest queue carries every piece of background work; this routes each command to its service."""

from typing import Any

from minirag.services.curated import CuratedService
from minirag.services.evaluation import EvaluationService
from minirag.services.gaps import GAP_FEEDBACK, GapService
from minirag.services.ingestion import IngestionService


class WorkRouter:
    def __init__(
        self,
        *,
        ingestion: IngestionService,
        evaluation: EvaluationService,
        gaps: GapService | None = None,
        curated: CuratedService | None = None,
    ) -> None:
        self._ingestion = ingestion
        self._evaluation = evaluation
        self._gaps = gaps
        self._curated = curated

    def handle(self, message: dict[str, Any], *, attempt: int = 1) -> None:
        if message.get("type") == "evaluate":
            self._evaluation.run(message["tenant_id"], message["bot_id"], message["run_id"])
        elif message.get("type") == GAP_FEEDBACK and self._gaps is not None:
            self._gaps.handle(message)
        else:
            self._ingestion.handle(message, attempt=attempt)
            if message.get("type") == "reindex_bot" and self._curated is not None:
                self._curated.reindex(message["tenant_id"], message["bot_id"])
