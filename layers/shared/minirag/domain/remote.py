"""Remote-search sources: knowledge bases searched at question time, never ingested here.

A remote source's config keeps its API token sealed (Fernet) under SEALED_TOKEN; what clients see is
`has_api_token`. The values here are protocol-neutral; adapters/remote_search/ speaks each protocol.
"""

from dataclasses import dataclass

from minirag.domain.errors import UnprocessableError
from minirag.domain.knowledge import SourceType

REMOTE_SEARCH_TYPES = frozenset({SourceType.NYXCORE})
AUTHORITIES = ("mandatory", "guideline", "informational")
MANDATORY = "mandatory"
SEALED_TOKEN = "api_token_sealed"  # noqa: S105 (a config key, not a secret)
DEFAULT_LIMIT = 10
MAX_LIMIT = 50


class RemoteSearchError(UnprocessableError):
    """The remote knowledge base refused, failed or answered something unreadable."""


@dataclass(frozen=True)
class RemoteEndpoint:
    """Where and how to ask one remote source: its token is plain text only inside this object."""

    base_url: str
    token: str | None
    limit: int = DEFAULT_LIMIT
    authority: tuple[str, ...] = ()


@dataclass(frozen=True)
class RemoteHit:
    chunk_id: str
    content: str
    score: float
    filename: str = ""
    heading: str | None = None
    authority: str | None = None
    document_id: str = ""


@dataclass(frozen=True)
class RemoteInventory:
    """What the connection check found: the remote's ready documents and their chunks."""

    document_count: int
    chunk_count: int
