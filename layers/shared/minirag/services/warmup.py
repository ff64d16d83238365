"""Loads the models a first answer needs before anyone asks, and says how far it got.

Without it the first chat after start-up pays for importing LiteLLM and loading the offline embedder
(about 20 s on a busy 2-core box) while the user sees nothing; `make run` starts it in the background at
start-up and the streaming chat function during its init phase. Health reports `models: loading` meanwhile.
"""

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("minirag.warmup")


class ModelWarmup:
    """`steps` are named loaders, run in order once; the state is idle, loading, ok or down (a loader
    failed: the model then loads on first use, as without warm-up, and the error is logged). `later` run
    after them, once the state is settled: loaders that only some bots need."""

    def __init__(
        self, steps: dict[str, Callable[[], object]], *, later: dict[str, Callable[[], object]] | None = None
    ) -> None:
        self._steps = steps
        self._later = later or {}
        self._state = "idle"
        self._seconds: dict[str, float] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def state(self) -> str:
        return self._state

    @property
    def seconds(self) -> dict[str, float]:
        """How long each step took (for the logs and the benchmarks)."""
        return dict(self._seconds)

    def start(self, *, background: bool = True) -> None:
        with self._lock:
            if self._state != "idle" or not self._steps:
                return
            self._state = "loading"
        if background:
            self._thread = threading.Thread(target=self._run, name="model-warmup", daemon=True)
            self._thread.start()
        else:
            self._run()

    def wait(self, timeout: float) -> bool:
        """Before the process exits: a daemon thread still inside a native library (onnxruntime loading
        the embedder) when the interpreter finalises aborts the process ("terminate called without an
        active exception", exit -6). True when nothing is loading any more."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _run(self) -> None:
        failed = not self._each(self._steps)
        self._state = "down" if failed else "ok"
        log.info("models warm: %s", self._seconds)
        if self._later:
            self._each(self._later)
            log.info("loaded after warm-up: %s", {name: self._seconds.get(name) for name in self._later})

    def _each(self, steps: dict[str, Callable[[], object]]) -> bool:
        ok = True
        for name, step in steps.items():
            started = time.perf_counter()
            try:
                step()
            except Exception:
                ok = False
                log.exception("warming %s failed; it loads on first use instead", name)
            self._seconds[name] = round(time.perf_counter() - started, 2)
        return ok
