"""One SQS event source mapping: long-polls a queue and invokes a function's handler with each batch."""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scripts.localcloud.invoke import Handler, LambdaContext
from scripts.localcloud.sqs_events import failed_message_ids, sqs_event

log = logging.getLogger("localcloud.sqs")


@dataclass(frozen=True)
class SqsSource:
    """What the template's SQS event says, resolved to local names."""

    function: str
    queue_url: str
    queue_arn: str
    region: str
    batch_size: int
    report_failures: bool


class SqsPoller:
    """Deletes what succeeded; what failed stays and comes back after the visibility timeout (then the
    endpoint's redrive moves it to the DLQ after maxReceiveCount), exactly as Lambda's poller does.

    Long polls (`wait_seconds`, 20 under `make run`, as Lambda's pollers do): an idle queue costs one
    receive per 20 s instead of one per second, and a message is handed over as soon as it arrives."""

    def __init__(
        self,
        source: SqsSource,
        *,
        sqs: Any,
        handler: Handler,
        context_factory: Callable[[], LambdaContext],
        wait_seconds: int = 20,
    ) -> None:
        self.source = source
        self.handler = handler
        self._sqs = sqs
        self._context_factory = context_factory
        self._wait_seconds = wait_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll_once(self) -> int:
        """One receive and at most one invocation; returns how many messages were received."""
        received = self._sqs.receive_message(
            QueueUrl=self.source.queue_url,
            MaxNumberOfMessages=max(1, min(self.source.batch_size, 10)),
            WaitTimeSeconds=self._wait_seconds,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = received.get("Messages", [])
        if messages and self._stop.is_set():
            self._release(messages)  # stopped during the long poll: hand them back at once
            return 0
        if messages:
            self._process(messages)
        return len(messages)

    def _release(self, messages: list[dict[str, Any]]) -> None:
        entries = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
            for i, m in enumerate(messages)
        ]
        try:
            self._sqs.change_message_visibility_batch(QueueUrl=self.source.queue_url, Entries=entries)
        except Exception:  # the endpoint may be stopping too: they come back after their timeout
            log.debug("could not release %d messages of %s", len(messages), self.source.function)

    def _process(self, messages: list[dict[str, Any]]) -> None:
        event = sqs_event(messages, queue_arn=self.source.queue_arn, region=self.source.region)
        batch = [m["MessageId"] for m in messages]
        try:
            response = self.handler(event, self._context_factory())
        except Exception:
            log.exception("%s failed; the batch of %d stays on the queue", self.source.function, len(batch))
            return
        failed = failed_message_ids(response, batch, report_failures=self.source.report_failures)
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done[start:][:10])
            ]
            self._sqs.delete_message_batch(QueueUrl=self.source.queue_url, Entries=entries)
        if failed:
            log.warning("%s reported %d of %d messages failed", self.source.function, len(failed), len(batch))

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:
                if self._stop.is_set():
                    break
                log.exception("polling %s failed; retrying", self.source.queue_url)
                self._stop.wait(1.0)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"sqs-{self.source.function}", daemon=True)
        self._thread.start()

    def request_stop(self) -> None:
        self._stop.set()

    def stop(self, timeout: float = 5.0) -> None:
        self.request_stop()
        if self._thread is not None:
            self._thread.join(timeout)
