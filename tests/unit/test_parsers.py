import io
import zipfile

import docx
import pytest
from pypdf import PdfReader, PdfWriter

from minirag.adapters.parsers import MAX_TEXT_CHARS, extract_links, parse_document
from minirag.domain.chunking import Document, chunk_document
from minirag.domain.errors import PayloadTooLargeError, UnprocessableError


def parse(data: bytes, filename: str | None = None, content_type: str | None = None) -> Document:
    return parse_document(data, filename=filename, content_type=content_type, title="Given title")


def paths_and_texts(doc: Document) -> list[tuple[tuple[str, ...], str]]:
    return [(s.heading_path, s.text) for s in doc.sections]


def _pdf_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def make_pdf(pages: list[list[str]]) -> bytes:
    """A minimal hand-written PDF: Helvetica text lines per page; a page without lines only draws a line."""
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, lines in enumerate(pages):
        shows = " T* ".join(f"{_pdf_string(line)} Tj" for line in lines)
        stream = f"BT /F1 12 Tf 14 TL 72 720 Td {shows} ET" if lines else "0 0 m 100 100 l S"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {5 + 2 * i} 0 R "
            "/Resources << /Font << /F1 3 0 R >> >> >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream".encode())
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def rewrite_pdf(pdf: bytes, *, outline: bool = False, user_password: str | None = None) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    if outline:
        chapter = writer.add_outline_item(title="Chapter One", page_number=1)
        writer.add_outline_item(title="Part A", page_number=2, parent=chapter)
    if user_password is not None:
        writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx() -> bytes:
    document = docx.Document()
    document.add_heading("Handbook", level=0)
    document.add_heading("Intro", level=1)
    document.add_paragraph("First paragraph. It has two sentences!")
    document.add_heading("Details", level=2)
    document.add_paragraph("Deep text.")
    table = document.add_table(rows=2, cols=3)
    for (row, col), text in {(0, 0): "name", (0, 1): "qty", (1, 0): "apple", (1, 1): "3"}.items():
        table.cell(row, col).text = text
    table.cell(0, 1).merge(table.cell(0, 2))
    document.add_heading("Appendix", level=1)
    document.add_paragraph("Closing words.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# detection


def test_extension_wins_over_content_type():
    doc = parse(b"# Heading\n\nbody <b>not html</b>", "notes.md", "text/html")

    assert paths_and_texts(doc) == [(("Heading",), "body <b>not html</b>")]


def test_content_type_is_used_without_a_known_extension():
    doc = parse(b"# Heading\n\nbody", "upload.bin", "text/markdown; charset=utf-8")

    assert paths_and_texts(doc) == [(("Heading",), "body")]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (make_pdf([["Sniffed pdf."]]), [(("Page 1",), "Sniffed pdf.")]),
        (make_docx(), None),
        (
            b"<!DOCTYPE html><html><body><h1>H</h1><p>Sniffed html.</p></body></html>",
            [(("H",), "Sniffed html.")],
        ),
        (b"# plain text is not sniffed as markdown", [((), "# plain text is not sniffed as markdown")]),
    ],
)
def test_content_is_sniffed_without_name_or_type(data, expected):
    doc = parse(data, None, "application/octet-stream")

    if expected is None:
        assert doc.sections[0].heading_path == ("Handbook", "Intro")
    else:
        assert paths_and_texts(doc) == expected


@pytest.mark.parametrize(
    ("data", "filename", "content_type"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image.png", "image/png"),
        (b"MZ\x90\x00\x03\x00\x00\x00", None, None),
        (b"PK\x03\x04" + b"\x00" * 40, "sheet.xlsx", None),
    ],
)
def test_unsupported_types_are_rejected(data, filename, content_type):
    with pytest.raises(UnprocessableError, match="unsupported file type"):
        parse(data, filename, content_type)


# text decoding


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            "Caf\u00e9 \u2014 \u201cquoted\u201d \u20ac5".encode("cp1252"),
            "Caf\u00e9 \u2014 \u201cquoted\u201d \u20ac5",
        ),
        ("na\u00efve \x81 \u00fcber".encode("latin-1"), "na\u00efve \x81 \u00fcber"),
        (b"\xff\xfe" + "h\u00e9llo \u4e16\u754c".encode("utf-16-le"), "h\u00e9llo \u4e16\u754c"),
        (b"\xfe\xff" + "h\u00e9llo \u4e16\u754c".encode("utf-16-be"), "h\u00e9llo \u4e16\u754c"),
        (b"\xef\xbb\xbfh\xc3\xa9llo", "h\u00e9llo"),
        (b"nul\x00s gone\r\nwindows\rmac", "nuls gone\nwindows\nmac"),
    ],
)
def test_text_decoding_never_fails_on_non_utf8(data, expected):
    doc = parse(data, "notes.txt")

    assert paths_and_texts(doc) == [((), expected)]


# markdown


