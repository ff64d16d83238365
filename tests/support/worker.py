"""Runs the real ingest handler on what is waiting in the ingest queue, as the event source mapping would."""

from typing import Any

import boto3

from functions.ingest.handler import make_handler
from minirag.bootstrap import Services
from scripts.localcloud.invoke import LambdaContext
from scripts.localcloud.poller import SqsPoller, SqsSource


class IngestWorker:
    def __init__(self, services: Services, endpoint: str) -> None:
        settings = services.settings
        self.sqs: Any = boto3.client("sqs", region_name=settings.aws_region, endpoint_url=endpoint)
        url = settings.ingest_queue_url or ""
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        source = SqsSource(
            function="IngestFunction",
            queue_url=url,
            queue_arn=arn,
            region=settings.aws_region,
            batch_size=5,
            report_failures=True,
        )
        self.handler = make_handler(services)
        self.poller = SqsPoller(
            source, sqs=self.sqs, handler=self.handler, context_factory=_context, wait_seconds=0
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


def _context() -> LambdaContext:
    return LambdaContext(
        function_name="IngestFunction",
        memory_limit_in_mb=2048,
        invoked_function_arn="arn:aws:lambda:us-east-1:000000000000:function:IngestFunction",
        aws_request_id="test",
        log_group_name="/aws/lambda/ingest",
        log_stream_name="test",
        timeout_seconds=300,
    )
