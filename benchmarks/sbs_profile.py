"""py-spy around one phase of the side-by-side benchmark: where our server process spends its CPU.

py-spy (PyPI) samples the running process from outside (`record --gil --format raw`: only the thread holding
the GIL, that is Python's own CPU; native work with the GIL released is not counted); the
collapsed stacks are summed four ways: by where the work entered (the request, a poller, moto), by the
function on top of the stack (self), by our own functions anywhere in the stack (inclusive,
layers/shared/minirag), and by the package on top of the stack.
"""

import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


@dataclass
class Profile:
    samples: int
    self_by_function: list[tuple[str, int]]
    ours_inclusive: list[tuple[str, int]]
    self_by_package: list[tuple[str, int]]
    by_entry: list[tuple[str, int]]


def py_spy() -> str | None:
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return found if Path(found).exists() else None


@contextmanager
def recording(pid: int, rate: int = 100, *, gil: bool = True) -> Iterator[Path]:
    """Samples `pid` while the block runs; the raw collapsed stacks are in the yielded file afterwards.
    `gil`: only the thread holding the GIL (else every thread running, native code included)."""
    spy = py_spy()
    out = Path(tempfile.mkdtemp(prefix="minirag-sbs-spy-")) / "stacks.txt"
    if spy is None:
        raise RuntimeError("py-spy is not installed: .venv/bin/pip install py-spy")
    command = [spy, "record", "-p", str(pid), "-r", str(rate), "-f", "raw", "-o", str(out), "--full-filenames",
               *(["--gil"] if gil else [])]  # fmt: skip
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
    time.sleep(1.0)  # attached
    try:
        yield out
    finally:
        child.send_signal(signal.SIGINT)
        try:
            child.wait(60)
        except subprocess.TimeoutExpired:
            child.kill()


def _frame(text: str) -> tuple[str, str]:
    match = FRAME.match(text.strip())
    return (match["func"], match["file"]) if match else (text.strip(), "")


def _package(path: str) -> str:
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if "layers/shared/minirag/" in path:
        return "minirag." + path.split("layers/shared/minirag/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if "/lib/python3" in path:
        return "stdlib:" + path.rsplit("/lib/python3", 1)[1].split("/", 2)[1].removesuffix(".py")
    return path.rsplit("/", 1)[-1] or "?"


def _short(func: str, path: str) -> str:
    path = path.removeprefix(str(ROOT) + "/")
    for marker in ("site-packages/", "layers/shared/", "/lib/python3.13/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{func} ({path})"


ENTRY_MARKERS = ("layers/shared/minirag/", "/scripts/", "site-packages/moto/")


def _entry(frames: list[tuple[str, str]]) -> str:
    """The outermost frame of ours (the app, the local cloud's pollers) or moto's; else the thread's root."""
    for func, path in frames:
        if any(marker in path for marker in ENTRY_MARKERS):
            return _short(func, path)
    return "thread: " + " > ".join(func for func, _ in frames[:4])


def summarise(raw: str, top: int = 10) -> Profile:
    """Collapsed stacks ("frame;frame;... count" per line, root first) to the four top-`top` lists."""
    by_self: Counter[str] = Counter()
    by_package: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    entries: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame(f) for f in stack.split(";") if f.strip()]
        if not frames:
            continue
        total += count
        func, path = frames[-1]
        by_self[_short(func, path)] += count
        by_package[_package(path)] += count
        entries[_entry(frames)] += count
        for name in {_short(f, p) for f, p in frames if "layers/shared/minirag/" in p}:
            inclusive[name] += count
    return Profile(
        total,
        by_self.most_common(top),
        inclusive.most_common(top),
        by_package.most_common(top),
        entries.most_common(top),
    )


def table(profile: Profile, title: str) -> list[str]:
    def rows(items: list[tuple[str, int]]) -> list[str]:
        return [f"| {name} | {count / profile.samples:.1%} |" for name, count in items]

    if not profile.samples:
        return [f"{title}: no samples"]
    return [
        f"{title} ({profile.samples} samples of the thread holding the GIL, 100 Hz):",
        "",
        "| where: the outermost frame of ours or moto's (else the thread) | share |",
        "|---|---|",
        *rows(profile.by_entry),
        "",
        "| on top of the stack (self) | share |",
        "|---|---|",
        *rows(profile.self_by_function),
        "",
        "| our function anywhere in the stack (inclusive) | share |",
        "|---|---|",
        *rows(profile.ours_inclusive),
        "",
        "| package on top of the stack | share |",
        "|---|---|",
        *rows(profile.self_by_package),
    ]
