"""Markdown: ATX and setext headings nest into heading paths; fenced code blocks stay intact."""

import re

from minirag.adapters.parsers.common import SectionBuilder, spend_cpu
from minirag.domain.chunking import Document

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))??(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)


def parse_markdown(text: str, title: str) -> Document:
    parser = _MarkdownParser()
    for n, line in enumerate(_FRONT_MATTER.sub("", text, count=1).split("\n")):
        if n % 256 == 255:
            spend_cpu()
        parser.feed(line)
    return parser.close(title)


class _MarkdownParser:
    def __init__(self) -> None:
        self._sections = SectionBuilder()
        self._lines: list[str] = []  # the open paragraph or code block
        self._fence: str | None = None

    def feed(self, line: str) -> None:
        if self._fence is not None:
            self._code_line(line)
        elif fence := _FENCE.match(line):
            self._end_paragraph()
            self._fence = fence.group(1)
            self._lines.append(line)
        elif heading := _ATX.match(line):
            self._end_paragraph()
            self._sections.heading(len(heading.group(1)), heading.group(2) or "")
        elif self._lines and (underline := _SETEXT.match(line)):
            text, self._lines = " ".join(self._lines), []
            self._sections.heading(1 if underline.group(1)[0] == "=" else 2, text)
        elif line.strip():
            self._lines.append(line)
        else:
            self._end_paragraph()

    def close(self, title: str) -> Document:
        self._end_paragraph()  # an unclosed fence runs to the end of the document, as in CommonMark
        return self._sections.build(title)

    def _code_line(self, line: str) -> None:
        assert self._fence is not None
        self._lines.append(line)
        closing = _FENCE.match(line)
        # A closing fence: the same character, at least as long, and nothing after it.
        if closing and closing.group(1).startswith(self._fence) and not line.strip().strip(self._fence[0]):
            self._fence = None
            self._end_paragraph()

    def _end_paragraph(self) -> None:
        self._sections.paragraph("\n".join(self._lines))
        self._lines = []
