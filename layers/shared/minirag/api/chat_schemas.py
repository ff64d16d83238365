"""Request and response models of the chat routes."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from minirag.api.schemas import StrictModel
from minirag.domain.chat import Chat, Citation, Message, Usage


class ChatRequest(StrictModel):
    bot_profile_id: str
    message: Annotated[str, StringConstraints(min_length=1, max_length=32_000)]
    chat_id: str | None = None
    stream: bool = False
    source_ids: Annotated[list[str], Field(max_length=100)] | None = None


class CitationPublic(BaseModel):
    n: int
    chunk_id: str
    source_id: str
    source_name: str
    content: str
    score: float

    @classmethod
    def of(cls, c: Citation) -> "CitationPublic":
        return cls(**c.as_dict())


class MessagePublic(BaseModel):
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

    @classmethod
    def of(cls, m: Message) -> "MessagePublic":
        sources = [CitationPublic.of(c) for c in m.sources] if m.role == "assistant" else None
        return cls(
            id=m.id,
            chat_id=m.chat_id,
            role=m.role,
            content=m.content,
            sources=sources,
            prompt_tokens=m.prompt_tokens,
            completion_tokens=m.completion_tokens,
            feedback=m.feedback,
            error=m.error,
            created_at=m.created_at,
        )


class UsagePublic(BaseModel):
    model: str
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost_usd: float

    @classmethod
    def of(cls, u: Usage) -> "UsagePublic":
        return cls(**u.as_dict())


class ChatAnswer(BaseModel):
    chat_id: str
    message: MessagePublic
    sources: list[CitationPublic]
    usage: UsagePublic


class ChatPublic(BaseModel):
    id: str
    bot_profile_id: str
    title: str
    message_count: int
    total_prompt_tokens: int
    total_completion_tokens: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, c: Chat) -> "ChatPublic":
        return cls(
            id=c.id,
            bot_profile_id=c.bot_profile_id,
            title=c.title,
            message_count=c.message_count,
            total_prompt_tokens=c.total_prompt_tokens,
            total_completion_tokens=c.total_completion_tokens,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )
