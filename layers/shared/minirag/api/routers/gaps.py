"""A bot's gaps: the badly answered questions of a window, grouped by similarity, most asked first."""

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from minirag.api.deps import PrincipalDep, ServicesDep
from minirag.api.schemas import PublicModel
from minirag.domain.gaps import GapDay, GapGroup

router = APIRouter(prefix="/v1/bot-profiles/{bot_id}/gaps", tags=["gaps"])


class GapSource(BaseModel):
    source_id: str
    source_name: str


class GapPublic(PublicModel):
    id: str
    question: str  # the representative: the group's first question
    count: int  # asked within the window
    total_count: int  # asked since the group began
    first_asked_at: datetime
    last_asked_at: datetime
    latest_question: str
    latest_answer: str
    latest_chat_id: str
    latest_message_id: str
    latest_sources: list[GapSource]
    reasons: dict[str, int]  # not_found, no_sources, low_score, negative_feedback: how often each
    curated_answer_id: str | None

    @classmethod
    def derived(cls, g: GapGroup) -> dict[str, Any]:
        return {
            "count": g.window_count,
            "total_count": g.count,
            "first_asked_at": g.first_at,
            "last_asked_at": g.last_at,
            "latest_sources": [GapSource(**s) for s in g.latest_sources],
        }


class GapDayPublic(PublicModel):
    day: str
    answers: int
    not_found: int
    not_found_share: float
    curated: int
    gaps: int

    @classmethod
    def derived(cls, d: GapDay) -> dict[str, Any]:
        return {"not_found_share": d.not_found_share}


class GapsPublic(BaseModel):
    bot_profile_id: str
    from_date: str
    to_date: str
    groups: list[GapPublic]
    days: list[GapDayPublic]  # the days with answers, oldest first: the share of not-found answers


@router.get("")
def list_gaps(
    bot_id: str,
    services: ServicesDep,
    principal: PrincipalDep,
    from_: Annotated[
        date | None, Query(alias="from", description="first day (UTC), default 30 days ago")
    ] = None,
    to: Annotated[date | None, Query(description="last day (UTC) included, default today")] = None,
) -> GapsPublic:
    window = services.gaps.window(principal, bot_id, from_, to)
    return GapsPublic(
        bot_profile_id=bot_id,
        from_date=window.first_day,
        to_date=window.last_day,
        groups=[GapPublic.of(g) for g in window.groups],
        days=[GapDayPublic.of(d) for d in window.days],
    )
