"""A bot's knowledge on its own: the passages chat would cite, for agents that reason over them."""

from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field, StringConstraints

from minirag.api.deps import ReaderPrincipalDep, ServicesDep
from minirag.api.schemas import RequestModel

router = APIRouter(prefix="/v1/bot-profiles/{bot_id}", tags=["knowledge"])


class RetrieveRequest(RequestModel):
    query: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
    top_k: int | None = Field(None, ge=1, le=50, description="the bot's top_k when absent")
    source_ids: Annotated[list[str], Field(max_length=100)] | None = None
    retrieval_mode: Literal["hybrid", "dense", "sparse"] | None = Field(
        None, description="the bot's mode (or the platform's) when absent"
    )


class PassagePublic(BaseModel):
    n: int
    chunk_id: str
    source_id: str
    source_name: str
    heading_path: list[str]
    text: str
    score: float


class RetrieveAnswer(BaseModel):
    query: str
    passages: list[PassagePublic]


@router.post("/retrieve")
def retrieve(
    bot_id: str, body: RetrieveRequest, services: ServicesDep, principal: ReaderPrincipalDep
) -> RetrieveAnswer:
    """Chat's retrieval without the model: fusion, reranking, live versions only, remote sources.
    Any role's token or login, or an agent key of this bot; counted in usage as one retrieval."""
    passages = services.knowledge.retrieve(
        principal,
        bot_id,
        body.query,
        top_k=body.top_k,
        source_ids=body.source_ids,
        retrieval_mode=body.retrieval_mode,
    )
    return RetrieveAnswer(
        query=body.query, passages=[PassagePublic.model_validate(p, from_attributes=True) for p in passages]
    )
