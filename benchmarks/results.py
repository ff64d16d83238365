"""Writes one benchmark's section of benchmarks/RESULTS.md, leaving every other section as it is."""

import datetime
import os
import re
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def machine() -> str:
    """Cores, memory, CPU model, load and date: the context a figure from a shared machine needs."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    free = subprocess.run(["/usr/bin/free", "-h"], capture_output=True, text=True, check=False)
    memory = free.stdout.splitlines()[1].split()[1] if free.returncode == 0 else "?"
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"{os.cpu_count()} cores ({cpu}), {memory} RAM, load average {load} (1/5/15 min), {today}"


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def command_line() -> str:
    script = Path(sys.argv[0])
    if script.is_absolute() and script.parent == RESULTS.parent:  # run with -m benchmarks.<name>
        return "PYTHONPATH=layers/shared:. .venv/bin/python -m benchmarks." + " ".join(
            [script.stem, *sys.argv[1:]]
        )
    return "PYTHONPATH=layers/shared:. .venv/bin/python " + " ".join(sys.argv)


def write_section(key: str, body: str, path: Path = RESULTS) -> None:
    """Replaces the text between `<!-- begin KEY -->` and `<!-- end KEY -->`, or appends it."""
    begin, end = f"<!-- begin {key} -->", f"<!-- end {key} -->"
    block = f"{begin}\n{body.strip()}\n{end}\n"
    text = path.read_text() if path.exists() else "# Benchmark and evaluation results\n"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end) + r"\n?", re.S)
    found = pattern.search(text)
    text = pattern.sub(lambda _: block, text) if found else text.rstrip("\n") + "\n\n" + block
    path.write_text(text)
