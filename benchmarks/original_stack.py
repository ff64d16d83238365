"""The original MiniRAG (a checkout of mrwind-up-bird/mini-chat-rag), run unmodified for the side-by-side
benchmark: its dependencies in a virtualenv of their own (from PyPI, cached by the hash of its
pyproject.toml), Postgres and Redis from Debian on loopback in a temporary folder, the Qdrant stand-in
(benchmarks/qdrant_standin.py: Qdrant's engine, or qdrant-client's local mode) for its vector store, its
API under uvicorn and its ARQ worker.

Its code is imported from the checkout as it is (cwd and PYTHONPATH); nothing in it is edited.
"""

import datetime
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".data" / "side-by-side"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
# Inside its own ranges, releases it cannot run: sqlmodel 0.0.45 (already on PyPI at the checkout's date)
# refuses the naive datetimes its models write ("Datetime values must have timezone information").
CONSTRAINTS = ["sqlmodel<0.0.45"]


@dataclass
class Original:
    url: str
    pids: dict[str, int]  # api, worker, postgres (the postmaster), redis, qdrant (the stand-in)
    logs: Path
    standin_url: str
    children: list[subprocess.Popen[bytes]] = field(default_factory=list)


def dependencies(checkout: Path) -> list[str]:
    """Its runtime dependencies plus greenlet from its dev extras: SQLAlchemy's asyncio needs it, and
    SQLAlchemy releases newer than the checkout no longer pull it in by themselves."""
    project = tomllib.loads((checkout / "pyproject.toml").read_text())["project"]
    extras = project.get("optional-dependencies", {}).get("dev", [])
    return [*project["dependencies"], *(d for d in extras if d.startswith("greenlet"))]


