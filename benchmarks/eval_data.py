"""Labelled corpora for eval_retrieval: the handbook shipped here, and a PhantomWiki universe generated offline.

A Doc is uploaded as one file; a Case is one scored question with its gold document keys. PhantomWiki
(PyPI phantom-wiki, SWI-Prolog underneath) runs in its own virtualenv (`make eval` creates it), so its
dependencies never enter the project's lock; the universe is generated once per seed and cached.
"""

import json
import re
import subprocess
from dataclasses import dataclass, field
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
