"""Precompiled bytecode for the Lambda runtime's Python (3.13).

Lambda's code folders (/var/task, /opt) are read-only, so an artifact without .pyc files compiles every
module it imports at each cold start. The files are written as unchecked-hash pycs (PEP 552): the
interpreter loads them without comparing the source's modification time, which zip extraction does not
preserve, and never tries to rewrite them. Standard library only: the image Dockerfiles run it too.
"""

import compileall
import py_compile
import sys
from pathlib import Path

TARGET = (3, 13)


def compile_tree(root: Path, *, runtime_root: str, workers: int = 0) -> bool:
    """Compiles every .py below `root`; tracebacks name the file where Lambda mounts it (`runtime_root`)."""
    if sys.version_info[:2] != TARGET:
        raise RuntimeError(f"bytecode must be compiled by Python {TARGET[0]}.{TARGET[1]}, not {sys.version}")
    return compileall.compile_dir(
        str(root),
        quiet=1,
        workers=workers,
        stripdir=str(root),
        prependdir=runtime_root,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )


if __name__ == "__main__":
    folder, mount = sys.argv[1], sys.argv[2]
    sys.exit(0 if compile_tree(Path(folder), runtime_root=mount) else 1)
