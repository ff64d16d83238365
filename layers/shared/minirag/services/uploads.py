"""File sources: direct multipart uploads (<= 4 MB) and presigned S3 uploads (<= 50 MB)."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePath

from minirag.domain.chunking import Document
from minirag.domain.errors import PayloadTooLargeError, UnprocessableError
from minirag.domain.knowledge import Source, SourceType
from minirag.domain.models import Principal
from minirag.domain.vectors import PresignedUpload
from minirag.ports import BlobStore, Clock, Queue, SourceRepository
from minirag.services.content import Parser
from minirag.services.sources import SourceDraft, SourceService, content_key, ingest_command

ALLOWED_EXTENSIONS = {".txt", ".md", ".markdown", ".csv", ".html", ".htm", ".pdf", ".docx"}


@dataclass(frozen=True)
class UploadLimits:
    direct_bytes: int
    presigned_bytes: int
    url_ttl_seconds: int = 900


@dataclass(frozen=True)
class PresignedSource:
    source: Source
    upload: PresignedUpload
    expires_at: datetime


def incoming_key(tenant_id: str, source_id: str, filename: str) -> str:
    """Presigned uploads land here: the bucket notifies the ingest queue for this prefix only."""
    return f"incoming/{tenant_id}/{source_id}/{filename}"


def safe_filename(filename: str) -> str:
    name = PurePath(filename.replace("\\", "/")).name
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "upload"
    extension = PurePath(name).suffix.lower()
    if extension not in ALLOWED_EXTENSIONS:
        allowed = ", ".join(sorted(ALLOWED_EXTENSIONS))
        raise UnprocessableError(f"Unsupported file type: {extension or '(none)'}. Allowed: {allowed}")
    return name[:150]


class UploadService:
    def __init__(
        self,
        *,
        sources: SourceService,
        repository: SourceRepository,
        blobs: BlobStore,
        queue: Queue,
        parse: Parser,
        clock: Clock,
        limits: UploadLimits,
    ) -> None:
        self._sources = sources
        self._repository = repository
        self._blobs = blobs
        self._queue = queue
        self._parse = parse
        self._clock = clock
        self._limits = limits

    def upload(
        self,
        principal: Principal,
        *,
        bot_profile_id: str,
        filename: str,
        content_type: str | None,
        data: bytes,
        name: str | None,
        parent_id: str | None,
    ) -> Source:
        """Parsed before it is stored, so a corrupt or empty file is a 422 now rather than an error later;
        but only once the caller's role, the bot and the parent are checked, so nobody who may not add
        the file can make the API parse it."""
        safe = safe_filename(filename)
        if len(data) > self._limits.direct_bytes:
            raise PayloadTooLargeError(f"file larger than {self._limits.direct_bytes} bytes; use /upload-url")
        source = self._draft(principal, bot_profile_id, safe, content_type, name, parent_id, len(data))
        document: Document = self._parse(data, filename=safe, content_type=content_type, title=name or safe)
        del document
        source.blob_key = content_key(principal.tenant_id, source.id, f"upload/{safe}")
        self._blobs.put(source.blob_key, data, content_type or "application/octet-stream")
        self._repository.add_many(tenant_id=principal.tenant_id, sources=[source])
        self._queue.send(ingest_command(principal.tenant_id, source.id))
        return source  # pending: queued, and claimed by the worker when it starts

    def presign(
        self, principal: Principal, *, bot_profile_id: str, filename: str, content_type: str, size: int
    ) -> PresignedSource:
        safe = safe_filename(filename)
        if size > self._limits.presigned_bytes:
            raise PayloadTooLargeError(f"file larger than {self._limits.presigned_bytes} bytes")
        source = self._draft(principal, bot_profile_id, safe, content_type, None, None, size)
        source.blob_key = incoming_key(principal.tenant_id, source.id, safe)
        self._repository.add_many(tenant_id=principal.tenant_id, sources=[source])
        ttl = self._limits.url_ttl_seconds
        upload = self._blobs.presign_put(
            source.blob_key, content_type=content_type, size=size, expires_seconds=ttl
        )
        return PresignedSource(source, upload, self._clock.now() + timedelta(seconds=ttl))

    def _draft(
        self,
        principal: Principal,
        bot_profile_id: str,
        filename: str,
        content_type: str | None,
        name: str | None,
        parent_id: str | None,
        size: int,
    ) -> Source:
        draft = SourceDraft(
            bot_profile_id=bot_profile_id,
            name=name or filename,
            source_type=SourceType.UPLOAD,
            parent_id=parent_id,
        )
        source = self._sources.build(principal, draft)
        source.config = {
            "filename": filename,
            "content_type": content_type,
            "original_filename": filename,  # the original MiniRAG's keys, which its dashboard reads
            "file_size": size,
        }
        return source
