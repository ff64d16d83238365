"""S3 blob store: raw source content and uploads, under a per-tenant prefix."""

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from minirag.domain.errors import DependencyUnavailableError, NotFoundError, PayloadTooLargeError
from minirag.domain.vectors import PresignedUpload


class S3BlobStore:
    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            self._client.put_object(Bucket=self._bucket, Key=key, Body=data, ContentType=content_type)
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailableError("the blob store is unavailable") from exc

    def get(self, key: str, *, max_bytes: int) -> bytes:
        try:
            head = self._client.head_object(Bucket=self._bucket, Key=key)
            if head["ContentLength"] > max_bytes:
                raise PayloadTooLargeError(f"object larger than {max_bytes} bytes")
            body: bytes = self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read()
            return body
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise NotFoundError("content not found; upload it first") from exc
            raise DependencyUnavailableError("the blob store is unavailable") from exc
        except BotoCoreError as exc:
            raise DependencyUnavailableError("the blob store is unavailable") from exc

    def delete_prefix(self, prefix: str) -> None:
        try:
            pages = self._client.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=prefix)
            for page in pages:
                objects = [{"Key": o["Key"]} for o in page.get("Contents", [])]
                if objects:
                    self._client.delete_objects(Bucket=self._bucket, Delete={"Objects": objects})
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailableError("the blob store is unavailable") from exc

    def presign_put(self, key: str, *, content_type: str, size: int, expires_seconds: int) -> PresignedUpload:
        url = self._client.generate_presigned_url(
            "put_object",
            Params={"Bucket": self._bucket, "Key": key, "ContentType": content_type, "ContentLength": size},
            ExpiresIn=expires_seconds,
        )
        return PresignedUpload(url=url, headers={"Content-Type": content_type}, expires_in=expires_seconds)

    def presign_get(self, key: str, *, expires_seconds: int, filename: str) -> str:
        url: str = self._client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self._bucket,
                "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
            },
            ExpiresIn=expires_seconds,
        )
        return url

    def ping(self) -> None:
        try:
            self._client.head_bucket(Bucket=self._bucket)
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailableError("the blob store is unavailable") from exc
