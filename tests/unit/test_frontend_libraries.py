"""`make run` and `make test` get the dashboard's libraries through frontend/scripts/libraries.sh: without
Node.js/npm, or when npm fails, it stops with a message saying what to do, instead of starting a dashboard
that cannot work. Run on a copy of frontend/ with a PATH of chosen tools (a fake npm)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
TOOLS = ("sh", "sha256sum", "cut", "cat", "dirname", "mkdir", "cp", "printf")

INSTALLING_NPM = """#!/bin/sh
for lib in @alpinejs/csp chart.js; do
  mkdir -p "node_modules/$lib/dist" && echo '{"version": "1.0.0"}' > "node_modules/$lib/package.json"
done
echo alpine > node_modules/@alpinejs/csp/dist/cdn.min.js
echo chart > node_modules/chart.js/dist/chart.umd.min.js
"""
FAILING_NPM = "#!/bin/sh\necho 'npm ERR! network request to https://registry.npmjs.org failed' >&2\nexit 1\n"


def _frontend(tmp_path: Path) -> Path:
    copy = tmp_path / "frontend"
    shutil.copytree(ROOT / "frontend" / "scripts", copy / "scripts")
    for name in ("package.json", "package-lock.json"):
        shutil.copy(ROOT / "frontend" / name, copy / name)
    return copy


def _run(frontend: Path, tmp_path: Path, npm: str | None) -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"
    if not bin_dir.exists():
        bin_dir.mkdir()
        for tool in (*TOOLS, "node"):
            found = shutil.which(tool)
            if found is None:
                pytest.skip(f"{tool} is not installed")
            (bin_dir / tool).symlink_to(found)
    (bin_dir / "npm").unlink(missing_ok=True)
    if npm is not None:
        (bin_dir / "npm").write_text(npm)
        (bin_dir / "npm").chmod(0o755)
    return subprocess.run(  # noqa: S603 (our own script, a fixed argument list)
        [str(bin_dir / "sh"), str(frontend / "scripts" / "libraries.sh")],
        env={**os.environ, "PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_without_npm_it_stops_and_says_what_to_install(tmp_path: Path) -> None:
    result = _run(_frontend(tmp_path), tmp_path, npm=None)
    assert result.returncode == 1
    assert "Node.js 18 or newer with npm is required" in result.stderr
    assert "the dashboard cannot run without its libraries" in result.stderr


def test_when_npm_fails_it_stops_with_npm_s_errors_and_its_own(tmp_path: Path) -> None:
    frontend = _frontend(tmp_path)
    result = _run(frontend, tmp_path, npm=FAILING_NPM)
    assert result.returncode == 1
    assert "npm ERR! network" in result.stderr and "'npm ci' in frontend/ failed" in result.stderr
    assert not (frontend / "dashboard" / "vendor").exists()


def test_it_installs_copies_and_then_has_nothing_to_do(tmp_path: Path) -> None:
    frontend = _frontend(tmp_path)
    first = _run(frontend, tmp_path, npm=INSTALLING_NPM)
    assert first.returncode == 0, first.stderr
    assert (frontend / "dashboard" / "vendor" / "alpine-csp.min.js").read_text() == "alpine\n"
    assert _run(frontend, tmp_path, npm=FAILING_NPM).returncode == 0  # same lock: npm is not run again


def test_make_run_and_make_test_use_it_and_do_not_go_on_without_it() -> None:
    makefile = (ROOT / "Makefile").read_text()
    run = makefile.split("\nrun: ", 1)[1].split("\n\n", 1)[0]
    assert "frontend/scripts/libraries.sh" in run and "||" not in run
    assert "sh scripts/libraries.sh" in (ROOT / "frontend" / "scripts" / "setup.sh").read_text()
