"""Parsers stay linear on adversarial input, and a CPU budget stops any document that runs long.

Timed as a ratio, never against a wall clock: the CPU time of the same construction at 1x and 10x sizes.
A linear parser gives about 10; the quadratic ones this replaces gave 50 to 100 (the HTML end-tag lookup:
5k tags 0.7 s, 10k 2.7 s, 20k 14.8 s; HTMLParser's rescans of unclosed comments; csv.Sniffer's regexes).
"""

import contextlib
import time
from collections.abc import Callable

import pytest

from minirag.adapters.parsers import parse_document
from minirag.adapters.parsers.common import CpuBudgetExceededError, cpu_budget
from minirag.adapters.parsers.html import extract_links, parse_html
from minirag.adapters.parsers.tabular import parse_csv
from minirag.domain.errors import MiniRAGError

BASE = 4000  # 1x; the 10x input is BASE * 10 repetitions
MAX_RATIO = 30.0  # linear ~10 (plus noise); quadratic ~100

HTML_ATTACKS: dict[str, Callable[[int], str]] = {
    "skipped chrome closed by foreign end tags": lambda n: "<p>x</p>" + "<nav>" * n + "</p>" * n,
    "nested chrome then its own end tags": lambda n: "<p>x</p>" + "<nav><header>" * n + "</nav>" * n,
    "unclosed comments": lambda n: "<p>x</p>" + "<!--" * n,
    "unclosed comments, then a '>'": lambda n: "<p>x</p>" + "<!--" * n + ">",
    "end-tag openers": lambda n: "<p>x</p>" + "</" * n,
    "end-tag openers, then a '>'": lambda n: "<p>x</p>" + "</a" * n + ">",
    "marked sections": lambda n: "<p>x</p>" + "<![CDATA[" * n,
    "marked sections, then a '>'": lambda n: "<p>x</p>" + "<![CDATA[" * n + ">",
    "processing instructions": lambda n: "<p>x</p>" + "<?" * n,
    "declarations": lambda n: "<p>x</p>" + "<!" * n,
    "deep nesting": lambda n: "<div>" * n + "x" + "</div>" * n,
    "many attributes": lambda n: "<p " + " ".join(f"a{i}='v'" for i in range(n)) + ">x</p>",
    "unclosed headings": lambda n: "<h1>x" * n,
    "table cells": lambda n: "<table><tr>" + "<td>x" * n + "</table>",
}
CSV_ATTACKS: dict[str, Callable[[int], str]] = {
    "quote, comma runs (csv.Sniffer backtracking)": lambda n: "a,b\n" + ',"' * n + "\n",
    "quote runs": lambda n: "a;b\n" + '"a' * n + "\n",
    "mixed delimiters": lambda n: "a,b;c\n" + "x,;|\t'" * n + "\n",
    "many short rows": lambda n: "a,b\n" + "1,2\n" * n,
}


def cpu_seconds(work: Callable[[], object]) -> float:
    """The least CPU time of three runs: the steadiest figure on a shared machine."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        with contextlib.suppress(MiniRAGError):  # empty or refused documents are fine: only time counts
            work()
        best = min(best, time.process_time() - started)
    return max(best, 1e-4)


def growth(build: Callable[[int], str], parse: Callable[[str], object]) -> float:
    small, large = build(BASE), build(BASE * 10)
    return cpu_seconds(lambda: parse(large)) / cpu_seconds(lambda: parse(small))


@pytest.mark.parametrize("name", list(HTML_ATTACKS))
def test_html_parsing_grows_linearly(name: str) -> None:
    ratio = growth(HTML_ATTACKS[name], lambda text: parse_html(text, "t"))
    assert ratio < MAX_RATIO, f"{name}: 10x input took {ratio:.1f}x the CPU"


@pytest.mark.parametrize("name", ["unclosed comments", "end-tag openers", "declarations"])
def test_link_extraction_grows_linearly(name: str) -> None:
    ratio = growth(HTML_ATTACKS[name], lambda text: extract_links(text, "https://example.com/"))
    assert ratio < MAX_RATIO, f"{name}: 10x input took {ratio:.1f}x the CPU"


@pytest.mark.parametrize("name", list(CSV_ATTACKS))
def test_csv_parsing_grows_linearly(name: str) -> None:
    ratio = growth(CSV_ATTACKS[name], lambda text: parse_csv(text, "t"))
    assert ratio < MAX_RATIO, f"{name}: 10x input took {ratio:.1f}x the CPU"


def test_the_linear_parsers_keep_their_output() -> None:
    """Defusing does not change what a normal page or sheet says."""
    page = parse_html("<h1>T</h1><nav><a>menu</a></nav><p>a &lt; b</p><!-- note --><p>c > d</p>e < f", "x")
    text = page.text
    assert "menu" not in text and "note" not in text
    assert "a < b" in text and "c > d" in text and "e < f" in text
    sheet = parse_csv('name;note\nAda;"x; y"\nBob;z\n', "s")
    assert "name: Ada; note: x; y" in sheet.text and "name: Bob; note: z" in sheet.text


def test_a_cpu_budget_stops_a_long_parse() -> None:
    big = ("<p>" + "word " * 20 + "</p>") * 5000
    with cpu_budget(0.0), pytest.raises(CpuBudgetExceededError):
        parse_html(big, "t")
    with cpu_budget(None):
        assert parse_html(big, "t").sections
    data = big.encode()
    with pytest.raises(CpuBudgetExceededError):
        parse_document(data, filename="a.html", content_type=None, title="t", cpu_seconds=0.0)
