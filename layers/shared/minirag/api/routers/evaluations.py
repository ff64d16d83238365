from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, status
from pydantic import BaseModel, Field, StringConstraints, model_validator

from minirag.api.deps import PrincipalDep, ServicesDep
from minirag.api.paging import Cursor, Limit
from minirag.api.schemas import Page, RequestModel
from minirag.domain.evaluation import EvalCase, EvalRun

router = APIRouter(prefix="/v1/bot-profiles/{bot_id}/evaluations", tags=["evaluations"])


class CaseIn(RequestModel):
    question: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    expected_source_id: str | None = None
    expected_answer: Annotated[str, StringConstraints(min_length=1, max_length=2000)] | None = None

    @model_validator(mode="after")
    def needs_a_label(self) -> "CaseIn":
        if not self.expected_source_id and not self.expected_answer:
            raise ValueError("each case needs expected_source_id or expected_answer")
        return self


class EvaluationCreate(RequestModel):
    cases: Annotated[list[CaseIn], Field(min_length=1, max_length=200)]


class EvaluationPublic(BaseModel):
    id: str
    bot_profile_id: str
    status: str
    case_count: int
    metrics: dict[str, float]
    results: list[dict[str, Any]]
    error: str | None
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, run: EvalRun) -> "EvaluationPublic":
        return cls(
            id=run.id,
            bot_profile_id=run.bot_id,
            status=run.status,
            case_count=len(run.cases),
            metrics=run.metrics,
            results=run.results,
            error=run.error,
            created_at=run.created_at,
            finished_at=run.finished_at,
        )


@router.post("", status_code=status.HTTP_202_ACCEPTED)
def start_evaluation(
    bot_id: str, body: EvaluationCreate, services: ServicesDep, principal: PrincipalDep
) -> EvaluationPublic:
    cases = [EvalCase(**c.model_dump()) for c in body.cases]
    return EvaluationPublic.of(services.evaluation.start(principal, bot_id, cases))


@router.get("")
def list_evaluations(
    bot_id: str,
    services: ServicesDep,
    principal: PrincipalDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[EvaluationPublic]:
    """Newest first."""
    runs, next_cursor = services.evaluation.list_runs(principal, bot_id, limit=limit, cursor=cursor)
    return Page(items=[EvaluationPublic.of(r) for r in runs], next_cursor=next_cursor)
