"""A BM25-style sparse vector: saturated term frequencies here, IDF applied by Qdrant at query time."""

import re
import unicodedata
import zlib
from collections import Counter

from minirag.domain.vectors import SparseVector

_TOKEN = re.compile(r"\w+", re.UNICODE)
_K1 = 1.2
_B = 0.75
_AVG_LEN = 200.0
_STOPWORDS = frozenset(
    (
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "he",
        "her",
        "his",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "she",
        "so",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "will",
        "with",
        "you",
        "your",
    )
)


def terms(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return [t for t in _TOKEN.findall(folded) if t not in _STOPWORDS and len(t) < 40]


def term_index(term: str) -> int:
    return zlib.crc32(term.encode()) & 0x7FFFFFFF


def _vector(weights: dict[int, float]) -> SparseVector:
    ordered = sorted(weights.items())
    return SparseVector(indices=[i for i, _ in ordered], values=[v for _, v in ordered])


def document_vector(text: str) -> SparseVector:
    found = terms(text)
    length = len(found) or 1
    weights: dict[int, float] = {}
    for term, tf in Counter(found).items():
        saturated = tf * (_K1 + 1) / (tf + _K1 * (1 - _B + _B * length / _AVG_LEN))
        index = term_index(term)
        weights[index] = weights.get(index, 0.0) + saturated
    return _vector(weights)


def query_vector(text: str) -> SparseVector:
    weights: dict[int, float] = {}
    for term in set(terms(text)):
        weights[term_index(term)] = 1.0
    return _vector(weights)
