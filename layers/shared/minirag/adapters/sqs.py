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
        body = json.dumps({"v": 1, **message}, separators=(",", ":"))
        try:
            self._client.send_message(
                QueueUrl=self._url, MessageBody=body, DelaySeconds=min(delay_seconds, 900)
            )
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailableError("the work queue is unavailable") from exc

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
