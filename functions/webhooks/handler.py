"""SQS webhook queue: `publish_event` -> services.events.fan_out (one delivery message per subscribed
webhook); `deliver_webhook` -> services.webhooks.deliver, a failed attempt hiding its message for the backoff."""

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from minirag.bootstrap import Services, build_services
from minirag.config import Settings
from minirag.domain.webhooks import Event
from minirag.services.webhooks import DeliveryFailed, RetryLater

_services: Services | None = None


def make_handler(services: Services) -> Any:
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def record_handler(record: SQSRecord) -> None:
        message = json.loads(record.body)
        if message.get("type") == "publish_event":
            services.events.fan_out(Event.of_message(message))
            return
        attempt = int(record.attributes.approximate_receive_count or 1)
        try:
            services.webhooks.deliver(
                message["tenant_id"], message["webhook_id"], message["delivery_id"], attempt=attempt
            )
        except RetryLater as retry:
            services.webhook_queue.retry_later(record.receipt_handle, retry.seconds)
            raise
        except DeliveryFailed:
            services.webhook_queue.retry_later(
                record.receipt_handle, 0
            )  # the next receive redrives it to the DLQ
            raise

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return process_partial_response(  # type: ignore[return-value]
            event=event, record_handler=record_handler, processor=processor, context=context
        )

    return handler


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _services  # built once per warm container
    if _services is None:
        _services = build_services(Settings())
    result: dict[str, Any] = make_handler(_services)(event, context)
    return result
