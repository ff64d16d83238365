"""Proves each built artifact works on its own: `python -m scripts.build.verify [NAME ...] [--from DIR]`.

A moto server is provisioned from template.yaml; each artifact then runs scripts/build/smoke_artifact.py
in a fresh interpreter started with -S (no site-packages) and PYTHONPATH set to the artifact's code roots
in Lambda's order, so an import the build pruned or forgot fails here and not in AWS. Also checks that
the run wrote nothing into the artifact (Lambda's code folders are read-only: bytecode must be shipped).
"""

import argparse
import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from scripts.build.build import default_into
from scripts.build.manifest import ARTIFACTS, ROOT, Artifact, layer_providers

SMOKE = Path(__file__).resolve().parent / "smoke_artifact.py"
TIMEOUT_S = 240


def base_python() -> str:
    """The interpreter behind the virtualenv: with -S it sees no installed package at all."""
    return getattr(sys, "_base_executable", sys.executable)


def code_roots(artifact: Artifact, folders: dict[str, Path]) -> list[Path]:
    """Lambda's order: the function's folder (/var/task), then each layer's /opt/python."""
    own = folders[artifact.name] / artifact.site
    return [own, *(folders[layer.name] / layer.site for layer in layer_providers(artifact))]


def _snapshot(roots: list[Path]) -> set[str]:
    return {str(p) for root in roots for p in root.rglob("*")}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def local_aws() -> Iterator[dict[str, str]]:
    """moto on a free loopback port with the template's tables, queues and buckets."""
    from moto.server import ThreadedMotoServer

    from scripts.localcloud.provision import provision_stack

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield provision_stack(f"http://{host}:{port}", prefix="minirag-verify").env()
    finally:
        server.stop()


def artifact_env(stack_env: dict[str, str], data_dir: Path, roots: list[Path]) -> dict[str, str]:
    from cryptography.fernet import Fernet

    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR", "SSL_CERT_FILE")}
    return (
        keep
        | stack_env
        | {
            "PYTHONPATH": os.pathsep.join(str(r) for r in roots),
            "PYTHONNOUSERSITE": "1",
            "SMOKE_EVENTS_DIR": str(ROOT / "events"),
            "MINIRAG_ENV": "test",
            "MINIRAG_DATA_DIR": str(data_dir),
            "MINIRAG_JWT_SECRET": "verify-" + "x" * 40,
            "MINIRAG_FERNET_KEYS": Fernet.generate_key().decode(),
            "MINIRAG_ARGON2_TIME_COST": "1",
            "MINIRAG_ARGON2_MEMORY_KIB": "1024",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "POWERTOOLS_SERVICE_NAME": "minirag",
            "POWERTOOLS_METRICS_NAMESPACE": "MiniRAG",
        }
    )


def run_smoke(artifact: Artifact, roots: list[Path], env: dict[str, str]) -> dict[str, Any]:
    command = [base_python(), "-S", "-P", str(SMOKE), artifact.smoke, *artifact.must_not_import]
    done = subprocess.run(  # noqa: S603
        command, env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False, cwd=roots[0]
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("SMOKE ")]
    if done.returncode != 0 or not lines:
        raise AssertionError(f"{artifact.name}: smoke failed ({done.returncode})\n{done.stderr[-4000:]}")
    outcome: dict[str, Any] = json.loads(lines[-1][len("SMOKE ") :])
    return outcome


def _queue_source_for_ingest(stack_env: dict[str, str], data_dir: Path) -> Callable[[], str]:
    """Creates a text source with the repository's own API (this process) and queues its ingestion;
    returns a function that reads the source's status back."""
    from fastapi.testclient import TestClient

    if str(ROOT / "layers/shared") not in sys.path:
        sys.path.insert(0, str(ROOT / "layers/shared"))
    from minirag.api.app import create_app
    from minirag.bootstrap import build_services
    from minirag.config import Settings

    saved = dict(os.environ)
    os.environ.update(stack_env | {"MINIRAG_ENV": "test", "MINIRAG_DATA_DIR": str(data_dir / "api")})
    try:
        settings = Settings(jwt_secret="verify-" + "y" * 40, fernet_keys=_fernet(), argon2_time_cost=1)
        client = TestClient(create_app(build_services(settings)))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    slug = f"verify-{os.getpid()}"
    signup = client.post(
        "/v1/tenants",
        json={
            "tenant_name": "V",
            "tenant_slug": slug,
            "owner_email": f"{slug}@example.com",
            "owner_password": "a long password",
        },
    ).json()
    auth = {"Authorization": f"Bearer {signup['api_token']}"}
    bot_id = client.post("/v1/bot-profiles", json={"name": "V"}, headers=auth).json()["id"]
    body = {"bot_profile_id": bot_id, "name": "H", "source_type": "text", "content": "We get 27 days off."}
    source_id = client.post("/v1/sources?ingest=true", json=body, headers=auth).json()["id"]
    return lambda: str(client.get(f"/v1/sources/{source_id}", headers=auth).json()["status"])


