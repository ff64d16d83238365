"""`make run` as a child process, for the load test and the memory benchmark: the real local cloud
(DynamoDB Local, moto, pollers, uvicorn) on its own ports and data folder, stopped on exit."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Running:
    url: str
    pid: int  # the local cloud's process: the API, the pollers, the handlers and moto
    log: Path
    started_s: float  # until the API answered
    warm_s: float  # until health said the models were loaded

    def engine_pid(self) -> int | None:
        """DynamoDB Local's JVM, a child of the local cloud."""
        return self._child("java")

    def vector_pid(self) -> int | None:
        """The embedded vector store's process (adapters/edge_process.py), a child of the local cloud."""
        return self._child("minirag.adapters.edge_process")

    def _child(self, marker: str) -> int | None:
        for child in Path(f"/proc/{self.pid}/task").glob("*/children"):
            for pid in child.read_text().split():
                if marker in Path(f"/proc/{pid}/cmdline").read_text(errors="replace"):
                    return int(pid)
        return None


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def local_run(
    port: int = 0, *, timeout: float = 600, wait_for_models: bool = True, aws: dict[str, str] | None = None
) -> Iterator[Running]:
    """`aws`: AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_DYNAMODB) of an emulator tier to run on instead of
    make run's own moto and DynamoDB Local."""
    port = port or free_port()
    data = Path(tempfile.mkdtemp(prefix="minirag-localrun-"))
    env = os.environ | {
        "PYTHONPATH": f"{ROOT / 'layers' / 'shared'}:{ROOT}",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "MINIRAG_DATA_DIR": str(data),
    }
    env.pop("AWS_ENDPOINT_URL", None)
    env.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
    env |= aws or {}
    command = [sys.executable, "-m", "scripts.localcloud", "--port", str(port), "--aws-port", "0"]
    log = data / "localcloud.log"
    started = time.perf_counter()
    with log.open("wb") as out:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    url = f"http://127.0.0.1:{port}"
    try:
        up = _wait(url, child, log, started + timeout, lambda health: True)
        warm = (
            _wait(url, child, log, started + timeout, lambda h: h.get("status") != "loading")
            if wait_for_models
            else up
        )
        yield Running(url, child.pid, log, up - started, warm - started)
    finally:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(60)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(10)


def _wait(
    url: str,
    child: subprocess.Popen[bytes],
    log: Path,
    deadline: float,
    done: Callable[[dict[str, Any]], bool],
) -> float:
    while time.perf_counter() < deadline:
        if child.poll() is not None:
            raise RuntimeError(
                f"make run exited ({child.returncode}):\n{log.read_text(errors='replace')[-3000:]}"
            )
        try:
            health = httpx.get(f"{url}/v1/system/health", timeout=5).json()
            if done(health):
                return time.perf_counter()
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"make run did not come up:\n{log.read_text(errors='replace')[-3000:]}")
