"""Token-aware, structure-first chunking of parsed documents.

Every chunk's text is an exact slice of the document text, so sentence punctuation and paragraph
breaks survive by construction (the original MiniRAG chunker re-joined words and lost both).
Offsets are document-level: ``chunk.text == doc.text[chunk.char_start:chunk.char_end]``, where
``doc.text`` joins the section texts with ``SECTION_SEPARATOR``.
"""

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from minirag.domain.errors import UnprocessableError

SECTION_SEPARATOR = "\n\n"
MIN_CHUNK_TOKENS = 16

TokenCounter = Callable[[str], int]

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# A sentence ends at terminal punctuation (plus closing quotes/brackets) followed by whitespace, or at a
# line break: lists, tables and code split per line. Only the captured gap separates; the punctuation stays.
_SENTENCE_BREAK = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*(\s+)|[\u3002\uff01\uff1f](\s*)|(\n\s*)")
_WORD = re.compile(r"\S+")
_WORD_BREAK = re.compile(r"\s+")
_CJK = "\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af"
# A CJK character, up to 8 characters of any other word (so a word costs ceil(len / 8)), a punctuation mark.
_APPROX_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]{{1,8}}|[^\w\s]")


@dataclass(frozen=True)
class Section:
    heading_path: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Document:
    title: str
    sections: list[Section]

    @property
    def text(self) -> str:
        """The text that chunk offsets index into."""
        return SECTION_SEPARATOR.join(section.text for section in self.sections)


@dataclass(frozen=True)
class Chunk:
    index: int
    text: str
    heading_path: tuple[str, ...]
    token_count: int
    char_start: int
    char_end: int


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    tokens: int


def approx_tokens(text: str) -> int:
    """A dependency-free stand-in for a WordPiece count: a token per punctuation mark and CJK character,
    one per word of up to 8 characters and one more per further 8 characters."""
    return len(_APPROX_TOKEN.findall(text))


def chunk_document(
    doc: Document,
    *,
    chunk_tokens: int = 256,
    overlap_tokens: int = 32,
    count_tokens: TokenCounter = approx_tokens,
) -> list[Chunk]:
    """Chunks that never cross a section, each at most ``chunk_tokens`` long (a lone word longer than
    that is the one exception) and sharing at most ``overlap_tokens`` with the previous chunk."""
    _validate(chunk_tokens, overlap_tokens)
    chunks: list[Chunk] = []
    offset = 0
    for section in doc.sections:
        packer = _SectionPacker(section.text, chunk_tokens, overlap_tokens, count_tokens)
        for start, end, tokens in packer.spans():
            chunks.append(
                Chunk(
                    index=len(chunks),
                    text=section.text[start:end],
                    heading_path=section.heading_path,
                    token_count=tokens,
                    char_start=offset + start,
                    char_end=offset + end,
                )
            )
        offset += len(section.text) + len(SECTION_SEPARATOR)
    return chunks


def _validate(chunk_tokens: int, overlap_tokens: int) -> None:
    if chunk_tokens < MIN_CHUNK_TOKENS:
        raise UnprocessableError(f"chunk_tokens must be at least {MIN_CHUNK_TOKENS}, got {chunk_tokens}")
    if not 0 <= overlap_tokens < chunk_tokens:
        raise UnprocessableError(
            f"overlap_tokens must be at least 0 and below chunk_tokens ({chunk_tokens}), got {overlap_tokens}"
        )


