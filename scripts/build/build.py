"""Builds deployable artifacts without Docker: `python -m scripts.build.build [NAME ...] [--into DIR]`.

For each artifact (scripts/build/manifest.py): the lock subset of its closure (minus what its layers
already ship) is written to scripts/build/requirements/NAME.txt, manylinux wheels for CPython 3.13 are
installed from a hash-checked wheelhouse, the code is copied, the tree is pruned and compiled to
unchecked-hash bytecode. `sam build` calls this through scripts/build/Makefile (BuildMethod: makefile)
with --into $ARTIFACTS_DIR; the image Dockerfiles install the same requirement files.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from scripts.build import lockfile, wheels
from scripts.build.bytecode import compile_tree
from scripts.build.manifest import ARTIFACTS, LOCKS, REQUIREMENTS_DIR, ROOT, Artifact, Copy, layer_providers
from scripts.build.prune import prune

BUILD = ROOT / "build"
WHEELHOUSE = BUILD / "wheelhouse"
REPORTS = BUILD / "reports"
# minirag.adapters.model_prices reads litellm's bundled price table as JSON wherever litellm itself is
# not installed (the API function); the build copies it from the locked litellm wheel.
PRICE_TABLE = ("litellm", "litellm/model_prices_and_context_window_backup.json")
PRICE_TABLE_DEST = "minirag/adapters/model_prices.json"


def requirement_names(artifact: Artifact) -> set[str]:
    names = set(lockfile.closure(artifact.roots)) if artifact.roots else set()
    for layer in layer_providers(artifact):
        names -= set(lockfile.closure(layer.roots))
    return names | {lockfile.canonicalize_name(n) for n in artifact.no_deps}


def requirements_text(artifact: Artifact, pins: dict[str, lockfile.Pin]) -> str:
    chosen = lockfile.subset(pins, requirement_names(artifact))
    header = f"{artifact.name} ({artifact.kind}): {len(chosen)} distributions"
    return lockfile.render(chosen, header=header)


def write_requirements(names: list[str]) -> list[Path]:
    pins = lockfile.read_lock(*LOCKS)
    REQUIREMENTS_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        path = REQUIREMENTS_DIR / f"{name}.txt"
        text = requirements_text(ARTIFACTS[name], pins)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _copy(item: Copy, site: Path) -> None:
    source, dest = ROOT / item.source, site / item.dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(
            source, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"), dirs_exist_ok=True
        )
    else:
        shutil.copy2(source, dest)


def _price_table(site: Path) -> None:
    """Copies litellm's price table out of the locked wheel, without installing litellm."""
    distribution, member = PRICE_TABLE
    wheel = next(WHEELHOUSE.glob(f"{distribution}-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        (site / PRICE_TABLE_DEST).write_bytes(archive.read(member))


def _empty(folder: Path) -> None:
    """Moves the previous build aside and deletes it in the background: rebuilds do not wait for it."""
    folder.mkdir(parents=True, exist_ok=True)
    children = list(folder.iterdir())
    if not children:
        return
    trash = Path(
        tempfile.mkdtemp(prefix=".trash-", dir=BUILD if folder.is_relative_to(BUILD) else folder.parent)
    )
    for child in children:
        child.rename(trash / child.name)
    subprocess.Popen(["rm", "-rf", str(trash)], start_new_session=True)  # noqa: S603, S607


def build(artifact: Artifact, into: Path) -> dict[str, object]:
    started = time.perf_counter()
    requirements = REQUIREMENTS_DIR / f"{artifact.name}.txt"
    phases: dict[str, float] = {}
    mark = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = round(now - mark, 1)
        mark = now

    write_requirements([artifact.name])
    phase("requirements")
    _empty(into)
    site = into / artifact.site
    site.mkdir(parents=True, exist_ok=True)
    phase("clean")

    wheels.download(requirements, WHEELHOUSE)
    phase("download")
    if any(line and not line.startswith("#") for line in requirements.read_text().splitlines()):
        wheels.install(requirements, WHEELHOUSE, site)
    phase("install")
    pruned = prune(site)
    phase("prune")
    for item in artifact.code:
        _copy(item, site)
    if artifact.kind == "layer":
        wheels.download(_litellm_only(), WHEELHOUSE)
        _price_table(site)
    compiled = compile_tree(site, runtime_root=artifact.runtime_root)
    phase("bytecode")
    if not compiled:
        raise RuntimeError(f"{artifact.name}: some modules do not compile (see the errors above)")
    report = {
        "artifact": artifact.name,
        "kind": artifact.kind,
        "into": str(into),
        "pruned_files": pruned.files,
        "pruned_bytes": pruned.bytes,
        "phases": phases,
        "seconds": round(time.perf_counter() - started, 1),
    }
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"{artifact.name}.json").write_text(json.dumps(report, indent=2))
    return report


def _litellm_only() -> Path:
    pins = lockfile.read_lock(*LOCKS)
    path = Path(tempfile.gettempdir()) / "minirag-build-litellm.txt"
    path.write_text(lockfile.render([pins["litellm"]], header="price table source"))
    return path


def default_into(artifact: Artifact) -> Path:
    return BUILD / ("images" if artifact.kind == "image" else "zip") / artifact.name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.build.build", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"artifacts (default: all): {', '.join(ARTIFACTS)}")
    parser.add_argument("--into", type=Path, help="output folder (one artifact only), e.g. $ARTIFACTS_DIR")
    parser.add_argument("--requirements-only", action="store_true", help="only write the requirement files")
    args = parser.parse_args(argv)
    names = args.names or list(ARTIFACTS)
    unknown = [n for n in names if n not in ARTIFACTS]
    if unknown:
        parser.error(f"unknown artifacts: {', '.join(unknown)}")
    if args.into and len(names) != 1:
        parser.error("--into takes exactly one artifact")
    if args.requirements_only:
        for path in write_requirements(names):
            print(path.relative_to(ROOT))
        return 0
    for name in names:
        artifact = ARTIFACTS[name]
        report = build(artifact, args.into or default_into(artifact))
        print(f"built {name} in {report['seconds']} s -> {report['into']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
