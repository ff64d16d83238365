"""HTML with the standard library's tolerant parser: chrome is dropped, h1-h6 become heading paths."""

import re
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

from minirag.adapters.parsers.common import SectionBuilder, decode_text, spend_cpu
from minirag.domain.chunking import Document

_SKIP = frozenset({"script", "style", "nav", "footer", "header", "noscript", "svg", "template"})
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_BLOCKS = frozenset(
    {"address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "dialog", "div", "dl"}
    | {"dt", "fieldset", "figcaption", "figure", "form", "hr", "html", "legend", "main", "ol", "p"}
    | {"section", "summary", "table", "tbody", "tfoot", "thead", "ul"}
)
_LINES = frozenset({"br", "li", "tr"})
_CELLS = frozenset({"td", "th"})
_WHITESPACE = re.compile(r"\s+")  # source line breaks are spaces; only <br>, <li>, <tr> break lines


def defuse(text: str) -> str:
    """Input on which the standard library's HTMLParser stays linear (Python 3.13.0 is not).

    The parser rescans to the end of the input from every '<' that opens something it cannot close
    (a comment without '-->', a tag without '>'), so n such openers cost n^2. A '<' after the last '>'
    can never close: it is text, so it is escaped; an unterminated comment runs to the end, so the input
    stops there (what newer Pythons do). Both passes are linear.
    """
    last = text.rfind(">")
    if "<" in text[last + 1 :]:
        text = text[: last + 1] + text[last + 1 :].replace("<", "&lt;")
    start = text.find("<!--")
    while start >= 0:
        end = text.find("-->", start + 4)
        if end < 0:
            return text[:start]
        start = text.find("<!--", end + 3)
    return text


def parse_html(text: str, title: str) -> Document:
    parser = _TextExtractor()
    parser.feed(defuse(text))
    parser.close()
    return parser.document(title)


def extract_links(html: str | bytes, base_url: str) -> list[str]:
    """Absolute http(s) links from <a href>, fragments removed, first occurrence order, honouring <base>."""
    collector = _LinkCollector(base_url)
    collector.feed(defuse(decode_text(html) if isinstance(html, bytes) else html))
    collector.close()
    seen: dict[str, None] = {}
    for href in collector.hrefs:
        url = urldefrag(urljoin(collector.base_url, href.strip())).url
        if urlsplit(url).scheme in ("http", "https"):
            seen.setdefault(url, None)
    return list(seen)


class _LinkCollector(HTMLParser):
    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.hrefs: list[str] = []
        self._based = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if not href:
            return
        if tag == "base" and not self._based:
            self.base_url, self._based = urljoin(self.base_url, href.strip()), True
        elif tag == "a":
            self.hrefs.append(href)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._sections = SectionBuilder()
        self._skipping: list[str] = []  # open chrome elements, innermost last
        self._skip_counts: Counter[str] = Counter()  # the same as counts: membership in O(1)
        self._events = 0
        self._title: list[str] | None = None
        self._title_text = ""
        self._heading: tuple[int, list[str]] | None = None
        self._fragments: list[str] = []
        self._pre = 0
        self._row_cells = 0

    def document(self, title: str) -> Document:
        self._close_heading()
        self._break()
        return self._sections.build(" ".join(self._title_text.split()) or title)

    def _tick(self) -> None:
        self._events += 1
        if self._events % 256 == 0:
            spend_cpu()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tick()
        if tag in _SKIP or self._skipping:
            if tag in _SKIP:
                self._skipping.append(tag)
                self._skip_counts[tag] += 1
        elif tag == "title" and not self._title_text:
            self._title = []
        elif tag in _HEADINGS:
            self._close_heading()
            self._break()
            self._heading = (_HEADINGS[tag], [])
        else:
            if tag in _BLOCKS:
                self._close_heading()  # an unclosed <h1> must not swallow the page
            self._open_layout(tag)

    def handle_endtag(self, tag: str) -> None:
        self._tick()
        if tag in ("body", "html"):
            self._skipping.clear()  # an unclosed <nav> or <header> ends with the page
            self._skip_counts.clear()
        if self._skipping:
            if self._skip_counts[tag]:  # each element is popped once: linear over the document
                while (popped := self._skipping.pop()) != tag:
                    self._skip_counts[popped] -= 1
                self._skip_counts[tag] -= 1
        elif tag == "title" and self._title is not None:
            self._title_text, self._title = "".join(self._title), None
        elif tag in _HEADINGS:
            self._close_heading()
        elif tag == "pre" and self._pre:
            self._break()
            self._pre -= 1
        elif tag in _BLOCKS:
            self._break()
        elif tag in _LINES:
            self._fragments.append("\n")

    def handle_data(self, data: str) -> None:
        self._tick()
        if self._skipping:
            return
        if self._title is not None:
            self._title.append(data)
        elif self._heading is not None:
            self._heading[1].append(data)
        else:
            self._fragments.append(data if self._pre else _WHITESPACE.sub(" ", data))

    def _open_layout(self, tag: str) -> None:
        if tag == "pre":
            self._break()
            self._pre += 1
        elif tag in _BLOCKS:
            self._break()
        elif tag in _LINES:
            self._fragments.append("\n")
            self._row_cells = 0 if tag == "tr" else self._row_cells
        elif tag in _CELLS:
            if self._row_cells:
                self._fragments.append(" | ")
            self._row_cells += 1

    def _close_heading(self) -> None:
        if self._heading is not None:
            self._sections.heading(self._heading[0], "".join(self._heading[1]))
            self._heading = None

    def _break(self) -> None:
        """End the paragraph: whitespace collapses per line, except inside <pre>."""
        text = "".join(self._fragments)
        self._fragments = []
        if not self._pre:
            text = "\n".join(" ".join(line.split()) for line in text.split("\n") if line.strip())
        self._sections.paragraph(text)
