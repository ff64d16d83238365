"""CSV and TSV: each data row becomes one "column: value; column: value" paragraph."""

import csv
import io

from minirag.adapters.parsers.common import SectionBuilder, spend_cpu
from minirag.domain.chunking import Document
from minirag.domain.errors import UnprocessableError

_SNIFF_LINES = 20
_SNIFF_CHARS = 16 * 1024
_DELIMITERS = ",;\t|"


def parse_csv(text: str, title: str, *, delimiter: str | None = None) -> Document:
    """The first non-blank row names the columns; blank cells are left out, cells past the header are
    named "column N", so ragged rows lose nothing."""
    builder = SectionBuilder()
    header: list[str] | None = None
    try:
        for n, row in enumerate(csv.reader(io.StringIO(text), _dialect(text, delimiter))):
            if n % 256 == 255:
                spend_cpu()
            cells = [" ".join(cell.split()) for cell in row]
            if not any(cells):
                continue
            if header is None:
                header = cells
            else:
                builder.paragraph(_render(header, cells))
    except csv.Error as exc:
        raise UnprocessableError(f"malformed CSV: {exc}") from exc
    if header is not None and not builder.has_paragraphs:
        builder.paragraph(", ".join(cell for cell in header if cell))  # a header alone is still content
    return builder.build(title)


def _dialect(text: str, delimiter: str | None) -> type[csv.Dialect] | csv.Dialect:
    """The delimiter that splits the first lines most consistently. Not csv.Sniffer: its quote-guessing
    regular expressions backtrack, and 16 KB crafted for it took seconds of CPU; this is linear."""
    if delimiter == "\t":
        return csv.excel_tab
    lines = [line for line in text[:_SNIFF_CHARS].split("\n")[:_SNIFF_LINES] if line.strip()]
    if len(text) > _SNIFF_CHARS and len(lines) > 1:
        lines = lines[:-1]  # whole lines only: a cut row would mislead the count
    best = max(_DELIMITERS, key=lambda d: _score(lines, d))
    if not _score(lines, best)[0]:
        best = ","
    return csv.excel_tab if best == "\t" else _with_delimiter(best)


def _score(lines: list[str], delimiter: str) -> tuple[int, int]:
    """(lines that agree with the header's count of the delimiter outside quotes, that count)."""
    counts = [_count_unquoted(line, delimiter) for line in lines]
    if not counts or not counts[0]:
        return 0, 0
    return sum(1 for c in counts if c == counts[0]), counts[0]


def _count_unquoted(line: str, delimiter: str) -> int:
    parts = line.split('"')
    return sum(part.count(delimiter) for part in parts[::2])


def _with_delimiter(delimiter: str) -> type[csv.Dialect]:
    return type("Guessed", (csv.excel,), {"delimiter": delimiter})


def _render(header: list[str], cells: list[str]) -> str:
    pairs = []
    for i, value in enumerate(cells):
        if value:
            name = header[i] if i < len(header) and header[i] else f"column {i + 1}"
            pairs.append(f"{name}: {value}")
    return "; ".join(pairs)