def test_markdown_headings_nest_by_level():
    text = (
        b"intro\n\n# A\n\na text\n\n## B ##\n\nb text\n\n### C\n\nc text\n\n## D\n\nd text\n\n# E\n\ne text\n"
    )

    doc = parse(text, "doc.md")

    assert [s.heading_path for s in doc.sections] == [
        (),
        ("A",),
        ("A", "B"),
        ("A", "B", "C"),
        ("A", "D"),
        ("E",),
    ]
    assert doc.sections[2].text == "b text"


def test_markdown_setext_headings_and_non_headings():
    text = b"Title\n=====\n\nbody.\n\nSub\n---\n#hashtag is text\n\n    # indented code\n"

    doc = parse(text, "doc.md")

    assert paths_and_texts(doc) == [
        (("Title",), "body."),
        (("Title", "Sub"), "#hashtag is text\n\n    # indented code"),
    ]


def test_markdown_fenced_code_is_kept_intact_and_hash_inside_is_not_a_heading():
    code = "```python\n# comment, not a heading\nx = 1\n\n\ny = 2\n```"
    text = f"# Code\n\nBefore.\n\n{code}\n\n~~~\n## also code\n~~~\nAfter.\n"

    doc = parse(text.encode(), "doc.md")

    assert paths_and_texts(doc) == [(("Code",), f"Before.\n\n{code}\n\n~~~\n## also code\n~~~\n\nAfter.")]


def test_markdown_front_matter_is_dropped():
    doc = parse(b"---\ntitle: x\ntags: [a]\n---\n# Real\n\nbody\n", "doc.md")

    assert paths_and_texts(doc) == [(("Real",), "body")]


# html

PAGE = b"""<!doctype html><html><head><title> Page   Title </title><style>p { color: red }</style>
<script>var s = "<p>script text</p>";</script></head><body>
<header><h1>Site header</h1></header><nav><a href="/x">Nav link</a></nav><noscript>enable js</noscript>
<h1>Main</h1><p>Hello <b>bold</b>
   world &amp; friends.<br>Next line.</p><div>Block two</div>
<h2>Sub</h2><ul><li>one</li><li>two</li></ul>
<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>
<pre>  code  keeps
   spacing</pre><svg><title>svg title</title><text>svg text</text></svg><template><p>tpl</p></template>
<footer>footer text</footer><h1>Second</h1><p>last</p></body></html>"""


def test_html_headings_blocks_and_title():
    doc = parse(PAGE, "page.html")

    assert doc.title == "Page Title"
    assert paths_and_texts(doc) == [
        (("Main",), "Hello bold world & friends.\nNext line.\n\nBlock two"),
        (("Main", "Sub"), "one\ntwo\n\na | b\n1 | 2\n\n  code  keeps\n   spacing"),
        (("Second",), "last"),
    ]


def test_html_drops_chrome_and_scripts():
    text = parse(PAGE, "page.html").text

    for dropped in ("script text", "color", "Site header", "Nav link", "enable js", "svg", "tpl", "footer"):
        assert dropped not in text


def test_malformed_html_does_not_lose_the_page():
    html = b"<body><h1>Unclosed heading<p>Body text.</p><nav>menu<h2>Next</h2><p>more</p></body><p>tail</p>"

    doc = parse(html, "bad.html")

    assert paths_and_texts(doc) == [(("Unclosed heading",), "Body text.\n\ntail")]


def test_html_without_title_keeps_the_given_title():
    assert parse(b"<p>just text</p>", "x.htm").title == "Given title"


def test_extract_links_resolves_dedupes_and_keeps_http_only():
    html = (
        '<base href="https://ex.com/docs/"><a href="a.html#part">a</a><a href="/b">b</a>'
        '<a href="mailto:x@y.z">m</a><a href="javascript:void(0)">j</a><a href=" a.html ">dup</a>'
        '<a href="https://other.org/p?q=1">o</a><a>no href</a>'
    )

    links = extract_links(html, "https://ex.com/start")

    assert links == ["https://ex.com/docs/a.html", "https://ex.com/b", "https://other.org/p?q=1"]


def test_extract_links_without_base_uses_the_page_url():
    assert extract_links(b'<a href="../up">u</a>', "http://h.test/a/b/c") == ["http://h.test/a/up"]


# csv


def test_csv_rows_render_as_column_value_pairs_and_survive_ragged_rows():
    data = b"name;age;city\nAlice;30;Paris\nBob;;\n\nCarol;41;Rome;extra\n"

    doc = parse(data, "people.csv")

    assert paths_and_texts(doc) == [
        (
            (),
            "name: Alice; age: 30; city: Paris\n\nname: Bob\n\n"
            "name: Carol; age: 41; city: Rome; column 4: extra",
        )
    ]


def test_csv_quoted_fields_with_delimiters_and_newlines():
    data = b'id,comment\r\n1,"hello, world"\r\n2,"two\r\nlines"\r\n'

    doc = parse(data, None, "text/csv")

    assert doc.sections[0].text == "id: 1; comment: hello, world\n\nid: 2; comment: two lines"


def test_tsv_and_header_only_files():
    assert parse(b"a\tb\n1\t2\n", "t.tsv").sections[0].text == "a: 1; b: 2"
    assert parse(b"only,header,row\n", "h.csv").sections[0].text == "only, header, row"


