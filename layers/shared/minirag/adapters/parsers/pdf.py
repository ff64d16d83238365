"""PDF with pypdf: one section per page, its heading path the outline entry covering it (if any) + "Page N".

The page stays in the path even with an outline, so a citation can always name its page.
"""

import io
import re
from bisect import bisect_right
from typing import Any

from pypdf import PdfReader

from minirag.adapters.parsers.common import MAX_TEXT_CHARS, finish, spend_cpu, too_large
from minirag.domain.chunking import Document, Section
from minirag.domain.errors import MiniRAGError, UnprocessableError

MAX_OUTLINE_ENTRIES = 2000
MAX_OUTLINE_DEPTH = 6
_HYPHENATED = re.compile(r"(\w)-\n(?=[a-z])")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")


def parse_pdf(data: bytes, title: str) -> Document:
    reader = _open(data)
    outline = _Outline(reader)
    sections, chars, failures = [], 0, []
    for number, page in enumerate(reader.pages, start=1):
        spend_cpu()
        try:
            text = _clean(page.extract_text() or "")
        except Exception as exc:  # pypdf raises many types on damaged content streams
            failures.append(exc)
            continue
        chars += len(text)
        if chars > MAX_TEXT_CHARS:
            raise too_large()
        sections.append(Section(heading_path=(*outline.path(number - 1), f"Page {number}"), text=text))
    if not any(section.text.strip() for section in sections):
        if failures:
            raise UnprocessableError(f"could not read PDF: {_describe(failures[0])}")
        raise UnprocessableError("no text could be extracted (scanned PDF?)")
    return finish(Document(title=title, sections=sections))


def _open(data: bytes) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnprocessableError("PDF is password-protected; upload an unprotected copy")
        if not len(reader.pages):
            raise UnprocessableError("PDF has no pages")
    except MiniRAGError:
        raise
    except Exception as exc:  # corrupt files surface as PdfReadError, ValueError, KeyError, ...
        raise UnprocessableError(f"could not read PDF: {_describe(exc)}") from exc
    return reader


def _clean(text: str) -> str:
    text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    return _HYPHENATED.sub(r"\1", _TRAILING_SPACE.sub("\n", text)).strip()


def _describe(exc: BaseException) -> str:
    message = " ".join(str(exc).split())[:200]
    return message or type(exc).__name__


class _Outline:
    """Outline (bookmark) entries sorted by page; optional, so any failure to read it means "no outline"."""

    def __init__(self, reader: PdfReader) -> None:
        self._reader = reader
        self._entries: list[tuple[int, tuple[str, ...]]] = []
        try:
            self._walk(reader.outline, (), 0)
        except Exception:  # a damaged outline only costs us the headings
            self._entries = []
        self._entries.sort(key=lambda entry: entry[0])
        self._pages = [page for page, _ in self._entries]

    def path(self, page_index: int) -> tuple[str, ...]:
        position = bisect_right(self._pages, page_index)
        return self._entries[position - 1][1] if position else ()

    def _walk(self, items: list[Any], parents: tuple[str, ...], depth: int) -> None:
        last: tuple[str, ...] | None = None
        for item in items:
            if len(self._entries) >= MAX_OUTLINE_ENTRIES:
                return
            if isinstance(item, list):
                if last is not None and depth < MAX_OUTLINE_DEPTH:
                    self._walk(item, last, depth + 1)
                continue
            title = " ".join(str(item.title or "").split())
            page = self._reader.get_destination_page_number(item)
            if title and page is not None:
                last = (*parents, title)
                self._entries.append((page, last))
