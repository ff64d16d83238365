import re
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minirag.domain.chunking import Chunk, Document, Section, approx_tokens, chunk_document
from minirag.domain.errors import UnprocessableError


def with_specials(text: str) -> int:
    """Like a HF tokenizer that adds [CLS] and [SEP]."""
    return approx_tokens(text) + 2


def chars_over_three(text: str) -> int:
    """Superadditive over words (spaces count, per-word floors lose), so summing per-unit counts
    under-estimates and the packer must check the real count."""
    return len(text) // 3


def doc_of(*texts: str) -> Document:
    return Document("t", [Section((f"s{i}",), text) for i, text in enumerate(texts)])


def sentences(n: int, words: int = 7) -> str:
    return " ".join(f"Sentence {i} has " + " ".join(["word"] * (words - 3)) + "." for i in range(n))


def overlap_text(doc: Document, prev: Chunk, nxt: Chunk) -> str:
    return doc.text[nxt.char_start : prev.char_end] if nxt.char_start < prev.char_end else ""


def test_small_document_is_one_chunk_with_punctuation_and_paragraph_breaks_intact():
    text = "Hello, world. Next sentence!\n\nNew paragraph? Yes; it is."

    chunks = chunk_document(doc_of(text))

    assert [c.text for c in chunks] == [text]
    assert chunks[0].token_count == approx_tokens(text)


def test_split_chunks_keep_sentence_punctuation_and_paragraph_breaks():
    paragraphs = [sentences(3, words=6) for _ in range(6)]
    doc = doc_of("\n\n".join(paragraphs))

    chunks = chunk_document(doc, chunk_tokens=60, overlap_tokens=0)

    assert len(chunks) > 1
    assert any("\n\n" in c.text for c in chunks)
    assert all(". Sentence" in c.text for c in chunks)
    assert "".join(c.text for c in chunks).count(".") == doc.text.count(".")


def test_offsets_are_document_level_slices_and_indexes_are_sequential():
    doc = doc_of(sentences(30), "  \n ", sentences(20))

    chunks = chunk_document(doc, chunk_tokens=50, overlap_tokens=10)

    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert all(doc.text[c.char_start : c.char_end] == c.text for c in chunks)
    assert chunks[-1].char_end == len(doc.text)


def test_chunks_never_cross_sections_and_carry_heading_paths():
    doc = Document("t", [Section(("A",), sentences(12)), Section(("A", "B"), sentences(3))])

    chunks = chunk_document(doc, chunk_tokens=40, overlap_tokens=8)

    section_a_end = len(doc.sections[0].text)
    assert {c.heading_path for c in chunks} == {("A",), ("A", "B")}
    assert all(c.char_end <= section_a_end for c in chunks if c.heading_path == ("A",))
    assert all(c.char_start > section_a_end for c in chunks if c.heading_path == ("A", "B"))
    assert not any(c.text.startswith("Sentence 11") for c in chunks if c.heading_path == ("A", "B"))


def test_overlap_prefers_whole_trailing_sentences():
    doc = doc_of(sentences(20))  # each sentence is 8 tokens with its full stop

    chunks = chunk_document(doc, chunk_tokens=40, overlap_tokens=16)

    for prev, nxt in pairwise(chunks):
        shared = overlap_text(doc, prev, nxt)
        assert shared.startswith("Sentence ")
        assert shared.endswith(".")
        assert approx_tokens(shared) == 16


def test_overlap_falls_back_to_words_when_the_last_sentence_is_too_long():
    doc = doc_of(sentences(6, words=30))

    chunks = chunk_document(doc, chunk_tokens=64, overlap_tokens=8)

    shared = [overlap_text(doc, p, n) for p, n in pairwise(chunks)]
    assert len(shared) >= 2
    assert all(s and not s.startswith("Sentence") for s in shared)
    assert all(approx_tokens(s) <= 8 for s in shared)
    assert all(doc.text[n.char_start - 1].isspace() for n in chunks[1:])


def test_zero_overlap_gives_disjoint_chunks():
    doc = doc_of(sentences(40))

    chunks = chunk_document(doc, chunk_tokens=32, overlap_tokens=0)

    assert all(n.char_start > p.char_end for p, n in pairwise(chunks))