def _fernet() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


EXPECTED_STATUSES = {
    "health": 200,
    "signup": 201,
    "create_bot": 201,
    "create_source": 201,
    "delete_source (deletes vectors)": 204,
    "upload_docx (parses)": 201,
    "create_priced_bot": 201,
    "stats_pricing": 200,
    "priced_model_has_a_price": True,
}


def check(artifact: Artifact, outcome: dict[str, Any], extra: dict[str, Any]) -> list[str]:
    problems = []
    if outcome["imported_forbidden"]:
        problems.append(f"imported {outcome['imported_forbidden']}")
    if outcome["site_packages_on_path"]:
        problems.append(f"site-packages on sys.path: {outcome['site_packages_on_path']}")
    statuses = outcome.get("statuses", {})
    if artifact.smoke == "api":
        problems += [
            f"{k}: {statuses.get(k)} != {v}" for k, v in EXPECTED_STATUSES.items() if statuses.get(k) != v
        ]
    elif artifact.smoke in ("webhook", "refresh"):
        if not isinstance(outcome["result"], dict):
            problems.append(f"handler returned {outcome['result']!r}")
    elif artifact.smoke == "chat":
        wanted = {"source_status": "ready", "chat": 200, "chat_cites": True}
        wanted |= {"retrieve": 200, "retrieve_finds": True, "mcp_search": 200, "mcp_finds": True}
        problems += [f"{k}: {statuses.get(k)!r}" for k, v in wanted.items() if statuses.get(k) != v]
        if not {"sources", "delta", "done"} <= set(statuses.get("stream_events", [])):
            problems.append(f"stream events {statuses.get('stream_events')}")
    provider_ok = outcome.get("provider_chat") == "Smoke reply." and outcome.get("provider_embedding_dim")
    if artifact.smoke in ("chat", "ingest") and not provider_ok:
        problems.append("LiteLLM's OpenAI provider path failed")
    if artifact.smoke == "ingest":
        if not outcome["results"] or any(r.get("batchItemFailures") for r in outcome["results"]):
            problems.append(f"ingest results {outcome['results']}")
        if extra.get("source_status") != "ready":
            problems.append(f"source status {extra.get('source_status')}")
    if extra.get("written"):
        problems.append(f"wrote into the artifact: {sorted(extra['written'])[:5]}")
    return problems


@contextmanager
def fake_openai() -> Iterator[str]:
    """The test suite's real-HTTP fake of the OpenAI protocol, for LiteLLM's provider path."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.support.fake_openai import FakeOpenAI

    with FakeOpenAI(reply="Smoke reply.") as fake:
        yield fake.base_url


def verify(names: list[str], folders: dict[str, Path]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with (
        local_aws() as stack_env,
        fake_openai() as openai_base,
        tempfile.TemporaryDirectory(prefix="minirag-verify-") as tmp,
    ):
        stack_env = stack_env | {"SMOKE_OPENAI_BASE": openai_base}
        for name in names:
            artifact = ARTIFACTS[name]
            roots = code_roots(artifact, folders)
            data_dir = Path(tmp) / name
            status = _queue_source_for_ingest(stack_env, data_dir) if artifact.smoke == "ingest" else None
            before = _snapshot(roots)
            outcome = run_smoke(artifact, roots, artifact_env(stack_env, data_dir, roots))
            extra: dict[str, Any] = {"written": _snapshot(roots) - before}
            if status is not None:
                extra["source_status"] = status()
            outcome["problems"] = check(artifact, outcome, extra)
            results[name] = outcome
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.build.verify", description=__doc__)
    parser.add_argument("names", nargs="*", help="artifacts with a smoke scenario (default: all)")
    parser.add_argument("--from", dest="source", type=Path, help="a `sam build` folder (.aws-sam/build)")
    args = parser.parse_args(argv)
    names = args.names or [n for n, a in ARTIFACTS.items() if a.smoke]
    source = args.source.resolve() if args.source else None
    folders = {n: (source / n if source else default_into(a)) for n, a in ARTIFACTS.items()}
    if source:
        folders = {n: f if f.exists() else default_into(ARTIFACTS[n]) for n, f in folders.items()}
    results = verify(names, folders)
    failed = False
    for name, outcome in results.items():
        problems = outcome.pop("problems")
        failed = failed or bool(problems)
        verdict = "ok" if not problems else "FAILED: " + "; ".join(problems)
        print(f"{name}: {verdict}\n  {json.dumps(outcome, default=str)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
