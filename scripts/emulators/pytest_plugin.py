"""pytest plugin of the emulator tier: `pytest -p scripts.emulators.pytest_plugin tests/integration`.

With MINIRAG_EMULATOR_DYNAMODB_URL and MINIRAG_EMULATOR_AWS_URL set (scripts/emulators does it), every
local AWS endpoint the suite starts (tests/support/localaws.py and scripts/localcloud start moto servers
through moto.server.ThreadedMotoServer) becomes a router on the same address instead: DynamoDB requests go
to DynamoDB Local, the others to LocalStack. The tests, the fixtures and the application run unchanged.
Without the variables the plugin does nothing.
"""

import os

import moto.server
import pytest

from scripts.emulators.router import Router


class RoutedServer:
    """ThreadedMotoServer's interface (the part the suite uses), serving the emulator router."""

    def __init__(self, ip_address: str = "127.0.0.1", port: int = 5000, verbose: bool = False) -> None:
        self._router = Router(
            os.environ["MINIRAG_EMULATOR_DYNAMODB_URL"],
            os.environ["MINIRAG_EMULATOR_AWS_URL"],
            host=ip_address,
            port=port,
        )

    def start(self) -> None:
        self._router.start()

    def stop(self) -> None:
        self._router.stop()

    def get_host_and_port(self) -> tuple[str, int]:
        host, port = self._router.url.removeprefix("http://").rsplit(":", 1)
        return host, int(port)


# At import, not in pytest_configure: `-p` plugins are imported before the conftest files, which import
# ThreadedMotoServer by name.
if os.environ.get("MINIRAG_EMULATOR_DYNAMODB_URL") and os.environ.get("MINIRAG_EMULATOR_AWS_URL"):
    moto.server.ThreadedMotoServer = RoutedServer  # type: ignore[misc, assignment]


def pytest_report_header(config: pytest.Config) -> str | None:
    if moto.server.ThreadedMotoServer is RoutedServer:
        return (
            f"emulator tier: DynamoDB Local at {os.environ['MINIRAG_EMULATOR_DYNAMODB_URL']}, "
            f"LocalStack at {os.environ['MINIRAG_EMULATOR_AWS_URL']}"
        )
    return None
