"""Schedule and ScheduleV2 events: a thread that invokes the handler at the template's rate."""

import json
import logging
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scripts.localcloud.invoke import Handler, LambdaContext

log = logging.getLogger("localcloud.schedule")
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def rate_seconds(expression: str) -> int:
    """rate(15 minutes) -> 900. cron() and at() expressions are not emulated."""
    match = _RATE.match(expression.strip())
    if not match:
        raise ValueError(f"unsupported schedule expression {expression!r}")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2).removesuffix("s")]


@dataclass(frozen=True)
class ScheduleSource:
    function: str
    kind: str  # "ScheduleV2" (EventBridge Scheduler) or "Schedule" (EventBridge rule)
    arn: str
    expression: str
    input: str | None  # the template's Input, intrinsics already resolved
    region: str
    account: str
    enabled: bool = True

    def event(self) -> dict[str, Any]:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        execution_id = uuid.uuid4().hex[:16]
        if self.input is not None:
            text = self.input
            for name, value in (
                ("schedule-arn", self.arn), ("scheduled-time", now),
                ("execution-id", execution_id), ("attempt-number", "1"),
            ):  # fmt: skip
                text = text.replace(f"<aws.scheduler.{name}>", value)
            return dict(json.loads(text))
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.scheduler" if self.kind == "ScheduleV2" else "aws.events",
            "account": self.account,
            "time": now,
            "region": self.region,
            "resources": [self.arn],
            "detail": {},
        }


class ScheduleRunner:
    def __init__(
        self, source: ScheduleSource, *, handler: Handler, context_factory: Callable[[], LambdaContext]
    ) -> None:
        self.source = source
        self.handler = handler
        self._context_factory = context_factory
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def fire(self) -> Any:
        """Invokes the handler now with a fresh event; returns what it returned."""
        return self.handler(self.source.event(), self._context_factory())

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.fire()
            except Exception:
                log.exception("scheduled invocation of %s failed", self.source.function)

    def start(self, interval: float | None = None) -> None:
        """Fires every `interval` seconds (default: the template's rate), first after one interval."""
        if interval is None:
            interval = rate_seconds(self.source.expression)
        name = f"schedule-{self.source.function}"
        self._thread = threading.Thread(target=self._run, args=(interval,), name=name, daemon=True)
        self._thread.start()

    def request_stop(self) -> None:
        self._stop.set()

    def stop(self, timeout: float = 5.0) -> None:
        self.request_stop()
        if self._thread is not None:
            self._thread.join(timeout)
