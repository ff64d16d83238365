"""`python -m scripts.emulators COMMAND`: the emulator tier (DynamoDB Local + LocalStack, no Docker).

  install            install both into the cache folder (also done on demand)
  serve              start both and a router; print AWS_ENDPOINT_URL; Ctrl-C stops them
  test [PYTEST ARGS] start both, run pytest with the tier's plugin (default: tests/integration), stop both

Against LocalStack's Docker image instead (needs Docker and a LocalStack auth token), point the tier at it:
MINIRAG_EMULATOR_AWS_URL=http://127.0.0.1:4566 python -m scripts.emulators test (see docs/deploy.md).
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from scripts.emulators import processes
from scripts.emulators.router import Router

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TESTS = ["tests/integration"]


@contextmanager
def emulators() -> Iterator[tuple[str, str]]:
    """(DynamoDB URL, URL of everything else): started here unless given in the environment."""
    logs = Path(tempfile.mkdtemp(prefix="minirag-emulators-"))
    with ExitStack() as stack:
        dynamodb = os.environ.get("MINIRAG_EMULATOR_DYNAMODB_URL")
        if not dynamodb:
            started = processes.start_dynamodb_local(logs)
            stack.callback(started.stop)
            dynamodb = started.url
        other = os.environ.get("MINIRAG_EMULATOR_AWS_URL")
        if not other:
            started = processes.start_localstack(logs)
            stack.callback(started.stop)
            other = started.url
        print(f"emulators: DynamoDB Local {dynamodb}, LocalStack {other} (logs in {logs})", flush=True)
        yield dynamodb, other


def test(args: list[str]) -> int:
    with emulators() as (dynamodb, other):
        env = os.environ | {"MINIRAG_EMULATOR_DYNAMODB_URL": dynamodb, "MINIRAG_EMULATOR_AWS_URL": other}
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "scripts.emulators.pytest_plugin",
            *(args or DEFAULT_TESTS),
        ]
        return subprocess.call(command, cwd=ROOT, env=env)  # noqa: S603


def serve() -> int:
    with (
        emulators() as (dynamodb, other),
        Router(dynamodb, other, port=int(os.environ.get("PORT", "4566"))) as router,
    ):
        print(f"AWS_ENDPOINT_URL={router.url}", flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("test", [])
    if command == "install":
        print(processes.install_dynamodb_local(), processes.install_localstack(), sep="\n")
        return 0
    if command == "serve":
        return serve()
    if command == "test":
        return test(rest)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
