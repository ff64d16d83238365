"""Curated answers of a bot: an operator's answer to a question, used at chat time for similar questions."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, status
from pydantic import Field, StringConstraints

from minirag.api.deps import PrincipalDep, ServicesDep
from minirag.api.paging import PagerDep
from minirag.api.schemas import Page, PublicModel, RequestModel
from minirag.domain.gaps import MAX_VARIANTS

router = APIRouter(prefix="/v1/bot-profiles/{bot_id}/curated-answers", tags=["curated-answers"])

Question = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Answer = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
Variants = Annotated[list[Question], Field(max_length=MAX_VARIANTS)]


class CuratedCreate(RequestModel):
    question: Question
    answer: Answer
    variants: Variants | None = None
    gap_id: str | None = Field(None, max_length=100, description="the gap this answers (GET .../gaps)")


class CuratedUpdate(RequestModel):
    question: Question | None = None
    answer: Answer | None = None
    variants: Variants | None = None


class CuratedPublic(PublicModel):
    id: str
    bot_profile_id: str
    question: str
    answer: str
    variants: list[str]
    gap_id: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def derived(cls, c: object) -> dict[str, object]:
        return {"bot_profile_id": c.bot_id}  # type: ignore[attr-defined]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_curated(
    bot_id: str, body: CuratedCreate, services: ServicesDep, principal: PrincipalDep
) -> CuratedPublic:
    return CuratedPublic.of(services.curated.create(principal, bot_id, body.model_dump()))


@router.get("")
def list_curated(
    bot_id: str, services: ServicesDep, principal: PrincipalDep, page: PagerDep
) -> Page[CuratedPublic]:
    return page.envelope(services.curated.list_answers(principal, bot_id), CuratedPublic.of)


@router.get("/{curated_id}")
def get_curated(
    bot_id: str, curated_id: str, services: ServicesDep, principal: PrincipalDep
) -> CuratedPublic:
    return CuratedPublic.of(services.curated.get(principal, bot_id, curated_id))


@router.patch("/{curated_id}")
def update_curated(
    bot_id: str, curated_id: str, body: CuratedUpdate, services: ServicesDep, principal: PrincipalDep
) -> CuratedPublic:
    fields = body.model_dump(exclude_unset=True)
    return CuratedPublic.of(services.curated.update(principal, bot_id, curated_id, fields))


@router.delete("/{curated_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_curated(bot_id: str, curated_id: str, services: ServicesDep, principal: PrincipalDep) -> None:
    services.curated.delete(principal, bot_id, curated_id)
