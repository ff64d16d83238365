"""The prompt of a RAG turn: numbered context blocks, citation rules, recent history within a budget.

The offline extractive model parses this exact layout (adapters/offline_llm.py): keep them in step.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant for this organisation's knowledge base."
RULES = (
    "Answer only from the context below. Cite the passages you use as [1], [2] right after the sentence "
    "they support. If the context does not contain the answer, say that you could not find it."
)


@dataclass(frozen=True)
class ContextBlock:
    n: int
    source_name: str
    heading_path: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Turn:
    role: str
    content: str


def context_text(blocks: Sequence[ContextBlock]) -> str:
    parts = []
    for block in blocks:
        header = f"[{block.n}] {block.source_name}"
        if block.heading_path:
            header += " \u2014 " + " > ".join(block.heading_path)
        parts.append(f"{header}\n{block.text.strip()}")
    return "\n\n".join(parts)


def build_messages(
    *,
    system_prompt: str | None,
    blocks: Sequence[ContextBlock],
    history: Sequence[Turn],
    question: str,
    history_budget: int,
    count_tokens: Callable[[str], int],
) -> list[dict[str, str]]:
    """System (persona, rules, context), then the newest history turns that fit the budget, then the question."""
    system = f"{system_prompt or DEFAULT_SYSTEM_PROMPT}\n\n{RULES}\n\n<context>\n{context_text(blocks)}\n</context>"
    kept: list[Turn] = []
    spent = 0
    for turn in reversed(history):
        cost = count_tokens(turn.content)
        if spent + cost > history_budget:
            break
        kept.append(turn)
        spent += cost
    messages = [{"role": "system", "content": system}]
    messages += [{"role": t.role, "content": t.content} for t in reversed(kept)]
    messages.append({"role": "user", "content": question})
    return messages


def standalone_query(question: str, history: Sequence[Turn]) -> str:
    """Deterministic follow-up rewrite: the previous user turn gives a short question its subject."""
    previous = next((t.content for t in reversed(history) if t.role == "user"), None)
    return f"{previous}\n{question}" if previous else question
