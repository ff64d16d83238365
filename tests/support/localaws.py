"""One local AWS endpoint per test process, started on first use, with resources provisioned from
template.yaml: DynamoDB Local (the engine `make run` uses) behind the emulator router, moto for the other
services. MINIRAG_TEST_DYNAMODB=moto keeps DynamoDB on moto too; under the emulator tier's plugin,
ThreadedMotoServer already is that tier's router."""

import atexit
import os
import socket
import tempfile
from functools import cache
from pathlib import Path

from moto.server import ThreadedMotoServer

from scripts.emulators.processes import start_dynamodb_local
from scripts.emulators.router import Router
from scripts.localcloud.provision import provision


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@cache
def moto_endpoint() -> str:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    atexit.register(server.stop)
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    if os.environ.get("MINIRAG_TEST_DYNAMODB") == "moto" or os.environ.get("MINIRAG_EMULATOR_DYNAMODB_URL"):
        return endpoint
    dynamodb = start_dynamodb_local(Path(tempfile.mkdtemp(prefix="minirag-test-ddb-")), heap_mb=384)
    atexit.register(dynamodb.stop)
    router = Router(dynamodb.url, endpoint).start()
    atexit.register(router.stop)
    return router.url


@cache
def provisioned() -> tuple[str, dict[str, str]]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    endpoint = moto_endpoint()
    return endpoint, provision(endpoint, prefix=f"minirag-test-{worker}")


def provision_once() -> tuple[str, dict[str, str], Path]:
    endpoint, env = provisioned()
    return endpoint, env, Path(tempfile.mkdtemp(prefix="minirag-fuzz-"))
