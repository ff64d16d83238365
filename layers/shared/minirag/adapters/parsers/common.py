"""What every format parser shares: limits, text decoding and the heading-path section builder."""

import codecs
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from minirag.domain.chunking import Document, Section
from minirag.domain.errors import PayloadTooLargeError, UnprocessableError

MAX_TEXT_CHARS = 5_000_000
MAX_ARCHIVE_BYTES = 100 * 1024 * 1024
_LEADING_BLANK_LINES = re.compile(r"\A\s*\n")

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes) -> str:
    """Bytes to text without ever failing: a BOM's encoding, else UTF-8, else cp1252, else latin-1.
    NULs are dropped and line endings normalised to \\n."""
    text = _decode(data).removeprefix("\ufeff")
    return text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")


def _decode(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                break  # a BOM followed by garbage: fall through to the byte-oriented fallbacks
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


_cpu_deadline: ContextVar[float | None] = ContextVar("parse_cpu_deadline", default=None)


class CpuBudgetExceededError(UnprocessableError):
    """The document took more CPU time to parse than one document may."""


@contextmanager
def cpu_budget(seconds: float | None) -> Iterator[None]:
    """Parsers called inside stop with CpuBudgetExceededError once this thread has spent `seconds` of CPU."""
    token = _cpu_deadline.set(None if seconds is None else time.thread_time() + seconds)
    try:
        yield
    finally:
        _cpu_deadline.reset(token)


def spend_cpu() -> None:
    """Called by the parsers every few hundred elements, rows or pages: cheap (one clock read)."""
    deadline = _cpu_deadline.get()
    if deadline is not None and time.thread_time() > deadline:
        raise CpuBudgetExceededError("the document took too long to parse (CPU budget per document spent)")


def too_large() -> PayloadTooLargeError:
    return PayloadTooLargeError(f"document is too large: more than {MAX_TEXT_CHARS:,} characters of text")


def check_text_size(text: str) -> str:
    if len(text) > MAX_TEXT_CHARS:
        raise too_large()
    return text


class SectionBuilder:
    """Collects paragraphs under a stack of headings; each heading change closes a section.

    Levels only need to be comparable: a heading pops every open heading of the same or a deeper level.
    The text cap is enforced while building, so a huge input stops early.
    """

    def __init__(self) -> None:
        self._headings: list[tuple[int, str]] = []
        self._paragraphs: list[str] = []
        self._sections: list[Section] = []
        self._chars = 0

    def heading(self, level: int, text: str) -> None:
        text = " ".join(text.split())
        if not text:
            return
        self._flush()
        while self._headings and self._headings[-1][0] >= level:
            self._headings.pop()
        self._headings.append((level, text))

    def paragraph(self, text: str) -> None:
        """Blank lines around the text go; the first line's indentation stays (it matters in code)."""
        if not text.strip():
            return
        text = _LEADING_BLANK_LINES.sub("", text).rstrip()
        self._chars += len(text) + 2
        if self._chars > MAX_TEXT_CHARS:
            raise too_large()
        self._paragraphs.append(text)

    @property
    def has_paragraphs(self) -> bool:
        return bool(self._paragraphs or self._sections)

    def build(self, title: str) -> Document:
        self._flush()
        return finish(Document(title=title, sections=self._sections))

    def _flush(self) -> None:
        if self._paragraphs:
            path = tuple(text for _, text in self._headings)
            self._sections.append(Section(heading_path=path, text="\n\n".join(self._paragraphs)))
            self._paragraphs = []


def finish(doc: Document) -> Document:
    """Drop blank sections; a document with nothing left is an error, not an empty success."""
    sections = [section for section in doc.sections if section.text.strip()]
    if not sections:
        raise UnprocessableError("document is empty")
    return Document(title=doc.title, sections=sections)


def single_section(text: str, title: str) -> Document:
    return finish(Document(title=title, sections=[Section(heading_path=(), text=check_text_size(text))]))
