"""Wheels for the Lambda platform (CPython 3.13, manylinux x86_64), whatever machine builds.

Downloads go to one cache (a wheelhouse) with their hashes checked against the lock, under a file lock
because `sam build --parallel` runs several artifact builds at once; installs then read only that cache.
"""

import fcntl
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Amazon Linux 2023 (the python3.13 runtime and base image) has glibc 2.34: every manylinux tag up to it.
PLATFORMS = [f"manylinux_2_{minor}_x86_64" for minor in range(34, 4, -1)] + [
    "manylinux2014_x86_64",
    "manylinux2010_x86_64",
    "manylinux1_x86_64",
]
TARGET_FLAGS = [
    "--only-binary=:all:",
    "--python-version",
    "3.13",
    "--implementation",
    "cp",
    *(flag for platform in PLATFORMS for flag in ("--platform", platform)),
]
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pins(requirements: Path) -> list[tuple[str, str]]:
    pins = []
    for line in requirements.read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.lstrip().startswith(("#", "--")):
            name, version = line.split(" ")[0].split("==")
            pins.append((re.sub(r"[-_.]+", "_", name).lower(), version))
    return pins


def missing(requirements: Path, wheelhouse: Path) -> list[str]:
    """Pins without a wheel in the wheelhouse (hashes are checked again when installing)."""
    have = {tuple(p.name.split("-")[:2]) for p in wheelhouse.glob("*.whl")}
    have = {(re.sub(r"[-_.]+", "_", n).lower(), v) for n, v in have}
    return [f"{n}=={v}" for n, v in _pins(requirements) if (n, v) not in have]


def download(requirements: Path, wheelhouse: Path) -> None:
    with _locked(wheelhouse):
        if not missing(requirements, wheelhouse):
            return
        _pip(
            "download",
            "--quiet",
            "--no-deps",
            "--require-hashes",
            *TARGET_FLAGS,
            "--dest",
            str(wheelhouse),
            "-r",
            str(requirements),
        )


def install(requirements: Path, wheelhouse: Path, target: Path) -> None:
    """Installs exactly the pinned files (hash-checked, no dependency resolution, no bytecode yet)."""
    _pip(
        "install",
        "--quiet",
        "--no-index",
        "--find-links",
        str(wheelhouse),
        "--no-deps",
        "--require-hashes",
        "--no-compile",
        *TARGET_FLAGS,
        "--target",
        str(target),
        "-r",
        str(requirements),
    )


def _pip(*args: str) -> None:
    completed = subprocess.run([*PIP, *args], capture_output=True, text=True, check=False)  # noqa: S603
    if completed.returncode != 0:
        noise = "is ignored: it is neither a file nor a directory"
        errors = [line for line in completed.stderr.splitlines() if noise not in line]
        raise RuntimeError(f"pip {args[0]} failed:\n" + "\n".join(errors[-30:]))