def test_csv_field_past_the_csv_module_limit_is_unprocessable():
    data = b'a,b\n1,"' + b"x" * 200_000 + b'"\n'

    with pytest.raises(UnprocessableError, match="malformed CSV"):
        parse(data, "big.csv")


# pdf


def test_pdf_pages_become_sections_with_text_and_punctuation():
    pdf = make_pdf([["Hello world. Second sentence!", "infor-", "mation flows"], ["Page two (with parens)."]])

    doc = parse(pdf, "a.pdf")

    assert paths_and_texts(doc) == [
        (("Page 1",), "Hello world. Second sentence!\ninformation flows"),
        (("Page 2",), "Page two (with parens)."),
    ]


def test_pdf_outline_gives_heading_paths():
    pdf = rewrite_pdf(make_pdf([["Cover."], ["Chapter text."], ["Part text."]]), outline=True)

    doc = parse(pdf, "a.pdf")

    assert [s.heading_path for s in doc.sections] == [
        ("Page 1",),
        ("Chapter One", "Page 2"),
        ("Chapter One", "Part A", "Page 3"),
    ]


def test_pdf_with_an_empty_user_password_is_read():
    pdf = rewrite_pdf(make_pdf([["Owner-locked only."]]), user_password="")

    assert paths_and_texts(parse(pdf, "a.pdf")) == [(("Page 1",), "Owner-locked only.")]


def test_password_protected_pdf_is_unprocessable():
    pdf = rewrite_pdf(make_pdf([["Secret."]]), user_password="secret")

    with pytest.raises(UnprocessableError, match="password-protected"):
        parse(pdf, "a.pdf")


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\nthis is not a pdf body",
        make_pdf([["Truncated file."]])[:150],
        b"%PDF-1.7\n" + bytes(range(256)),
    ],
)
def test_corrupt_pdf_is_unprocessable(data):
    with pytest.raises(UnprocessableError, match="could not read PDF"):
        parse(data, "broken.pdf")


def test_pdf_without_text_is_reported_as_probably_scanned():
    with pytest.raises(UnprocessableError, match=r"no text could be extracted \(scanned PDF\?\)"):
        parse(make_pdf([[], []]), "scan.pdf")


# docx


def test_docx_heading_styles_become_paths_and_tables_render_by_row():
    doc = parse(make_docx(), "a.docx")

    assert paths_and_texts(doc) == [
        (("Handbook", "Intro"), "First paragraph. It has two sentences!"),
        (("Handbook", "Intro", "Details"), "Deep text.\n\nname | qty\napple | 3"),
        (("Handbook", "Appendix"), "Closing words."),
    ]


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"not a zip at all",
        make_docx()[:3000],
        _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<not-closed"}),
    ],
)
def test_corrupt_docx_is_unprocessable(data):
    with pytest.raises(UnprocessableError, match="could not read DOCX"):
        parse(data, "broken.docx")


def test_docx_decompression_bomb_is_refused_before_parsing():
    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/document.xml", "w") as f,
    ):
        zeros = bytes(1024 * 1024)
        for _ in range(101):
            f.write(zeros)

    with pytest.raises(PayloadTooLargeError, match="expands to more than 100 MB"):
        parse(out.getvalue(), "bomb.docx")


# empty and oversized


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"", "a.txt"),
        (b" \n\t\n", "a.txt"),
        (b"\x00\x00\n", "a.txt"),
        (b"# Only a heading\n\n## And another\n", "a.md"),
        (b"<html><head><script>x()</script></head><body><nav>menu</nav></body></html>", "a.html"),
        (b"\n\n,,\n", "a.csv"),
    ],
)
def test_empty_documents_are_unprocessable(data, filename):
    with pytest.raises(UnprocessableError, match="document is empty"):
        parse(data, filename)


@pytest.mark.parametrize("filename", ["big.txt", "big.md"])
def test_extracted_text_is_capped(filename):
    data = b"word. " * (MAX_TEXT_CHARS // 6 + 1)

    with pytest.raises(PayloadTooLargeError, match="more than 5,000,000 characters"):
        parse(data, filename)


def test_markdown_capped_while_building_sections():
    data = b"".join(b"# H%d\n\n%s\n\n" % (i, b"x" * 1000) for i in range(MAX_TEXT_CHARS // 1000 + 1))

    with pytest.raises(PayloadTooLargeError):
        parse(data, "many.md")


def test_parsed_markdown_chunks_keep_heading_paths_and_punctuation():
    section = " ".join(f"Sentence number {i}, with a comma." for i in range(40))
    data = f"# Guide\n\n## Setup\n\n{section}\n\nSecond paragraph here.\n".encode()

    chunks = chunk_document(parse(data, "guide.md"), chunk_tokens=64, overlap_tokens=8)

    assert len(chunks) > 2
    assert {c.heading_path for c in chunks} == {("Guide", "Setup")}
    assert all(", with a comma." in c.text for c in chunks[:-1])
    assert chunks[-1].text.endswith("with a comma.\n\nSecond paragraph here.")
