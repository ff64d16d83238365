"""SQS queue adapter: versioned JSON command messages."""

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from minirag.domain.errors import DependencyUnavailableError


class SqsQueue:
    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._url = queue_url

    def send(self, message: dict[str, Any], *, delay_seconds: int = 0) -> None:
        try:
            self._client.send_message(
                QueueUrl=self._url, MessageBody=_body(message), DelaySeconds=min(delay_seconds, 900)
            )
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailableError("the work queue is unavailable") from exc

    def send_batch(self, messages: list[dict[str, Any]]) -> None:
        """SendMessageBatch, 10 messages a call (the SQS maximum). A batch can partly fail without an
        exception, so any entry in `Failed` raises too: the caller's retry must be able to resend."""
        for start in range(0, len(messages), 10):
            entries = [
                {"Id": str(n), "MessageBody": _body(m)} for n, m in enumerate(messages[start : start + 10])
            ]
            try:
                failed = self._client.send_message_batch(QueueUrl=self._url, Entries=entries).get("Failed")
            except (BotoCoreError, ClientError) as exc:
                raise DependencyUnavailableError("the work queue is unavailable") from exc
            if failed:
                raise DependencyUnavailableError(f"the work queue refused {len(failed)} of {len(entries)}")

    def retry_later(self, receipt_handle: str, seconds: int) -> None:
        """Hide a received message for `seconds` (SQS allows up to 12 h): the retry schedule of a consumer."""
        try:
            self._client.change_message_visibility(
                QueueUrl=self._url, ReceiptHandle=receipt_handle, VisibilityTimeout=min(seconds, 43_200)
            )
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailableError("the work queue is unavailable") from exc

    def ping(self) -> None:
        try:
            self._client.get_queue_attributes(QueueUrl=self._url, AttributeNames=["QueueArn"])
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailableError("the work queue is unavailable") from exc


def _body(message: dict[str, Any]) -> str:
    return json.dumps({"v": 1, **message}, separators=(",", ":"))


def queue_depths(client: Any, urls: dict[str, str | None]) -> dict[str, dict[str, int] | str]:
    """Messages waiting and in flight per queue (the DLQs' depth is the number that needs a person)."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    depths: dict[str, dict[str, int] | str] = {}
    for label, url in urls.items():
        if not url:
            continue
        try:
            attrs = client.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
            depths[label] = {"waiting": int(attrs[names[0]]), "in_flight": int(attrs[names[1]])}
        except (BotoCoreError, ClientError):
            depths[label] = "down"
    return depths
