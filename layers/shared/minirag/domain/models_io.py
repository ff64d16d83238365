"""What crosses the ChatModel port."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelRequest:
    model: str
    messages: list[dict[str, str]]
    temperature: float
    max_tokens: int
    api_key: str | None = None
    api_base: str | None = None
    timeout_s: float = 60.0
    stream: bool = True  # False: the caller waits for the whole answer (one chunk of text is as good)


@dataclass(frozen=True)
class ModelChunk:
    text: str = ""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finished: bool = False
