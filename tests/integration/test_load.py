"""`make load`, bounded: the real local cloud (`make run` as a child process: DynamoDB Local, moto, pollers,
uvicorn) seeded with a small tenant and driven by headless locust through the whole mix."""

import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.localrun import free_port

ROOT = Path(__file__).resolve().parents[2]
KINDS = {
    "chat new", "chat follow-up", "chat stream new", "chat stream follow-up", "widget chat",
    "source create+ingest", "list sources", "list chats", "list bots", "chat messages",
}  # fmt: skip


def test_a_bounded_load_run_on_make_run_has_no_errors(tmp_path: Path) -> None:
    host = f"http://127.0.0.1:{free_port()}"
    command = [
        sys.executable, "-m", "benchmarks.load", "--start", "--host", host, "--clients", "2",
        "--requests", "40", "--sources", "6", "--turns", "4", "--state", str(tmp_path / "tenant.json"),
    ]  # fmt: skip
    env = os.environ | {"PYTHONPATH": f"{ROOT / 'layers' / 'shared'}:{ROOT}"}
    done = subprocess.run(  # noqa: S603 (our own module, fixed arguments)
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False
    )

    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    summary = json.loads(next(line for line in done.stdout.splitlines() if line.startswith('{"clients"')))
    assert summary["requests"] == 40
    assert summary["errors"] == summary["status_5xx"] == summary["status_409"] == 0
    rows = [
        line.split(" | ")[0].removeprefix("| ") for line in done.stdout.splitlines() if line.startswith("| ")
    ]
    kinds = set(rows) - {"kind", "all", "---|---|---|---|---|---|---|"}
    assert kinds <= KINDS and len(kinds) >= 4, kinds
    assert "ERROR" not in done.stdout