def _pieces(pattern: re.Pattern[str], text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Stripped, non-empty spans of text[start:end] between separators: a pattern's captured group if it
    has one (so the punctuation before a sentence gap stays with its sentence), else the whole match."""
    spans, cursor = [], start
    for match in pattern.finditer(text, start, end):
        gap = match.lastindex or 0
        spans.append((cursor, match.start(gap)))
        cursor = match.end(gap)
    spans.append((cursor, end))
    return [_strip(text, a, b) for a, b in spans if text[a:b].strip()]


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    piece = text[start:end]
    return start + len(piece) - len(piece.lstrip()), end - len(piece) + len(piece.rstrip())


class _SectionPacker:
    """Greedy packing of one section's units (paragraphs, else sentences or lines, else words).

    Unit sizes are counted once and summed as marginal counts over the counter's empty-text baseline (a
    counter that adds [CLS]/[SEP] has a baseline of 2); each finished chunk is then counted for real and
    shrunk if the sum was optimistic, so the size guarantee holds for any counter.
    """

    def __init__(self, text: str, budget: int, overlap: int, count: TokenCounter) -> None:
        self._text, self._budget, self._overlap, self._count = text, budget, overlap, count
        self._base = max(0, count(""))

    @cached_property
    def _sentence_starts(self) -> list[int]:
        return [start for start, _ in _pieces(_SENTENCE_BREAK, self._text, 0, len(self._text))]

    @cached_property
    def _word_starts(self) -> list[int]:
        return [match.start() for match in _WORD.finditer(self._text)]

    def spans(self) -> list[tuple[int, int, int]]:
        """(start, end, token count) of each chunk, offsets into the section text."""
        units: list[_Unit] = []
        for start, end in _pieces(_PARAGRAPH_BREAK, self._text, 0, len(self._text)):
            self._split(start, end, (_SENTENCE_BREAK, _WORD_BREAK), units)
        spans: list[tuple[int, int, int]] = []
        i = 0
        while i < len(units):
            start, used = units[i].start, 0
            if spans and self._overlap:
                tail = self._overlap_tail(spans[-1][0], spans[-1][1], self._budget - units[i].tokens)
                start, used = tail or (start, used)
            j = self._fill(units, i, used)
            start, j, tokens = self._fit(units, i, j, start)
            spans.append((start, units[j - 1].end, tokens))
            i = j
        return spans

    def _split(self, start: int, end: int, patterns: tuple[re.Pattern[str], ...], out: list[_Unit]) -> None:
        tokens = max(0, self._count(self._text[start:end]) - self._base)
        if self._base + tokens <= self._budget or not patterns:
            out.append(_Unit(start, end, tokens))
            return
        for piece_start, piece_end in _pieces(patterns[0], self._text, start, end):
            self._split(piece_start, piece_end, patterns[1:], out)

    def _fill(self, units: list[_Unit], i: int, used: int) -> int:
        """Index one past the last unit that fits after units[i] (which is always taken)."""
        used += self._base + units[i].tokens
        j = i + 1
        while j < len(units) and used + units[j].tokens <= self._budget:
            used += units[j].tokens
            j += 1
        return j

    def _fit(self, units: list[_Unit], i: int, j: int, start: int) -> tuple[int, int, int]:
        """Shrink the candidate chunk until the real count fits: drop trailing units, then the overlap."""
        while (tokens := self._count(self._text[start : units[j - 1].end])) > self._budget:
            if j - 1 > i:
                j -= 1
            elif start < units[i].start:
                start = units[i].start
            else:
                break  # a single word longer than the budget
        return start, j, tokens

    def _overlap_tail(self, prev_start: int, prev_end: int, limit: int) -> tuple[int, int] | None:
        """Start and marginal tokens of the overlap: the longest tail of the previous chunk made of whole
        sentences, unless that is under half the allowance and whole words give more."""
        limit = min(limit, self._overlap)
        tail = self._longest_tail(self._sentence_starts, prev_start, prev_end, limit)
        if tail is None or tail[1] < limit // 2:
            tail = self._longest_tail(self._word_starts, prev_start, prev_end, limit) or tail
        return None if tail is None else (tail[0], max(0, tail[1] - self._base))

    def _longest_tail(self, starts: list[int], lo: int, end: int, limit: int) -> tuple[int, int] | None:
        """Earliest start in (lo, end) whose tail text[start:end] counts at most limit, with its count.

        Tails only grow as the start moves left, so: gallop left from the end while tails fit, then binary
        search the last gap. Probes stay near the overlap's size instead of half a chunk.
        """
        left, right = bisect_right(starts, lo), bisect_left(starts, end)
        best: tuple[int, int] | None = None
        step = 1
        while right - step >= left:  # invariant: every candidate from `right` on fits
            tokens = self._count(self._text[starts[right - step] : end])
            if tokens > limit:
                left = right - step + 1
                break
            best, right, step = (starts[right - step], tokens), right - step, step * 2
        while left < right:
            mid = (left + right) // 2
            tokens = self._count(self._text[starts[mid] : end])
            if tokens <= limit:
                best, right = (starts[mid], tokens), mid
            else:
                left = mid + 1
        return best
