"""DOCX with python-docx: Heading 1-6 paragraphs (and Title) become the heading path; tables go row by row."""

import io
import re
import zipfile

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from minirag.adapters.parsers.common import MAX_ARCHIVE_BYTES, SectionBuilder, spend_cpu
from minirag.domain.chunking import Document
from minirag.domain.errors import MiniRAGError, PayloadTooLargeError, UnprocessableError

MAX_ARCHIVE_MEMBERS = 10_000
_HEADING_STYLE = re.compile(r"heading\s*([1-6])", re.IGNORECASE)


def parse_docx(data: bytes, title: str) -> Document:
    _check_archive(data)
    builder = SectionBuilder()
    try:
        for block in docx.Document(io.BytesIO(data)).iter_inner_content():
            spend_cpu()
            if isinstance(block, Table):
                builder.paragraph(_table_text(block))
            elif (level := _heading_level(block)) is not None:
                builder.heading(level, block.text)
            else:
                builder.paragraph(block.text)
    except MiniRAGError:
        raise
    except Exception as exc:  # python-docx and lxml raise KeyError, ValueError, XMLSyntaxError, ...
        raise UnprocessableError(f"could not read DOCX file: {' '.join(str(exc).split())[:200]}") from exc
    return builder.build(title)


def _check_archive(data: bytes) -> None:
    """Zip bomb guard. zipfile never inflates a member past its declared size, so the declared sizes bound
    what python-docx can be made to decompress."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnprocessableError("could not read DOCX file: not a valid zip archive") from exc
    if len(members) > MAX_ARCHIVE_MEMBERS or sum(m.file_size for m in members) > MAX_ARCHIVE_BYTES:
        raise PayloadTooLargeError(
            f"DOCX file expands to more than {MAX_ARCHIVE_BYTES // (1024 * 1024)} MB or "
            f"{MAX_ARCHIVE_MEMBERS:,} parts"
        )


def _heading_level(paragraph: Paragraph) -> int | None:
    name = paragraph.style.name if paragraph.style is not None else ""
    if name == "Title":
        return 0
    match = _HEADING_STYLE.fullmatch(name or "")
    return int(match.group(1)) if match else None


def _table_text(table: Table) -> str:
    """Cells joined with " | ", one line per row; a merged cell repeats across its grid span, so once."""
    lines = []
    for row in table.rows:
        texts, previous = [], None
        for cell in row.cells:
            if cell._tc is not previous:
                texts.append(" ".join(cell.text.split()))
            previous = cell._tc
        lines.append(" | ".join(text for text in texts if text))
    return "\n".join(line for line in lines if line)
