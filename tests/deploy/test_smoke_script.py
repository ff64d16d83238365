"""scripts/smoke.sh parses, and fails fast (bounded) with a readable message when the API is unreachable."""

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ROOT / "scripts" / "smoke.sh"


def test_the_script_is_valid_bash_and_executable() -> None:
    subprocess.run([shutil.which("bash") or "/bin/bash", "-n", str(SMOKE)], check=True)  # noqa: S603
    assert SMOKE.stat().st_mode & 0o111


def test_an_unreachable_api_fails_at_the_health_step() -> None:
    done = subprocess.run([SMOKE, "http://127.0.0.1:9"], capture_output=True, text=True, timeout=60)  # noqa: S603
    assert done.returncode == 1
    assert "health" in done.stdout and "FAILED" in done.stdout


def test_without_a_url_it_prints_its_usage() -> None:
    done = subprocess.run([SMOKE], capture_output=True, text=True, timeout=10)  # noqa: S603
    assert done.returncode != 0 and "usage: scripts/smoke.sh URL [TOKEN]" in done.stderr