def release_date(checkout: Path) -> str:
    """When the checkout was made: its last commit, or (an archive of it) the newest file time, which
    `git archive` sets to the commit time. Its dependencies are installed as PyPI had them then."""
    if (checkout / ".git").exists():
        done = subprocess.run(  # noqa: S603
            ["git", "-C", str(checkout), "log", "-1", "--format=%cs"],  # noqa: S607
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode == 0 and done.stdout.strip():
            return done.stdout.strip()
    newest = max(p.stat().st_mtime for p in [checkout / "pyproject.toml", *checkout.glob("app/**/*.py")])
    return datetime.datetime.fromtimestamp(newest, datetime.UTC).date().isoformat()


def ensure_venv(checkout: Path, date: str | None = None) -> Path:
    """Its dependencies, within its pyproject.toml's ranges as PyPI served them the day after `date`
    and CONSTRAINTS, in a virtualenv reused while the list and the date hold."""
    deps = dependencies(checkout)
    day = date or release_date(checkout)
    cutoff = (datetime.date.fromisoformat(day) + datetime.timedelta(days=1)).isoformat() + "T00:00:00Z"
    digest = hashlib.sha256("\n".join([*sorted(deps), *CONSTRAINTS, cutoff]).encode()).hexdigest()[:12]
    venv = CACHE / f"orig-venv-{digest}"
    python = venv / "bin" / "python"
    if (venv / ".installed").exists():
        return python
    shutil.rmtree(venv, ignore_errors=True)
    print(f"installing the original's dependencies (PyPI before {cutoff}) into {venv} (once)", flush=True)
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(venv)], check=True)  # noqa: S603
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    with (CACHE / "pip.log").open("wb") as log:
        # pip 26 has --uploaded-prior-to
        subprocess.run([*pip, "pip>=26"], check=True, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        constraints = CACHE / "constraints.txt"
        constraints.write_text("\n".join(CONSTRAINTS) + "\n")
        install = [*pip, "--uploaded-prior-to", cutoff, "-c", str(constraints), *deps]
        subprocess.run(install, check=True, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    (venv / ".installed").write_text("\n".join([cutoff, *deps]))
    return python


def ensure_debian_packages() -> None:
    missing = [pkg for pkg, path in (("postgresql", PG_BIN / "postgres"), ("redis-server", None)) if
               not (path.exists() if path else shutil.which("redis-server"))]  # fmt: skip
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise RuntimeError(f"install {' '.join(missing)} (Debian packages) first")
    subprocess.run(["apt-get", "update", "-qq"], check=True)  # noqa: S607
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True)  # noqa: S603,S607


def _as_postgres(command: list[str]) -> list[str]:
    """Postgres refuses to run as root: as root, run it as the postgres user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _spawn(stack: ExitStack, original: Original, name: str, command: list[str], **kwargs: object) -> int:
    log = (original.logs / f"{name}.log").open("wb")
    child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, **kwargs)  # type: ignore[call-overload]  # noqa: S603
    original.children.append(child)
    stack.callback(_stop, child)
    original.pids[name] = child.pid
    return int(child.pid)


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(10)


def _wait(check: object, what: str, logs: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except (httpx.HTTPError, OSError, subprocess.SubprocessError):
            pass
        time.sleep(0.25)
    tails = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-1500:]}" for p in logs.glob("*.log"))
    raise RuntimeError(f"{what} did not come up\n{tails}")


def _postgres(stack: ExitStack, original: Original, data: Path) -> str:
    pgdata = data / "pgdata"
    pgdata.mkdir()
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
        shutil.chown(pgdata, "postgres")
    init = [str(PG_BIN / "initdb"), "-D", str(pgdata), "-U", "minirag", "--auth=trust", "-E", "UTF8"]
    subprocess.run(_as_postgres(init), check=True, capture_output=True)  # noqa: S603
    port = _free_port()
    # In memory like DynamoDB Local (-inMemory) under make run: no fsync on commit.
    server = [str(PG_BIN / "postgres"), "-D", str(pgdata), "-p", str(port), "-k", str(data),
              "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
              "-c", "full_page_writes=off", "-c", "max_connections=200"]  # fmt: skip
    _spawn(stack, original, "postgres", _as_postgres(server))
    ready = [str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-U", "minirag"]
    _wait(lambda: subprocess.run(ready, capture_output=True).returncode == 0, "postgres", original.logs)  # noqa: S603
    create = [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "minirag", "minirag"]
    subprocess.run(create, check=True)  # noqa: S603
    return f"postgresql+asyncpg://minirag@127.0.0.1:{port}/minirag"


@contextmanager
def running_original(
    checkout: Path, openai_base: str, deps_date: str | None = None, vectors: str = "edge"
) -> Iterator[Original]:
    """The original's processes on loopback, stopped (and its temporary data removed) on exit."""
    if not (checkout / "app" / "main.py").exists():
        raise SystemExit(f"{checkout} is not a checkout of the original MiniRAG (no app/main.py)")
    python = ensure_venv(checkout, deps_date)
    ensure_debian_packages()
    data = Path(tempfile.mkdtemp(prefix="minirag-original-"))
    logs = CACHE / "original-logs"  # kept after the run, for a look when something failed
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, data, True)
        original = Original("", {}, logs, "")
        database = _postgres(stack, original, data)
        redis_port, qdrant_port, api_port = _free_port(), _free_port(), _free_port()
        _spawn(stack, original, "redis", ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                                          "--save", "", "--appendonly", "no", "--dir", str(data)])  # fmt: skip
        standin = [
            sys.executable,
            "-m",
            "benchmarks.qdrant_standin",
            "--port",
            str(qdrant_port),
            "--engine",
            vectors,
            "--data",
            str(data / "qdrant"),  # removed with the rest on exit
        ]
        env_ours = os.environ | {"PYTHONPATH": f"{ROOT / 'layers' / 'shared'}:{ROOT}"}
        _spawn(stack, original, "qdrant", standin, cwd=ROOT, env=env_ours)
        original.standin_url = f"http://127.0.0.1:{qdrant_port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))} | {
            "PYTHONPATH": str(checkout),
            "DATABASE_URL": database,
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "QDRANT_URL": original.standin_url,
            "ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "JWT_SECRET_KEY": "side-by-side-" + "x" * 40,
            "OPENAI_API_BASE": openai_base,
            "OPENAI_BASE_URL": openai_base,
            "OPENAI_API_KEY": "sk-fake",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        }
        _wait(lambda: httpx.get(f"{original.standin_url}/collections").is_success, "qdrant stand-in", logs)
        api = [str(python), "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(api_port),
               "--no-access-log"]  # fmt: skip
        _spawn(stack, original, "api", api, cwd=checkout, env=env)
        original.url = f"http://127.0.0.1:{api_port}"
        _wait(lambda: httpx.get(f"{original.url}/health").is_success, "the original's API", logs)
        _spawn(stack, original, "worker", [str(python), "-m", "app.workers.main"], cwd=checkout, env=env)
        yield original
