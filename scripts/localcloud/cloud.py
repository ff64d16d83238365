"""LocalCloud: the local AWS endpoint, the stack provisioned on it, and the functions' event sources."""

import logging
import os
import socket
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

from moto.server import ThreadedMotoServer

from scripts.emulators.processes import Emulator, start_dynamodb_local
from scripts.localcloud.invoke import Handler, LambdaContext, LazyHandler, make_context
from scripts.localcloud.poller import SqsPoller
from scripts.localcloud.provision import DEFAULT_PREFIX, Stack, aws_client, provision_stack
from scripts.localcloud.schedules import ScheduleRunner
from scripts.localcloud.sources import schedule_sources, sqs_sources
from scripts.localcloud.template import DEFAULT_TEMPLATE


def check_port_free(port: int, *, host: str = "127.0.0.1") -> None:
    """moto's server thread would hang start() on a taken port; fail with a clear message instead."""
    if port == 0:
        return
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise RuntimeError(f"{host}:{port} is in use; choose another port (0 = any free port)") from exc


class LocalCloud:
    """With no endpoint_url, starts moto in-process on 127.0.0.1:aws_port (0 = a free port).

    DynamoDB: `dynamodb="dynamodb-local"` starts Amazon's DynamoDB Local (Java, in memory) on
    127.0.0.1:dynamodb_port and provisions the table there (what `make run` does: moto's DynamoDB is not
    safe under concurrent transactions and slows down as data grows, see benchmarks/RESULTS.md);
    `dynamodb_endpoint_url` names one already running; otherwise the table lives on endpoint_url too.

    Handlers default to the template's (CodeUri + Handler, imported at first use); pass `handlers`
    ({logical id: callable}) to run them with injected services. `set_environ` copies `env` into
    os.environ, which the template's handlers need when they build their own services.
    """

    def __init__(
        self,
        *,
        prefix: str = DEFAULT_PREFIX,
        aws_port: int = 4566,
        endpoint_url: str | None = None,
        template: Path = DEFAULT_TEMPLATE,
        parameters: Mapping[str, str] | None = None,
        set_environ: bool = False,
        poll_wait_seconds: int = 20,
        dynamodb: Literal["same", "dynamodb-local"] = "same",
        dynamodb_endpoint_url: str | None = None,
        dynamodb_port: int = 0,
        logs: Path | None = None,
    ) -> None:
        self.prefix, self.template, self.parameters = prefix, template, dict(parameters or {})
        self._aws_port, self._endpoint = aws_port, endpoint_url
        self._set_environ, self._wait = set_environ, poll_wait_seconds
        self._dynamodb, self._dynamodb_endpoint, self._dynamodb_port = (
            dynamodb,
            dynamodb_endpoint_url,
            dynamodb_port,
        )
        self._logs = logs or Path(tempfile.gettempdir()) / "minirag-localcloud"
        self._dynamodb_local: Emulator | None = None
        self._moto: ThreadedMotoServer | None = None
        self._stack: Stack | None = None
        self._handlers: dict[str, Handler] = {}
        self.pollers: list[SqsPoller] = []
        self.schedules: list[ScheduleRunner] = []

    @property
    def endpoint_url(self) -> str:
        if self._endpoint is None:
            raise RuntimeError("LocalCloud is not started")
        return self._endpoint

    @property
    def stack(self) -> Stack:
        if self._stack is None:
            raise RuntimeError("LocalCloud is not started")
        return self._stack

    @property
    def env(self) -> dict[str, str]:
        return self.stack.env()

    @property
    def dynamodb_endpoint_url(self) -> str:
        return self._dynamodb_endpoint or self.endpoint_url

    def _start_dynamodb(self) -> None:
        if self._dynamodb_endpoint is None and self._dynamodb == "dynamodb-local":
            check_port_free(self._dynamodb_port)
            self._dynamodb_local = start_dynamodb_local(self._logs, port=self._dynamodb_port)
            self._dynamodb_endpoint = self._dynamodb_local.url

    def start(self) -> Self:
        self._start_dynamodb()
        if self._endpoint is None:
            check_port_free(self._aws_port)
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
            self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=self._aws_port, verbose=False)
            self._moto.start()
            host, port = self._moto.get_host_and_port()
            self._endpoint = f"http://{host}:{port}"
        self._stack = provision_stack(
            self.endpoint_url,
            template=self.template,
            prefix=self.prefix,
            parameters=self.parameters,
            dynamodb_endpoint_url=self._dynamodb_endpoint,
        )
        if self._set_environ:
            os.environ.update(self.env)
        return self

    def handler(self, logical_id: str) -> Handler:
        if logical_id not in self._handlers:
            self._handlers[logical_id] = LazyHandler(self.stack.function(logical_id))
        return self._handlers[logical_id]

    def context_factory(self, logical_id: str) -> Callable[[], LambdaContext]:
        spec, ctx = self.stack.function(logical_id), self.stack.context
        name = f"{self.prefix}-{logical_id}"
        return lambda: make_context(spec, name=name, region=ctx.region, account=ctx.account)

    def _pick(
        self, handlers: Mapping[str, Handler] | None, functions: Iterable[str] | None
    ) -> set[str] | None:
        """Which functions to wire: `functions`, else the keys of `handlers`, else all (None)."""
        if functions is not None:
            return set(functions)
        return set(handlers) if handlers else None

    def make_pollers(
        self, handlers: Mapping[str, Handler] | None = None, *, functions: Iterable[str] | None = None
    ) -> list[SqsPoller]:
        """Pollers for the chosen functions' SQS events, not started (call poll_once() or start())."""
        chosen, handlers = self._pick(handlers, functions), handlers or {}
        sqs = aws_client("sqs", self.endpoint_url, self.stack.region)
        return [
            SqsPoller(
                source,
                sqs=sqs,
                handler=handlers.get(source.function) or self.handler(source.function),
                context_factory=self.context_factory(source.function),
                wait_seconds=self._wait,
            )
            for source in sqs_sources(self.stack)
            if chosen is None or source.function in chosen
        ]

    def start_pollers(
        self, handlers: Mapping[str, Handler] | None = None, *, functions: Iterable[str] | None = None
    ) -> list[SqsPoller]:
        pollers = self.make_pollers(handlers, functions=functions)
        for poller in pollers:
            poller.start()
        self.pollers += pollers
        return pollers

    def make_schedules(
        self, handlers: Mapping[str, Handler] | None = None, *, functions: Iterable[str] | None = None
    ) -> list[ScheduleRunner]:
        chosen, handlers = self._pick(handlers, functions), handlers or {}
        return [
            ScheduleRunner(
                source,
                handler=handlers.get(source.function) or self.handler(source.function),
                context_factory=self.context_factory(source.function),
            )
            for source in schedule_sources(self.stack)
            if chosen is None or source.function in chosen
        ]

    def start_schedules(
        self, handlers: Mapping[str, Handler] | None = None, *, functions: Iterable[str] | None = None
    ) -> list[ScheduleRunner]:
        runners = [r for r in self.make_schedules(handlers, functions=functions) if r.source.enabled]
        for runner in runners:
            runner.start()
        self.schedules += runners
        return runners

    def fire_schedule(self, logical_id: str, handler: Handler | None = None) -> Any:
        """Invokes `logical_id`'s first schedule now: with `handler`, the started one's, or the template's."""
        started = [r for r in self.schedules if r.source.function == logical_id]
        if handler is None and started:
            return started[0].fire()
        runners = self.make_schedules({logical_id: handler} if handler else None, functions=[logical_id])
        if not runners:
            raise KeyError(f"{logical_id} has no Schedule or ScheduleV2 event")
        return runners[0].fire()

    def stop(self, timeout: float = 5.0) -> None:
        """A poller inside a long poll returns when its receive does (at most its wait): it is a daemon
        thread that checks its stop flag first, so stop() does not wait for it."""
        workers: list[SqsPoller | ScheduleRunner] = [*self.pollers, *self.schedules]
        for worker in workers:
            worker.request_stop()
        for worker in workers:
            worker.stop(timeout if isinstance(worker, ScheduleRunner) else 0.2)
        self.pollers, self.schedules = [], []
        if self._moto is not None:
            self._moto.stop()
            self._moto, self._endpoint = None, None
        if self._dynamodb_local is not None:
            self._dynamodb_local.stop()
            self._dynamodb_local, self._dynamodb_endpoint = None, None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()
