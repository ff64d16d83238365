"""CSV and TSV: each data row becomes one "column: value; column: value" paragraph."""

import csv
import io

from minirag.adapters.parsers.common import SectionBuilder
from minirag.domain.chunking import Document
from minirag.domain.errors import UnprocessableError

_SNIFF_CHARS = 64 * 1024
_DELIMITERS = ",;\t|"


def parse_csv(text: str, title: str, *, delimiter: str | None = None) -> Document:
    """The first non-blank row names the columns; blank cells are left out, cells past the header are
    named "column N", so ragged rows lose nothing."""
    builder = SectionBuilder()
    header: list[str] | None = None
    try:
        for row in csv.reader(io.StringIO(text), _dialect(text, delimiter)):
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
    if delimiter == "\t":
        return csv.excel_tab
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # whole lines only: a cut row misleads the sniffer
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS)
    except csv.Error:  # the sniffer wants consistent rows; fall back to the header line's commonest delimiter
        header = next((line for line in sample.split("\n") if line.strip()), "")
        best = max(_DELIMITERS, key=header.count)
        return csv.excel_tab if best == "\t" else _with_delimiter(best if header.count(best) else ",")


def _with_delimiter(delimiter: str) -> type[csv.Dialect]:
    return type("Guessed", (csv.excel,), {"delimiter": delimiter})


def _render(header: list[str], cells: list[str]) -> str:
    pairs = []
    for i, value in enumerate(cells):
        if value:
            name = header[i] if i < len(header) and header[i] else f"column {i + 1}"
            pairs.append(f"{name}: {value}")
    return "; ".join(pairs)
