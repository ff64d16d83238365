"""How well an answer was grounded, the questions that went badly (gaps), and the answers written for them.

A turn is a gap when the answer said it could not find the answer, when nothing was retrieved for it,
when its best passage scored under a configured floor, or when the user marked it negative. Gaps are
grouped by the similarity of their questions' embeddings when they are written (never by scanning the
messages on a read); a curated answer is an operator's answer to such a question, used instead of the
model when a new question is close enough to it.
"""

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

CURATED_MODEL = "minirag/curated"  # the model named on curated answers: their own usage row, no cost
CURATED_SOURCE_NAME = "Curated answer"
MAX_VARIANTS = 20
MAX_CURATED_PER_BOT = 500
# What real models say when the context lacks the answer, beside the built-in model's own phrase.
DEFAULT_NOT_FOUND_PHRASES = (
    "I could not find this in the knowledge base.",
    "I could not find",
    "I couldn't find",
    "I don't have information",
    "I do not have information",
    "not in the provided context",
    "not mentioned in the context",
)
_CITATION_MARK = re.compile(r"\[(\d{1,4})\]")


@dataclass(frozen=True)
class Grounding:
    top_score: float | None  # the best passage's score after fusion or reranking; None: nothing retrieved
    cited: bool  # the answer cites at least one of the passages it was given
    not_found: bool  # the answer says it could not find the answer


def grounding(
    answer: str, scores: Sequence[float], numbers: Iterable[int], phrases: Sequence[str]
) -> Grounding:
    given = set(numbers)
    cited = any(int(n) in given for n in _CITATION_MARK.findall(answer))
    flat = " ".join(answer.split()).replace("\u2019", "'").casefold()  # a typographic apostrophe too
    not_found = bool(flat) and any(p.strip() and p.strip().casefold() in flat for p in phrases)
    return Grounding(top_score=max(scores) if scores else None, cited=cited, not_found=not_found)


def gap_reasons(
    *, not_found: bool | None, top_score: float | None, feedback: str | None, min_score: float | None
) -> list[str]:
    """Why a turn counts as badly answered; empty when it does not."""
    reasons = []
    if not_found:
        reasons.append("not_found")
    if top_score is None and not_found is not None:
        reasons.append("no_sources")
    elif top_score is not None and min_score is not None and top_score < min_score:
        reasons.append("low_score")
    if feedback == "negative":
        reasons.append("negative_feedback")
    return reasons


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    if len(a) != len(b) or not a:
        return 0.0
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))
    return dot / norm if norm else 0.0


def nearest[T](
    vector: Sequence[float], candidates: Iterable[tuple[T, Sequence[float]]]
) -> tuple[T | None, float]:
    best: T | None = None
    best_score = -1.0
    for item, other in candidates:
        score = cosine(vector, other)
        if score > best_score:
            best, best_score = item, score
    return best, best_score


def compact(vector: Sequence[float]) -> list[float]:
    """Five decimals keep a stored vector's similarities within 1e-4 and its item small."""
    return [round(float(x), 5) for x in vector]


@dataclass
class CuratedAnswer:
    id: str
    tenant_id: str
    bot_id: str
    question: str
    answer: str
    created_at: datetime
    updated_at: datetime
    variants: list[str] = field(default_factory=list)
    gap_id: str | None = None  # the gap it was written for, if any
    embedding_model: str = ""
    vectors: list[list[float]] = field(default_factory=list)  # question first, then each variant

    @property
    def questions(self) -> list[str]:
        return [self.question, *self.variants]


@dataclass
class GapGroup:
    id: str
    bot_id: str
    question: str  # the representative: the first question of the group
    count: int
    first_at: datetime
    last_at: datetime
    latest_question: str
    latest_answer: str
    latest_chat_id: str
    latest_message_id: str
    latest_sources: list[dict[str, Any]] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)
    vector: list[float] = field(default_factory=list)
    curated_answer_id: str | None = None
    window_count: int = 0  # asked within the window read; filled by the read


@dataclass(frozen=True)
class GapDay:
    day: str
    answers: int
    not_found: int
    curated: int
    gaps: int

    @property
    def not_found_share(self) -> float:
        return round(self.not_found / self.answers, 4) if self.answers else 0.0
