"""MiniRAG's built-in chat model: answers from the retrieved context alone, with no API key and no network.

The chat service calls it directly (`OfflineChatModel`, the ChatModel port): going through LiteLLM cost
about 30 ms of CPU per answer and LiteLLM's multi-second import before the first one. It is also a
LiteLLM custom provider (`offline_llm_provider.py`), so ``litellm.completion(model="minirag/...")`` works
for any caller that goes through LiteLLM. The answer is extractive and deterministic: the one to three context sentences that best match the question,
each followed by its citation ``[n]``, or ``NOT_FOUND``. It never writes any other text.

Prompt contract (the chat service builds it): a system message holds the retrieved passages between the
lines ``<context>`` and ``</context>``, each block a header line ``[n] <source name>`` (optionally
`` — <heading path>``) followed by the passage lines, blocks separated by a blank line and numbered
consecutively. The last user message is the question; earlier messages are history.
"""

import functools
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypedDict

from minirag.domain.chunking import approx_tokens
from minirag.domain.lexical import terms
from minirag.domain.models_io import ModelChunk, ModelRequest

OFFLINE_MODEL = "minirag/offline-extractive"
PROVIDER = "minirag"
NOT_FOUND = "I could not find this in the knowledge base."

MAX_SENTENCES = 3
MIN_SCORE = 0.3  # share of the question's weighted terms a sentence must contain
RELATIVE_CUTOFF = 0.5  # a further sentence must score at least this share of the best one
RANK_BONUS = 0.05  # block 1 gets all of it, the last block nearly none

_HEADER = re.compile(r"\[(\d{1,4})\](?:\s(.*))?")
# An FAQ's question line ("Q: ...", "Question: ...", or any line ending in a question mark) is never
# quoted as an answer: it lends its words to the answer lines after it. "A:" / "Answer:" prefixes go.
_QUESTION_LINE = re.compile(r"^(?:\*\*)?(?:q|question)\s*[:.)]|\?[\s*\"'\u201d]*$", re.I)
_ANSWER_PREFIX = re.compile(r"^(?:\*\*)?(?:a|answer)\s*[:.)]\s*(?:\*\*)?\s*", re.I)
# A break after terminal punctuation (and closing quotes or brackets) unless a lowercase word follows,
# as after "e.g.", or at any line break: list items and table rows stand alone.
_SENTENCE_BREAK = re.compile(
    r"(?:(?<=[.!?\u2026])|(?<=[.!?\u2026][\"'\u201d\u2019)\]]))\s+(?=[^\sa-z])|\s*\n\s*"
)
_PIECE = re.compile(r"\S+\s*")
_QUESTION_WORDS = frozenset(
    (
        "about",
        "any",
        "can",
        "could",
        "did",
        "do",
        "does",
        "how",
        "many",
        "may",
        "me",
        "might",
        "much",
        "must",
        "my",
        "please",
        "should",
        "tell",
        "would",
    )
)
_VOWELS = frozenset("aeiouy")


@dataclass(frozen=True)
class ContextBlock:
    number: int
    text: str
    heading: str = ""  # the header line's text after the number: source name, heading path


@dataclass(frozen=True)
class _Sentence:
    text: str
    number: int
    rank: int
    stems: frozenset[str]
    asked: frozenset[str] = frozenset()  # stems of the FAQ question this sentence answers, if any

    @property
    def matchable(self) -> frozenset[str]:
        return self.stems | self.asked


class UsageBlock(TypedDict):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


@dataclass(frozen=True)
class Reply:
    text: str
    prompt_tokens: int

    @property
    def pieces(self) -> list[str]:
        return _PIECE.findall(self.text)

    def usage(self) -> UsageBlock:
        completion = len(self.pieces)
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": self.prompt_tokens + completion,
        }


def answer(messages: list[dict[str, Any]]) -> str:
    """The reply to a chat prompt, the same for the same messages."""
    blocks = parse_context(_system_text(messages))
    question = _last_user_text(messages)
    chosen = _select(_score(_sentences(blocks), question, len(blocks)))
    if not chosen:
        return NOT_FOUND
    return " ".join(f"{s.text} [{s.number}]" for s in chosen)


def parse_context(prompt: str) -> list[ContextBlock]:
    """A header counts only at the start of a block and with the next number, so a passage that quotes
    ``[3]`` inline or on a line of its own stays text."""
    blocks: list[tuple[int, str, list[str]]] = []
    after_blank = True
    for line in _context_lines(prompt):
        header = _HEADER.fullmatch(line.strip()) if after_blank else None
        if header and (not blocks or int(header[1]) == blocks[-1][0] + 1):
            blocks.append((int(header[1]), header[2] or "", []))
        elif blocks:
            blocks[-1][2].append(line)
        after_blank = not line.strip()
    return [ContextBlock(number, "\n".join(body).strip(), heading) for number, heading, body in blocks]


def _context_lines(prompt: str) -> list[str]:
    lines = prompt.splitlines()
    opening = [i for i, line in enumerate(lines) if line.strip() == "<context>"]
    if not opening:
        return []
    closing = [i for i, line in enumerate(lines) if line.strip() == "</context>" and i > opening[0]]
    return lines[opening[0] + 1 : closing[-1] if closing else len(lines)]


