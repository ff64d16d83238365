"""Which parser a file needs: by extension, then declared content type, then by sniffing the bytes."""

import io
import zipfile
from typing import Literal

from minirag.domain.errors import UnprocessableError

Kind = Literal["text", "markdown", "csv", "tsv", "html", "pdf", "docx"]

_EXTENSIONS: dict[str, Kind] = {
    "txt": "text",
    "text": "text",
    "log": "text",
    "md": "markdown",
    "markdown": "markdown",
    "mdown": "markdown",
    "mkd": "markdown",
    "csv": "csv",
    "tsv": "tsv",
    "html": "html",
    "htm": "html",
    "xhtml": "html",
    "pdf": "pdf",
    "docx": "docx",
}
_CONTENT_TYPES: dict[str, Kind] = {
    "text/plain": "text",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/csv": "csv",
    "application/csv": "csv",
    "text/tab-separated-values": "tsv",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}
_SNIFF_BYTES = 4096
_SUPPORTED = "txt, md, csv, tsv, html, pdf, docx"


def detect_kind(data: bytes, *, filename: str | None, content_type: str | None) -> Kind:
    extension = filename.rsplit(".", 1)[-1].lower() if filename and "." in filename else ""
    if extension in _EXTENSIONS:
        return _EXTENSIONS[extension]
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime in _CONTENT_TYPES:
        return _CONTENT_TYPES[mime]
    kind = _sniff(data)
    if kind is None:
        described = ", ".join(part for part in (extension and f".{extension}", mime) if part) or "unknown"
        raise UnprocessableError(f"unsupported file type ({described}); supported: {_SUPPORTED}")
    return kind


def _sniff(data: bytes) -> Kind | None:
    head = data[:_SNIFF_BYTES]
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx" if _is_docx(data) else None
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<!doctype html", b"<html")):
        return "html"
    return "text" if _looks_like_text(head) else None


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _looks_like_text(head: bytes) -> bool:
    """UTF-16/32 with a BOM, or few control bytes other than whitespace (binary formats are full of them)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if not head or b"\x00" in head:
        return False
    controls = sum(1 for byte in head if byte < 32 and byte not in b"\t\n\r\f\x0b\x1b")
    return controls <= len(head) // 100
