"""Runs the real Lambda handlers on what waits in their queues, as the event source mapping would."""

from collections.abc import Callable
from typing import Any

import boto3

from functions.ingest.handler import make_handler as ingest_handler
from functions.webhooks.handler import make_handler as webhook_handler
from minirag.bootstrap import Services
from scripts.localcloud.invoke import LambdaContext
from scripts.localcloud.poller import SqsPoller, SqsSource
from scripts.localcloud.sqs_events import sqs_event


class QueueWorker:
    def __init__(
        self,
        services: Services,
        endpoint: str,
        *,
        function: str,
        queue_url: str,
        make_handler: Callable[[Services], Any],
        batch_size: int,
    ) -> None:
        region = services.settings.aws_region
        self.sqs: Any = boto3.client("sqs", region_name=region, endpoint_url=endpoint)
        self.queue_url = queue_url
        arn = self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        source = SqsSource(
            function=function,
            queue_url=queue_url,
            queue_arn=arn,
            region=region,
            batch_size=batch_size,
            report_failures=True,
        )
        self.function = function
        self.handler = make_handler(services)
        self.poller = SqsPoller(
            source,
            sqs=self.sqs,
            handler=self.handler,
            context_factory=lambda: _context(function),
            wait_seconds=0,
        )

    def drain(self, max_rounds: int = 40) -> int:
        """Polls until the queue answers empty twice in a row; returns how many messages were handled."""
        handled, empty = 0, 0
        for _ in range(max_rounds):
            got = self.poller.poll_once()
            handled += got
            empty = empty + 1 if got == 0 else 0
            if empty >= 2:
                break
        return handled

    def receive(self) -> list[dict[str, Any]]:
        """What waits on the queue now, received but left there (hidden for the visibility timeout)."""
        got = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
        )
        messages: list[dict[str, Any]] = got.get("Messages", [])
        return messages

    def invoke(self, messages: list[dict[str, Any]]) -> Any:
        """The handler on these received messages, as one more delivery of them would call it."""
        source = self.poller.source
        event = sqs_event(messages, queue_arn=source.queue_arn, region=source.region)
        return self.handler(event, _context(self.function))

    def delete(self, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


class IngestWorker(QueueWorker):
    def __init__(self, services: Services, endpoint: str) -> None:
        super().__init__(
            services,
            endpoint,
            function="IngestFunction",
            queue_url=services.settings.ingest_queue_url or "",
            make_handler=ingest_handler,
            batch_size=5,
        )


class WebhookWorker(QueueWorker):
    def __init__(self, services: Services, endpoint: str) -> None:
        super().__init__(
            services,
            endpoint,
            function="WebhookFunction",
            queue_url=services.settings.webhook_queue_url or "",
            make_handler=webhook_handler,
            batch_size=10,
        )


def _context(function: str) -> LambdaContext:
    return LambdaContext(
        function_name=function,
        memory_limit_in_mb=1024,
        invoked_function_arn=f"arn:aws:lambda:us-east-1:000000000000:function:{function}",
        aws_request_id="test",
        log_group_name=f"/aws/lambda/{function}",
        log_stream_name="test",
        timeout_seconds=300,
    )
