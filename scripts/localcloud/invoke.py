"""Calling a function's handler as Lambda would: lazily imported, with a LambdaContext-like object."""

import importlib
import importlib.util
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scripts.localcloud.template import FunctionSpec

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LambdaContext:
    """The attributes of the Python runtime's context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    timeout_seconds: int
    function_version: str = "$LATEST"
    identity: Any = None
    client_context: Any = None
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def make_context(spec: FunctionSpec, *, name: str, region: str, account: str) -> LambdaContext:
    """`name` is the local physical function name, e.g. minirag-local-IngestFunction."""
    return LambdaContext(
        function_name=name,
        memory_limit_in_mb=spec.memory_mb,
        invoked_function_arn=f"arn:aws:lambda:{region}:{account}:function:{name}",
        aws_request_id=str(uuid.uuid4()),
        log_group_name=f"/aws/lambda/{name}",
        log_stream_name=time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex,
        timeout_seconds=spec.timeout,
    )


class LazyHandler:
    """Imports CodeUri + Handler (functions/ingest + handler.handler) on first call, like a cold start."""

    def __init__(self, spec: FunctionSpec) -> None:
        self.spec = spec
        self._handler: Handler | None = None
        self._lock = threading.Lock()

    def load(self) -> Handler:
        with self._lock:
            if self._handler is None:
                module = importlib.import_module(self.spec.module)
                self._handler = getattr(module, self.spec.attribute)
            return self._handler

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        return self.load()(event, context)


def handler_available(spec: FunctionSpec) -> bool:
    """Whether the handler module exists (without importing it): functions are written one by one."""
    try:
        return importlib.util.find_spec(spec.module) is not None
    except ModuleNotFoundError:
        return False
