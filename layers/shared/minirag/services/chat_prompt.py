"""What the model is sent for a chat turn, and what the user is shown as its sources."""

from minirag.domain.chat import Citation
from minirag.domain.chunking import approx_tokens
from minirag.domain.knowledge import BotProfile, Credentials
from minirag.domain.models_io import ModelRequest
from minirag.domain.prompt import ContextBlock, Turn, build_messages
from minirag.domain.vectors import VectorHit

SNIPPET_CHARS = 300
HISTORY_TOKEN_BUDGET = 2000


def model_request(
    bot: BotProfile,
    creds: Credentials,
    *,
    blocks: list[ContextBlock],
    history: list[Turn],
    question: str,
    timeout_s: float,
) -> ModelRequest:
    messages = build_messages(
        system_prompt=bot.system_prompt,
        blocks=blocks,
        history=history,
        question=question,
        history_budget=HISTORY_TOKEN_BUDGET,
        count_tokens=approx_tokens,
    )
    return ModelRequest(
        model=bot.model,
        messages=messages,
        temperature=bot.temperature,
        max_tokens=bot.max_tokens,
        api_key=creds.api_key,
        api_base=creds.api_base,
        timeout_s=timeout_s,
    )


def citations(hits: list[VectorHit]) -> tuple[list[Citation], list[ContextBlock]]:
    """The same numbering in both: the model cites [n] and the user sees source n."""
    cited, blocks = [], []
    for n, hit in enumerate(hits, start=1):
        payload = hit.payload
        text = str(payload.get("text", ""))
        name = str(payload.get("source_name", ""))
        cited.append(
            Citation(
                n=n,
                chunk_id=hit.id,
                source_id=str(payload.get("source_id", "")),
                source_name=name,
                content=_snippet(text),
                score=round(float(hit.score), 6),
                curated=bool(payload.get("curated")),
            )
        )
        authority = payload.get("authority")  # remote-search passages: [MANDATORY] marks a rule
        blocks.append(
            ContextBlock(
                n=n,
                source_name=f"{name} [{str(authority).upper()}]" if authority else name,
                heading_path=tuple(payload.get("heading_path") or ()),
                text=text,
            )
        )
    return cited, blocks


def title(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 80 else line[:77] + "..."


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SNIPPET_CHARS else flat[: SNIPPET_CHARS - 3].rstrip() + "..."
