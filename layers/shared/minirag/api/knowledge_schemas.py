"""Request and response models of the bot-profile and source routes."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from minirag.api.remote_schemas import RemoteConfigFields
from minirag.api.schemas import Name, PublicModel, RequestModel, Text
from minirag.domain.knowledge import (
    Credentials,
    RefreshSchedule,
    Source,
    SourceStatus,
    SourceType,
)
from minirag.services.remote_config import public_config

ModelName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]


class CredentialsIn(RequestModel):
    api_key: str | None = Field(None, max_length=500)
    api_base: str | None = Field(None, max_length=500)
    embedding_api_key: str | None = Field(None, max_length=500)
    embedding_api_base: str | None = Field(None, max_length=500)
    rerank_api_key: str | None = Field(None, max_length=500)
    rerank_api_base: str | None = Field(None, max_length=500)

    def domain(self) -> Credentials:
        return Credentials(**self.model_dump())


def _rounded(value: float | None) -> float | None:
    """Six decimals are plenty for these knobs, and keep values inside DynamoDB's number range."""
    return None if value is None else round(value, 6)


Knob = Annotated[float, AfterValidator(_rounded)]
Greeting = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=1000), AfterValidator(lambda s: s or None)
]


class BotFields(RequestModel):
    description: LongText | None = None
    system_prompt: LongText | None = None
    temperature: Knob | None = Field(None, ge=0, le=2)
    max_tokens: int | None = Field(None, ge=1, le=128_000)
    top_k: int | None = Field(None, ge=1, le=50)
    score_threshold: Knob | None = Field(None, ge=-1, le=1)
    chunk_size: int | None = Field(None, ge=32, le=2048)
    chunk_overlap: int | None = Field(None, ge=0, le=512)
    # null: the platform's default (MINIRAG_RETRIEVAL_MODE, hybrid); see benchmarks/RESULTS.md for when
    # dense (paraphrased questions) or sparse (names, codes, numbers) alone serves a bot better
    retrieval_mode: Literal["hybrid", "dense", "sparse"] | None = None
    # null: no reranking; a LiteLLM rerank model (cohere/..., jina_ai/..., together_ai/...) reorders
    # max(top_k * 4, 20) retrieved candidates and keeps top_k (services/reranking.py)
    rerank_model: ModelName | None = None
    # what the embedded widget says before the visitor's first question; blank: nothing
    greeting: Greeting | None = None
    # how close (cosine similarity of the questions' embeddings) a question must be to a curated answer's
    # question or variant to be answered with it; null: the platform's default (MINIRAG_CURATED_THRESHOLD)
    curated_threshold: Knob | None = Field(None, ge=0, le=1)
    credentials: CredentialsIn | None = None


class BotCreate(BotFields):
    name: Name
    model: ModelName | None = None
    embedding_model: ModelName | None = None


class BotUpdate(BotFields):
    name: Name | None = None
    is_active: bool | None = None
    model: ModelName | None = None
    embedding_model: ModelName | None = None


class BotPublic(PublicModel):
    id: str
    tenant_id: str
    name: str
    description: Text
    model: str
    embedding_model: str
    system_prompt: Text
    temperature: float
    max_tokens: int
    top_k: int
    score_threshold: float | None
    chunk_size: int | None
    chunk_overlap: int | None
    retrieval_mode: str | None
    rerank_model: str | None
    greeting: str | None
    curated_threshold: float | None = None
    has_credentials: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime


class BotWidgetSettings(PublicModel):
    """What the embedded widget reads of its bot (with its widget key): nothing but its public face."""

    bot_profile_id: str
    greeting: str | None

    @classmethod
    def derived(cls, bot: Any) -> dict[str, Any]:
        return {"bot_profile_id": bot.id}


class BotModelCheck(PublicModel):
    """Whether a chat with the bot can reach its model as configured; `problem` says what to set if not."""

    ready: bool
    problem: str | None


SourceName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class SourceConfig(RemoteConfigFields):
    url: Annotated[str, StringConstraints(max_length=2048)] | None = None


class SourceCreate(RequestModel):
    bot_profile_id: str
    name: SourceName
    source_type: SourceType
    content: str | None = None
    config: SourceConfig | None = None
    parent_id: str | None = None
    refresh_schedule: RefreshSchedule | None = None  # null: none, as the original took it
    description: LongText | None = None


class BatchChild(RequestModel):
    name: SourceName
    source_type: SourceType
    config: SourceConfig | None = None
    content: str | None = None
    description: LongText | None = None


class SourceBatchCreate(RequestModel):
    """The parent is a group with no content of its own. Its source_type is the original's choice of a
    label (url by default, or text, upload) or ours (batch); it changes nothing but the label."""

    bot_profile_id: str
    name: SourceName
    source_type: SourceType = SourceType.URL
    description: LongText | None = None
    children: Annotated[list[BatchChild], Field(min_length=1, max_length=500)]


class SourceUpdate(RequestModel):
    name: SourceName | None = None
    description: LongText | None = None
    content: str | None = None
    config: SourceConfig | None = None
    is_active: bool | None = None
    refresh_schedule: RefreshSchedule | None = None


class Progress(BaseModel):
    done: int
    total: int


class SourcePublic(PublicModel):
    id: str
    tenant_id: str
    bot_profile_id: str
    parent_id: str | None
    name: str
    description: Text
    source_type: SourceType
    status: SourceStatus
    config: dict[str, Any]
    document_count: int
    chunk_count: int
    progress: Progress
    error_message: str | None
    is_active: bool
    refresh_schedule: RefreshSchedule
    last_refreshed_at: datetime | None
    next_refresh_at: datetime | None
    children_count: int
    content_hash: str | None
    deleted_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def derived(cls, s: Source) -> dict[str, Any]:
        return {
            "progress": Progress(done=s.progress_done, total=s.progress_total),
            "config": public_config(s.source_type, s.config),
        }


class BatchPublic(BaseModel):
    parent: SourcePublic
    children: list[SourcePublic]


class UploadUrlRequest(RequestModel):
    bot_profile_id: str
    filename: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    content_type: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    size: int = Field(ge=1)


class UploadUrlPublic(BaseModel):
    source: SourcePublic
    upload_url: str
    headers: dict[str, str]
    expires_at: datetime


class Accepted(BaseModel):
    status: str = "accepted"
    message: str


class ChildrenAccepted(Accepted):
    enqueued: int
