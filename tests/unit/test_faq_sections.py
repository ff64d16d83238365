"""FAQ-shaped text chunks as one question/answer pair per chunk, the question kept as its heading."""

from minirag.domain.chunking import Document, Section, chunk_document
from minirag.domain.faq import faq_sections

TEXT = (
    "Frequently asked.\n\n"
    "Q: What is MiniRAG?\nA: A multi-tenant chat platform.\n\n"
    "**Question:** Which providers?\n**Answer:** Any that LiteLLM supports.\n"
    "Q: Is there a widget?\nA: Yes."
)


def test_each_pair_is_a_section_headed_by_its_question():
    doc = faq_sections(Document("FAQ", [Section(("FAQ",), TEXT)]))
    assert [s.heading_path for s in doc.sections] == [
        ("FAQ",),
        ("FAQ", "What is MiniRAG?"),
        ("FAQ", "Which providers?"),
        ("FAQ", "Is there a widget?"),
    ]
    assert doc.sections[2].text.endswith("Any that LiteLLM supports.")
    chunks = chunk_document(doc, chunk_tokens=256, overlap_tokens=0)
    assert [c.heading_path[-1] for c in chunks][1:] == [
        "What is MiniRAG?",
        "Which providers?",
        "Is there a widget?",
    ]
    assert all(chunk.text == doc.text[chunk.char_start : chunk.char_end] for chunk in chunks)


def test_a_single_question_is_prose_not_an_faq():
    doc = Document("Note", [Section((), "Q: why? Because.\nSome more text.")])
    assert faq_sections(doc) is doc
