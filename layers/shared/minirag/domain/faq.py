"""FAQ-shaped text: one question/answer pair per section, the question kept as its heading.

A document written as "Q: ... / A: ..." pairs (or "Question:" / "Answer:") would otherwise be chunked by
size, so a chunk could end with the next entry's question and cite an answer that is not in it. Each pair
becomes its own section, with the question appended to the heading path: chunks never cross an entry, and
the question travels with its answer (the heading is part of what is embedded and shown).
"""

import re
from dataclasses import replace

from minirag.domain.chunking import Document, Section

_QUESTION = re.compile(
    r"^[ \t]*(?:\*\*)?(?:Q|Question)[ \t]*[:.)][ \t]*(?:\*\*)?[ \t]*(?P<q>\S.*)$", re.I | re.M
)
MIN_PAIRS = 2  # one "Q:" line is a sentence, not an FAQ


def faq_sections(doc: Document) -> Document:
    """The same document with every section of two or more Q/A pairs split into one section a pair."""
    sections: list[Section] = []
    for section in doc.sections:
        sections.extend(_split(section))
    return replace(doc, sections=sections) if len(sections) != len(doc.sections) else doc


def _split(section: Section) -> list[Section]:
    found = list(_QUESTION.finditer(section.text))
    if len(found) < MIN_PAIRS:
        return [section]
    out: list[Section] = []
    head = section.text[: found[0].start()].strip()
    if head:
        out.append(Section(section.heading_path, head))
    for i, match in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(section.text)
        question = match["q"].strip().strip("*").strip()
        body = section.text[match.start() : end].strip()
        out.append(Section((*section.heading_path, question), body))
    return out
