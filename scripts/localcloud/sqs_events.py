"""The Lambda SQS event source: event shape and the partial batch response contract."""

import base64
from collections.abc import Collection
from typing import Any


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        converted["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        converted["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return converted


def sqs_record(message: dict[str, Any], *, queue_arn: str, region: str) -> dict[str, Any]:
    """One record as Lambda builds it from a ReceiveMessage result (system attributes requested: All)."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {
            name: _message_attribute(value) for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def sqs_event(messages: list[dict[str, Any]], *, queue_arn: str, region: str) -> dict[str, Any]:
    return {"Records": [sqs_record(m, queue_arn=queue_arn, region=region) for m in messages]}


def failed_message_ids(response: Any, batch: Collection[str], *, report_failures: bool) -> set[str]:
    """The messages Lambda leaves on the queue after a handler returned `response`.

    Without ReportBatchItemFailures the return value is ignored. With it: a null or empty response, or a
    null or empty batchItemFailures, is complete success; any malformed response (not an object, a
    failures value that is not a list, an item without a non-empty itemIdentifier from this batch) is
    complete failure.
    """
    if not report_failures or response is None:
        return set()
    if not isinstance(response, dict):
        return set(batch)
    failures = response.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return set(batch)
    failed: set[str] = set()
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(identifier, str) or identifier not in batch:
            return set(batch)
        failed.add(identifier)
    return failed