def _content_text(content: Any) -> str:
    """Message content is a string or a list of OpenAI content parts; only text parts count."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def _system_text(messages: list[dict[str, Any]]) -> str:
    system = (m for m in messages if m.get("role") in ("system", "developer"))
    return "\n".join(_content_text(m.get("content")) for m in system)


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    users = [m for m in messages if m.get("role") == "user"]
    return _content_text(users[-1].get("content")) if users else ""


@functools.lru_cache(maxsize=1 << 15)
def stem(term: str) -> str:
    """Folds plurals, -ing and -ed, then a doubled final consonant and a final e: shipping, ships, shipped
    -> ship; stores, stored, storing -> stor."""
    if len(term) <= 3 or not term.isalpha():
        return term
    if term.endswith("ies") and len(term) > 4:
        term = term[:-3] + "y"
    elif term.endswith(("sses", "xes", "ches", "shes", "zes")):
        term = term[:-2]
    elif term.endswith("s") and not term.endswith(("ss", "us", "is")):
        term = term[:-1]
    elif term.endswith("ing") and len(term) > 5:
        term = term[:-3]
    elif term.endswith("ed") and len(term) > 4:
        term = term[:-2]
    if len(term) > 3 and term[-1] == term[-2] and term[-1] not in _VOWELS and term[-1] not in "lsz":
        term = term[:-1]
    if len(term) > 3 and term.endswith("e") and not term.endswith("ee"):
        term = term[:-1]
    return term


def _stems(text: str) -> frozenset[str]:
    return frozenset(stem(t) for t in set(terms(text)) - _QUESTION_WORDS)


def _sentences(blocks: list[ContextBlock]) -> list[_Sentence]:
    """Quotable sentences. Markdown headings and FAQ question lines are not quotable; a question (a
    heading, a "Q:" line, or the block's heading path) lends its words to the sentences that follow it."""
    found: list[_Sentence] = []
    for rank, block in enumerate(blocks):
        last_heading = block.heading.split(" \u2014 ", 1)[-1].split(" > ")[-1].strip()
        asked = _stems(last_heading) if last_heading.endswith("?") else frozenset()
        for line in block.text.splitlines():
            if line.lstrip().startswith("#"):
                heading = line.lstrip("# ").strip()
                asked = _stems(heading) if heading.endswith("?") else frozenset()
                continue
            for part in _SENTENCE_BREAK.split(line):
                text = _ANSWER_PREFIX.sub("", part.strip())
                if _QUESTION_LINE.search(text):
                    asked = _stems(text)
                    continue
                stems = _stems(text)
                if stems:
                    found.append(_Sentence(text, block.number, rank, stems, asked))
    return found


def _score(sentences: list[_Sentence], question: str, block_count: int) -> list[tuple[float, _Sentence]]:
    """Each sentence's share of the question's IDF-weighted stems, plus a small bonus for its block's rank.
    A question stem absent from the context weighs most, so an unrelated question scores near zero."""
    wanted = _stems(question)
    df = Counter(s for sentence in sentences for s in sentence.matchable & wanted)
    n = len(sentences)
    weight = {s: math.log(1 + n / (df[s] or 0.5)) for s in wanted}
    total = sum(weight[s] for s in sorted(wanted))  # sorted: float sums must not depend on hash order
    scored = []
    for sentence in sentences:
        matched = sum(weight[s] for s in sorted(sentence.matchable & wanted))
        if matched:
            bonus = RANK_BONUS * (1 - sentence.rank / block_count)
            scored.append((matched / total + bonus, sentence))
    return scored


def _select(scored: list[tuple[float, _Sentence]]) -> list[_Sentence]:
    """Best first; ties go to the better block, then to the earlier sentence (the sort is stable)."""
    ranked = sorted(scored, key=lambda pair: (-pair[0], pair[1].rank))
    if not ranked or ranked[0][0] < MIN_SCORE:
        return []
    floor = max(MIN_SCORE, ranked[0][0] * RELATIVE_CUTOFF)
    chosen: list[_Sentence] = []
    for score, sentence in ranked:
        if score >= floor and all(sentence.text != c.text for c in chosen):
            chosen.append(sentence)
    return chosen[:MAX_SENTENCES]


def count_tokens(messages: list[dict[str, Any]]) -> int:
    """A deterministic prompt size: words and punctuation marks of every message."""
    return sum(approx_tokens(_content_text(m.get("content"))) for m in messages)


def reply(messages: list[dict[str, Any]]) -> Reply:
    return Reply(answer(messages), count_tokens(messages))


class OfflineChatModel:
    """The ChatModel port over the offline answerer: word pieces as deltas, then the usage, then done."""

    def check(self, *, model: str, api_key: str | None, api_base: str | None) -> None:
        """Needs no key and no endpoint."""

    def stream(self, request: ModelRequest) -> Iterator[ModelChunk]:
        answered = reply(request.messages)
        for piece in answered.pieces:
            yield ModelChunk(text=piece)
        usage = answered.usage()
        yield ModelChunk(prompt_tokens=usage["prompt_tokens"], completion_tokens=usage["completion_tokens"])
        yield ModelChunk(finished=True)
