"""One moto server per test process, started on first use, with resources provisioned from template.yaml."""

import atexit
import os
import socket
import tempfile
from functools import cache
from pathlib import Path

from moto.server import ThreadedMotoServer

from scripts.localcloud.provision import provision


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@cache
def moto_endpoint() -> str:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    atexit.register(server.stop)
    return f"http://127.0.0.1:{port}"


@cache
def provisioned() -> tuple[str, dict[str, str]]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    endpoint = moto_endpoint()
    return endpoint, provision(endpoint, prefix=f"minirag-test-{worker}")


def provision_once() -> tuple[str, dict[str, str], Path]:
    endpoint, env = provisioned()
    return endpoint, env, Path(tempfile.mkdtemp(prefix="minirag-fuzz-"))
