"""Uploaded or pasted bytes to a structured Document (txt, md, csv/tsv, html, pdf, docx)."""

from collections.abc import Callable

from minirag.adapters.parsers.common import (
    MAX_ARCHIVE_BYTES,
    MAX_TEXT_CHARS,
    cpu_budget,
    decode_text,
    single_section,
)
from minirag.adapters.parsers.detect import Kind, detect_kind
from minirag.adapters.parsers.html import extract_links, parse_html
from minirag.adapters.parsers.markdown import parse_markdown
from minirag.adapters.parsers.pdf import parse_pdf
from minirag.adapters.parsers.tabular import parse_csv
from minirag.adapters.parsers.word import parse_docx
from minirag.domain.chunking import Document
from minirag.domain.errors import UnprocessableError

__all__ = ["MAX_ARCHIVE_BYTES", "MAX_TEXT_CHARS", "decode_text", "extract_links", "parse_document"]

_PARSERS: dict[Kind, Callable[[bytes, str], Document]] = {
    "text": lambda data, title: single_section(decode_text(data), title),
    "markdown": lambda data, title: parse_markdown(decode_text(data), title),
    "csv": lambda data, title: parse_csv(decode_text(data), title),
    "tsv": lambda data, title: parse_csv(decode_text(data), title, delimiter="\t"),
    "html": lambda data, title: parse_html(decode_text(data), title),
    "pdf": parse_pdf,
    "docx": parse_docx,
}


def parse_document(
    data: bytes,
    *,
    filename: str | None,
    content_type: str | None,
    title: str,
    cpu_seconds: float | None = None,
) -> Document:
    """Raises UnprocessableError for unsupported, corrupt, protected or empty input (CpuBudgetExceededError
    past `cpu_seconds` of CPU), and PayloadTooLargeError past MAX_TEXT_CHARS of text or a DOCX expanding
    past MAX_ARCHIVE_BYTES."""
    if not data or data.isspace():
        raise UnprocessableError("document is empty")
    kind = detect_kind(data, filename=filename, content_type=content_type)
    with cpu_budget(cpu_seconds):
        return _PARSERS[kind](data, title)
