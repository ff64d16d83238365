"""Labelled corpora for eval_retrieval: the handbook shipped here, and a PhantomWiki universe generated offline.

A Doc is uploaded as one file; a Case is one scored question with its gold document keys. PhantomWiki
(PyPI phantom-wiki, SWI-Prolog underneath) runs in its own virtualenv (`make eval` creates it), so its
dependencies never enter the project's lock; the universe is generated once per seed and cached.
"""

import json
import re
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

HANDBOOK = Path(__file__).with_name("data") / "handbook.json"


@dataclass(frozen=True)
class Doc:
    key: str
    title: str
    text: str


@dataclass(frozen=True)
class Case:
    corpus: str
    kind: str
    question: str
    gold: frozenset[str]
    answers: tuple[str, ...] = ()
    first: str | None = None  # a conversation's opening question, asked in the same chat before this one


@dataclass
class Corpus:
    name: str
    docs: list[Doc]
    cases: list[Case] = field(default_factory=list)
    command: str = ""


def handbook() -> Corpus:
    data = json.loads(HANDBOOK.read_text())
    docs = [Doc(d["id"], d["title"], f"# {d['title']}\n\n{d['text']}\n") for d in data["docs"]]
    cases = [Case("handbook", q["kind"], q["q"], frozenset({q["doc"]})) for q in data["questions"]]
    cases += [
        Case("handbook", c["kind"], c["q"], frozenset({c["doc"]}), first=c["first"])
        for c in data["conversations"]
    ]
    return Corpus("handbook", docs, cases, command="shipped: benchmarks/data/handbook.json")


def phantom_command(
    python: str, out: Path, seed: int, trees: int, tree_size: int, per_type: int
) -> list[str]:
    return [
        python,
        "-m",
        "phantom_wiki",
        "--seed",
        str(seed),
        "--num-family-trees",
        str(trees),
        "--max-family-tree-size",
        str(tree_size),
        "--easy-mode",
        "--question-depth",
        "8",
        "--num-questions-per-type",
        str(per_type),
        "--article-format",
        "json",
        "--question-format",
        "json",
        "--quiet",
        "--output-dir",
        str(out),
    ]


def phantom_wiki(
    python: str, cache: Path, *, seed: int = 1, trees: int = 3, tree_size: int = 50, per_type: int = 10
) -> Corpus:
    out = cache / f"phantomwiki-s{seed}-t{trees}x{tree_size}-q{per_type}"
    command = phantom_command(python, out, seed, trees, tree_size, per_type)
    if not (out / "questions.json").is_file():
        subprocess.run(command, check=True, capture_output=True)  # noqa: S603
    articles = json.loads((out / "articles.json").read_text())
    docs = [Doc(_slug(a["title"]), a["title"], a["article"]) for a in articles]
    by_title = {d.title: d.key for d in docs}
    alternatives = "|".join(re.escape(t) for t in sorted(by_title, key=len, reverse=True))
    names = re.compile(rf"\b(?:{alternatives})\b")
    cases = []
    for q in json.loads((out / "questions.json").read_text()):
        gold = _supporting(q, names, by_title)
        kind = "aggregation" if q["is_aggregation_question"] else f"hops-{q['difficulty']}"
        cases.append(Case("phantomwiki", kind, q["question"], frozenset(gold), tuple(map(str, q["answer"]))))
    return Corpus(
        "phantomwiki", docs, [c for c in cases if c.gold], command="python " + " ".join(command[1:])
    )


def _supporting(question: dict, names: re.Pattern[str], by_title: dict[str, str]) -> set[str]:
    """Gold documents: the articles of every person the question names or its Prolog proof binds (the
    articles that hold the facts a reader must chain), as HotpotQA-style supporting documents."""
    people = set(names.findall(question["question"]))
    for binding in json.loads(question.get("solution_traces") or "[]"):
        people |= {v for v in binding.values() if isinstance(v, str) and v in by_title}
    return {by_title[p] for p in people}


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


# Real questions written by people about real documentation: the FAQ pages of two open-source projects,
# installed from Debian (python3.11-doc: PSF licence; python-django-doc: BSD-3-Clause). Each answer is a
# document *without* its question, and the question is asked: the retriever must match a user's wording
# to the text that answers it, as a support bot must.
FAQ_PAGES = {
    "python-faq": (Path("/usr/share/doc/python3.11-doc/html/faq"), "python3.11-doc (PSF-2.0)"),
    "django-faq": (Path("/usr/share/doc/python-django-doc/html/faq"), "python-django-doc (BSD-3-Clause)"),
}


class _FaqParser(HTMLParser):
    """(question, answer) pairs of a Sphinx FAQ page: every h2-h4 heading ending in '?' and the text up
    to the next heading."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pairs: list[tuple[str, list[str]]] = []
        self._heading: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h1", "h2", "h3", "h4"):
            self._heading = []
        elif tag == "a" and ("class", "headerlink") in attrs:
            self._skip += 1
        elif tag in ("p", "li", "pre", "dt", "dd") and self.pairs and self._heading is None:
            self.pairs[-1][1].append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3", "h4") and self._heading is not None:
            text = " ".join("".join(self._heading).split())
            self.pairs.append((text, []))
            self._heading = None
        elif tag == "a" and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._heading is not None:
            self._heading.append(data)
        elif self.pairs:
            self.pairs[-1][1].append(data)


def faq(name: str) -> Corpus | None:
    folder, package = FAQ_PAGES[name]
    if not folder.is_dir():
        return None
    docs, cases = [], []
    for page in sorted(folder.glob("*.html")):
        if page.name in ("index.html",):
            continue
        parser = _FaqParser()
        parser.feed(page.read_text(encoding="utf-8"))
        for question, parts in parser.pairs:
            answer = "\n".join(line.strip() for line in "".join(parts).splitlines() if line.strip())
            if not question.endswith("?") or len(answer) < 80:
                continue
            key = f"{page.stem}-{len(docs)}"  # no words of the question in the document's name
            docs.append(Doc(key, key, answer))
            cases.append(Case(name, page.stem, question, frozenset({key})))
    return Corpus(name, docs, cases, command=f"apt-get install {package.split()[0]}; {folder}/*.html")
