"""Bots and their knowledge sources."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


@dataclass
class Credentials:
    """Provider credentials of one bot: chat and embeddings may use different providers."""

    api_key: str | None = None
    api_base: str | None = None
    embedding_api_key: str | None = None
    embedding_api_base: str | None = None
    rerank_api_key: str | None = None
    rerank_api_base: str | None = None

    def is_empty(self) -> bool:
        return not any(vars(self).values())


@dataclass
class BotProfile:
    id: str
    tenant_id: str
    name: str
    model: str
    embedding_model: str
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    system_prompt: str | None = None
    temperature: float = 0.2
    max_tokens: int = 1024
    top_k: int = 5
    score_threshold: float | None = None
    chunk_size: int | None = None
    chunk_overlap: int | None = None
    credentials_sealed: str | None = None  # Fernet token of the JSON credentials
    is_active: bool = True
    retrieval_mode: str | None = None  # None: the platform's default
    rerank_model: str | None = None  # None: no reranking (domain/reranking.py)
    greeting: str | None = None  # the widget's first message (markdown); None: the widget shows none
    curated_threshold: float | None = None  # question similarity that uses a curated answer; None: default
    # A fresh random id whenever the bot's set of live sources may have changed (a source saved or
    # deleted, the bot saved): chat reuses the live tags it read under the same revision.
    sources_rev: str | None = None

    @property
    def has_credentials(self) -> bool:
        return self.credentials_sealed is not None


class SourceType(StrEnum):
    TEXT = "text"
    UPLOAD = "upload"
    URL = "url"
    SITEMAP = "sitemap"
    BATCH = "batch"
    NYXCORE = "nyxcore"  # a remote knowledge base searched at question time (domain/remote.py)


class SourceStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    READY = "ready"
    ERROR = "error"


class RefreshSchedule(StrEnum):
    NONE = "none"
    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"

    @property
    def interval(self) -> timedelta | None:
        return {"hourly": timedelta(hours=1), "daily": timedelta(days=1), "weekly": timedelta(weeks=1)}.get(
            self.value
        )

    def next_run(self, now: datetime) -> datetime | None:
        interval = self.interval
        return now + interval if interval else None


@dataclass
class Source:
    id: str
    tenant_id: str
    bot_profile_id: str
    name: str
    source_type: SourceType
    created_at: datetime
    updated_at: datetime
    status: SourceStatus = SourceStatus.PENDING
    parent_id: str | None = None
    description: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    blob_key: str | None = None  # raw content (text, uploads) in the uploads bucket
    document_count: int = 0
    chunk_count: int = 0
    progress_done: int = 0
    progress_total: int = 0
    error_message: str | None = None
    is_active: bool = True
    refresh_schedule: RefreshSchedule = RefreshSchedule.NONE
    last_refreshed_at: datetime | None = None
    next_refresh_at: datetime | None = None
    content_hash: str | None = None
    version: int = 0  # the ingestion run whose vectors are live; chat filters on it
    children_count: int = 0
    deleted_at: datetime | None = None  # deleted: vectors, chunks and content gone, the record readable

    @property
    def is_group(self) -> bool:
        """A parent with no content of its own: a batch, or (as the original MiniRAG made them) a url,
        text or upload source created as a batch parent or as the parent of a multi-file upload."""
        if self.source_type == SourceType.BATCH:
            return True
        has_own = bool(self.config.get("url")) or self.blob_key is not None
        return self.source_type in (SourceType.URL, SourceType.TEXT, SourceType.UPLOAD) and not has_own

    @property
    def takes_children(self) -> bool:
        return self.parent_id is None and (self.is_group or self.source_type == SourceType.SITEMAP)

    @property
    def live_tag(self) -> str:
        """Payload tag of the live vectors: readers never see a half-replaced version."""
        return f"{self.id}:{self.version}"


MAX_NESTING_TYPES = {SourceType.BATCH, SourceType.SITEMAP}
