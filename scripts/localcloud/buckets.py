"""Creates (or finds) an S3 bucket and applies the template's bucket configuration to it."""

import contextlib
from typing import Any

from botocore.exceptions import ClientError

from scripts.localcloud.resources import Physical


def _cors_rule(rule: dict[str, Any]) -> dict[str, Any]:
    renames = {"ExposedHeaders": "ExposeHeaders", "Id": "ID", "MaxAge": "MaxAgeSeconds"}
    return {renames.get(key, key): value for key, value in rule.items()}


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {"Status": rule["Status"], "Filter": {"Prefix": rule.get("Prefix", "")}}
    if "Id" in rule:
        converted["ID"] = rule["Id"]
    if "ExpirationInDays" in rule:
        converted["Expiration"] = {"Days": rule["ExpirationInDays"]}
    if "AbortIncompleteMultipartUpload" in rule:
        converted["AbortIncompleteMultipartUpload"] = rule["AbortIncompleteMultipartUpload"]
    return converted


def _encryption_rule(rule: dict[str, Any]) -> dict[str, Any]:
    renames = {"ServerSideEncryptionByDefault": "ApplyServerSideEncryptionByDefault"}
    return {renames.get(key, key): value for key, value in rule.items()}


def _queue_notification(config: dict[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {"QueueArn": config["Queue"], "Events": [config["Event"]]}
    if rules := config.get("Filter", {}).get("S3Key", {}).get("Rules"):
        converted["Filter"] = {"Key": {"FilterRules": rules}}
    return converted


def _configure(client: Any, name: str, props: dict[str, Any]) -> None:
    if cors := props.get("CorsConfiguration"):
        rules = [_cors_rule(rule) for rule in cors["CorsRules"]]
        client.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": rules})
    if lifecycle := props.get("LifecycleConfiguration"):
        rules = [_lifecycle_rule(rule) for rule in lifecycle["Rules"]]
        client.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
    if block := props.get("PublicAccessBlockConfiguration"):
        client.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=block)
    if encryption := props.get("BucketEncryption"):
        rules = [_encryption_rule(rule) for rule in encryption["ServerSideEncryptionConfiguration"]]
        client.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    if queues := props.get("NotificationConfiguration", {}).get("QueueConfigurations"):
        notifications = {"QueueConfigurations": [_queue_notification(q) for q in queues]}
        client.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration=notifications)


def _exists(client: Any, name: str) -> bool:
    try:
        client.head_bucket(Bucket=name)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchBucket", "NotFound"):
            return False
        raise
    return True


def ensure_bucket(client: Any, name: str, props: dict[str, Any], *, region: str) -> Physical:
    """S3 names are lower case, so the physical name is too."""
    name = name.lower()
    if not _exists(client, name):
        kwargs: dict[str, Any] = {"Bucket": name}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
            client.create_bucket(**kwargs)
    _configure(client, name, props)
    attrs = {
        "Arn": f"arn:aws:s3:::{name}",
        "DomainName": f"{name}.s3.amazonaws.com",
        "RegionalDomainName": f"{name}.s3.{region}.amazonaws.com",
    }
    return Physical(ref=name, attrs=attrs)
