"""Creates (or finds) one DynamoDB table or SQS queue from its CloudFormation Properties."""

import contextlib
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Physical:
    """What `!Ref` and `!GetAtt` of a provisioned resource resolve to."""

    ref: str
    attrs: dict[str, str] = field(default_factory=dict)


def _index(spec: dict[str, Any], provisioned: bool) -> dict[str, Any]:
    index = {key: spec[key] for key in ("IndexName", "KeySchema", "Projection")}
    if provisioned:
        index["ProvisionedThroughput"] = spec["ProvisionedThroughput"]
    return index


def _create_table(client: Any, name: str, props: dict[str, Any]) -> None:
    billing = props.get("BillingMode", "PROVISIONED")
    provisioned = billing == "PROVISIONED"
    kwargs: dict[str, Any] = {
        "TableName": name,
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": billing,
    }
    if provisioned:
        kwargs["ProvisionedThroughput"] = props["ProvisionedThroughput"]
    if gsis := props.get("GlobalSecondaryIndexes"):
        kwargs["GlobalSecondaryIndexes"] = [_index(gsi, provisioned) for gsi in gsis]
    if lsis := props.get("LocalSecondaryIndexes"):
        kwargs["LocalSecondaryIndexes"] = [_index(lsi, False) for lsi in lsis]
    if stream := props.get("StreamSpecification"):
        kwargs["StreamSpecification"] = {"StreamEnabled": True, **stream}
    with contextlib.suppress(client.exceptions.ResourceInUseException):  # created by another process
        client.create_table(**kwargs)
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})


def ensure_table(client: Any, name: str, props: dict[str, Any]) -> Physical:
    try:
        table = client.describe_table(TableName=name)["Table"]
    except client.exceptions.ResourceNotFoundException:
        _create_table(client, name, props)
        table = client.describe_table(TableName=name)["Table"]
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled", True):
        current = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            spec = {"AttributeName": ttl["AttributeName"], "Enabled": True}
            client.update_time_to_live(TableName=name, TimeToLiveSpecification=spec)
    attrs = {"Arn": table["TableArn"]}
    if "LatestStreamArn" in table:
        attrs["StreamArn"] = table["LatestStreamArn"]
    return Physical(ref=name, attrs=attrs)


_QUEUE_ATTRIBUTES = (
    "ContentBasedDeduplication", "DeduplicationScope", "DelaySeconds", "FifoThroughputLimit",
    "MaximumMessageSize", "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds", "RedriveAllowPolicy",
    "RedrivePolicy", "SqsManagedSseEnabled", "VisibilityTimeout",
)  # fmt: skip


def _queue_attribute(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def queue_name(name: str, props: dict[str, Any]) -> str:
    return f"{name}.fifo" if props.get("FifoQueue") else name


def ensure_queue(client: Any, name: str, props: dict[str, Any]) -> Physical:
    """Creates the queue, or brings an existing one's attributes back in line with the template."""
    name = queue_name(name, props)
    attributes = {key: _queue_attribute(props[key]) for key in _QUEUE_ATTRIBUTES if key in props}
    try:
        url = client.get_queue_url(QueueName=name)["QueueUrl"]
        if attributes:
            client.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    except client.exceptions.QueueDoesNotExist:
        creation = attributes | ({"FifoQueue": "true"} if props.get("FifoQueue") else {})
        url = client.create_queue(QueueName=name, Attributes=creation)["QueueUrl"]
    arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return Physical(ref=url, attrs={"Arn": arn, "QueueName": name, "QueueUrl": url})
