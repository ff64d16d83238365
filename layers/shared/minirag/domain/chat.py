"""Chats, messages, citations and the events of a chat turn."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal


@dataclass
class Citation:
    n: int
    chunk_id: str
    source_id: str
    source_name: str
    content: str
    score: float
    curated: bool = False  # an operator's curated answer (domain/gaps.py), not a source's passage

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "chunk_id": self.chunk_id,
            "source_id": self.source_id,
            "source_name": self.source_name,
            "content": self.content,
            "score": self.score,
            **({"curated": True} if self.curated else {}),
        }


@dataclass
class Usage:
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
            "cost_usd": self.cost_usd,
        }


@dataclass
class Chat:
    id: str
    tenant_id: str
    bot_profile_id: str
    title: str
    created_at: datetime
    updated_at: datetime
    message_count: int = 0
    total_prompt_tokens: int = 0
    total_completion_tokens: int = 0
    origin: str = "api"  # api | widget:<key id> | openai


@dataclass
class Message:
    id: str
    chat_id: str
    role: Literal["user", "assistant"]
    content: str
    created_at: datetime
    sources: list[Citation] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    feedback: str | None = None
    feedback_comment: str | None = None
    error: str | None = None
    model: str | None = None
    cost_usd: float = 0.0
    latency_ms: int | None = None
    time_to_first_token_ms: int | None = None
    stream_ms: int | None = None
    # grounding of an answer (domain/gaps.py); None on questions and on answers stored before it existed
    top_score: float | None = None
    cited: bool | None = None
    not_found: bool | None = None
    curated_answer_id: str | None = None  # answered from this curated answer instead of the model
    gap_id: str | None = None  # the gap group the turn was counted in


@dataclass(frozen=True)
class SourcesEvent:
    sources: list[Citation]


@dataclass(frozen=True)
class DeltaEvent:
    content: str


@dataclass(frozen=True)
class DoneEvent:
    chat_id: str
    message: Message
    usage: Usage


@dataclass(frozen=True)
class ErrorEvent:
    detail: str
    message_id: str | None
    chat_id: str
    partial: bool = False  # some of the answer was generated (and stored) before the failure


@dataclass(frozen=True)
class KeepAlive:
    pass


ChatEvent = SourcesEvent | DeltaEvent | DoneEvent | ErrorEvent | KeepAlive
