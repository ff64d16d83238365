"""Request and response models of the chat routes."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from minirag.api.schemas import PublicModel, RequestModel
from minirag.domain.chat import Message


class ChatRequest(RequestModel):
    bot_profile_id: str
    message: Annotated[str, StringConstraints(min_length=1, max_length=32_000)]
    chat_id: str | None = None
    stream: bool = False
    source_ids: Annotated[list[str], Field(max_length=100)] | None = None


class CitationPublic(PublicModel):
    n: int
    chunk_id: str
    source_id: str
    source_name: str
    content: str
    score: float
    curated: bool = False  # the passage is an operator's curated answer


class MessagePublic(PublicModel):
    id: str
    chat_id: str
    role: str
    content: str
    sources: list[CitationPublic] | None
    prompt_tokens: int
    completion_tokens: int
    feedback: str | None
    error: str | None
    created_at: datetime
    # grounding (answers only; null on questions and on answers stored before it was recorded)
    top_score: float | None = None
    cited: bool | None = None
    not_found: bool | None = None
    curated_answer_id: str | None = None
    gap_id: str | None = None

    @classmethod
    def derived(cls, m: Message) -> dict[str, Any]:
        """Citations belong to answers; a question has none (null, not [])."""
        return {"sources": [CitationPublic.of(c) for c in m.sources] if m.role == "assistant" else None}


class UsagePublic(PublicModel):
    model: str
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost_usd: float


class ChatAnswer(BaseModel):
    chat_id: str
    message: MessagePublic
    sources: list[CitationPublic]
    usage: UsagePublic


class ChatPublic(PublicModel):
    id: str
    tenant_id: str
    bot_profile_id: str
    title: str
    message_count: int
    total_prompt_tokens: int
    total_completion_tokens: int
    created_at: datetime
    updated_at: datetime
    # where the chat was started: "dashboard" (a signed-in user), "api" (an API token), "widget", "openai"
    origin: str = "api"

    @classmethod
    def derived(cls, chat: Any) -> dict[str, Any]:
        return {"origin": str(chat.origin).split(":", 1)[0]}  # a widget's key id stays out of the list
