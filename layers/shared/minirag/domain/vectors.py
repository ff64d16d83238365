"""Value types crossing the vector store and blob store ports."""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SparseVector:
    indices: list[int]
    values: list[float]


@dataclass
class VectorPoint:
    id: str
    dense: list[float]
    sparse: SparseVector
    payload: dict[str, Any]


@dataclass
class VectorQuery:
    model: str
    tenant_id: str
    bot_id: str
    live_tags: list[str]
    dense: list[float]
    sparse: SparseVector
    limit: int
    mode: str = "hybrid"  # hybrid | dense | sparse
    fusion: str = "rrf"  # rrf | weighted
    source_ids: list[str] = field(default_factory=list)


@dataclass
class VectorHit:
    id: str
    score: float
    payload: dict[str, Any]


@dataclass(frozen=True)
class PresignedUpload:
    url: str
    headers: dict[str, str]
    expires_in: int
