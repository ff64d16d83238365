"""SQS ingest queue -> services.ingestion, one record at a time, failures reported per record."""

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from minirag.bootstrap import Services, build_services
from minirag.config import Settings

_services: Services | None = None


def make_handler(services: Services) -> Any:
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def record_handler(record: SQSRecord) -> None:
        attempt = int(record.attributes.approximate_receive_count or 1)
        services.work.handle(json.loads(record.body), attempt=attempt)

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
