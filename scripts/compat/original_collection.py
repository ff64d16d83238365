"""Run the original MiniRAG's own Postman collection, unmodified, against `make run`'s platform.

    unshare -n bash -c 'ip link set lo up; .venv/bin/python -m scripts.compat.original_collection PATH'

PATH is a checkout of mrwind-up-bird/mini-chat-rag (public on GitHub; this script does not download it
and nothing of it is committed here). The script starts an OpenAI-protocol fake on loopback as the
provider of the collection's `gpt-4o-mini` bots, starts the local cloud (`python -m scripts.localcloud`)
on free ports with a throwaway data directory, runs newman (npm) with the collection and prints every
failed assertion. The collection names example.com in its batch children: run it in a network namespace
with only loopback up (the command above), never with a route out. Exit code 0 means every assertion held.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.support.fake_openai import FakeOpenAI

ROOT = Path(__file__).resolve().parents[2]
NEWMAN_DIR = ROOT / "tests" / "postman"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def newman_bin() -> Path:
    binary = NEWMAN_DIR / "node_modules" / ".bin" / "newman"
    if not binary.exists():
        npm_ci = ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"]
        subprocess.run(npm_ci, cwd=NEWMAN_DIR, check=True)  # noqa: S603 (a fixed argument list)
    return binary


def wait_healthy(base: str, proc: subprocess.Popen[bytes], timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the local cloud exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError("the local cloud did not answer /health in time")


def failures(report: dict) -> list[str]:
    lines = []
    for execution in report["run"]["executions"]:
        for assertion in execution.get("assertions", []):
            if assertion.get("error"):
                name = execution["item"]["name"]
                lines.append(f"{name}: {assertion['assertion']}: {assertion['error']['message']}")
    return lines


def run(original: Path, delay_ms: int, keep_log: Path | None) -> int:
    collection = original / "postman" / "MiniRAG.postman_collection.json"
    if not collection.exists():
        print(f"no collection at {collection}", file=sys.stderr)
        return 2
    newman = newman_bin()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data_dir = Path(tempfile.mkdtemp(prefix="minirag-compat-"))
    with FakeOpenAI(reply="MiniRAG answers from your documents [1].", embedding_dim=8) as fake:
        env = {
            **os.environ,
            "MINIRAG_DATA_DIR": str(data_dir),
            "OPENAI_API_BASE": fake.base_url,
            "OPENAI_API_KEY": "sk-compat-fake",
            "MINIRAG_ALLOW_PRIVATE_URLS": "1",
        }
        log_path = keep_log or data_dir / "localcloud.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
                [sys.executable, "-m", "scripts.localcloud", "--port", str(port), "--aws-port", "0"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                wait_healthy(base, proc)
                report_path = data_dir / "newman.json"
                subprocess.run(  # noqa: S603 (newman from tests/postman, the caller's checkout)
                    [
                        str(newman),
                        "run",
                        str(collection),
                        "--env-var",
                        f"base_url={base}",
                        "--working-dir",
                        str(original / "postman"),
                        "--delay-request",
                        str(delay_ms),
                        "--reporters",
                        "cli,json",
                        "--reporter-json-export",
                        str(report_path),
                    ],
                    cwd=ROOT,
                    check=False,
                )
                report = json.loads(report_path.read_text())
            finally:
                proc.terminate()
                proc.wait(timeout=60)
    stats = report["run"]["stats"]["assertions"]
    failed = failures(report)
    print(f"\nassertions: {stats['total']}, failed: {stats['failed']}")
    for line in failed:
        print(f"  FAIL {line}")
    if keep_log is None:
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0 if stats["failed"] == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("original", type=Path, help="checkout of mrwind-up-bird/mini-chat-rag")
    parser.add_argument(
        "--delay-request", type=int, default=1000, help="ms between requests (as the issue ran it)"
    )
    parser.add_argument("--log", type=Path, help="keep the local cloud's log here")
    args = parser.parse_args()
    return run(args.original.resolve(), args.delay_request, args.log)


if __name__ == "__main__":
    sys.exit(main())