def test_a_word_longer_than_the_budget_is_its_own_chunk():
    monster = "x" * 400
    doc = doc_of(f"before words. {monster} after words.")

    chunks = chunk_document(doc, chunk_tokens=16, overlap_tokens=4)

    assert [c.text for c in chunks] == ["before words.", monster, "after words."]
    assert chunks[1].token_count > 16


def test_counter_with_special_tokens_is_respected():
    doc = doc_of(sentences(50))

    chunks = chunk_document(doc, chunk_tokens=32, overlap_tokens=8, count_tokens=with_specials)

    assert all(c.token_count == with_specials(c.text) <= 32 for c in chunks)
    assert max(c.token_count for c in chunks) >= 24


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t \n"])
def test_empty_or_whitespace_documents_give_no_chunks(text):
    assert chunk_document(doc_of(text)) == []
    assert chunk_document(Document("t", [])) == []


@pytest.mark.parametrize(("size", "overlap"), [(15, 0), (0, 0), (64, 64), (64, -1), (64, 100)])
def test_invalid_parameters_are_rejected(size, overlap):
    with pytest.raises(UnprocessableError):
        chunk_document(doc_of("text"), chunk_tokens=size, overlap_tokens=overlap)


def test_chunking_is_deterministic():
    doc = doc_of(sentences(80), sentences(5))

    assert chunk_document(doc, chunk_tokens=48) == chunk_document(doc, chunk_tokens=48)


def test_approx_tokens_counts_words_punctuation_and_long_words():
    assert approx_tokens("") == 0
    assert approx_tokens("Hello, world.") == 4
    assert approx_tokens("internationalization") == 3
    assert approx_tokens("日本語") == 3


_word = st.one_of(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10),
    st.sampled_from(["e.g.", "end.", "why?", "wow!", "(x)", "a,b", "—", "x" * 90]),
)
_separator = st.sampled_from([" "] * 12 + [". ", ". ", "\n", "\n\n", " \n \n ", "\t"])
_structured = st.lists(st.tuples(_word, _separator), max_size=300).map(lambda p: "".join(w + s for w, s in p))
_section_text = st.one_of(_structured, st.text(max_size=300))


def assert_words_covered_in_order(doc: Document, chunks: list[Chunk]) -> None:
    """Every word of the document lies inside some chunk; chunks advance; a chunk's words are exactly the
    document's words within its span."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", doc.text)]
    for prev, nxt in pairwise(chunks):
        assert prev.char_start < nxt.char_start and prev.char_end < nxt.char_end
    for chunk in chunks:
        inside = [doc.text[a:b] for a, b in words if chunk.char_start <= a and b <= chunk.char_end]
        assert chunk.text.split() == inside
    uncovered = [(a, b) for a, b in words if not any(c.char_start <= a and b <= c.char_end for c in chunks)]
    assert uncovered == []


def assert_within_sections(doc: Document, chunks: list[Chunk]) -> None:
    offset = 0
    for i, section in enumerate(doc.sections):
        mine = [c for c in chunks if c.heading_path == (f"s{i}",)]
        assert all(offset <= c.char_start and c.char_end <= offset + len(section.text) for c in mine)
        offset += len(section.text) + 2


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(_section_text, max_size=4),
    chunk_tokens=st.integers(16, 80),
    overlap_ratio=st.floats(0, 0.99),
    count=st.sampled_from([approx_tokens, with_specials, chars_over_three]),
)
def test_property_words_covered_sizes_and_overlaps_bounded(texts, chunk_tokens, overlap_ratio, count):
    overlap = int(chunk_tokens * overlap_ratio)
    doc = doc_of(*texts)

    chunks = chunk_document(doc, chunk_tokens=chunk_tokens, overlap_tokens=overlap, count_tokens=count)

    assert_words_covered_in_order(doc, chunks)
    assert_within_sections(doc, chunks)
    for chunk in chunks:
        assert doc.text[chunk.char_start : chunk.char_end] == chunk.text
        assert chunk.token_count == count(chunk.text)
        assert chunk.token_count <= chunk_tokens or len(chunk.text.split()) == 1
    for prev, nxt in pairwise(chunks):
        if prev.heading_path == nxt.heading_path:
            assert nxt.char_start > prev.char_start
            shared = overlap_text(doc, prev, nxt)
            assert not shared or count(shared) <= overlap
