from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile, status
from starlette.concurrency import run_in_threadpool

from minirag.api.deps import PrincipalDep, ServicesDep
from minirag.api.knowledge_schemas import (
    Accepted,
    BatchPublic,
    ChildrenAccepted,
    SourceBatchCreate,
    SourceCreate,
    SourcePublic,
    SourceUpdate,
    UploadUrlPublic,
    UploadUrlRequest,
)
from minirag.api.paging import PagerDep
from minirag.domain.errors import PayloadTooLargeError
from minirag.domain.knowledge import RefreshSchedule
from minirag.services.sources import SourceDraft

router = APIRouter(prefix="/v1/sources", tags=["sources"])


def _draft(body: SourceCreate) -> SourceDraft:
    config = body.config.model_dump(exclude_none=True) if body.config else None
    return SourceDraft(
        bot_profile_id=body.bot_profile_id,
        name=body.name,
        source_type=body.source_type,
        content=body.content,
        config=config,
        parent_id=body.parent_id,
        refresh_schedule=body.refresh_schedule or RefreshSchedule.NONE,
        description=body.description,
    )


@router.post("", status_code=status.HTTP_201_CREATED)
def create_source(
    body: SourceCreate, services: ServicesDep, principal: PrincipalDep, ingest: bool = False
) -> SourcePublic:
    return SourcePublic.of(services.sources.create(principal, _draft(body), ingest=ingest))


@router.post("/batch", status_code=status.HTTP_201_CREATED)
def create_batch(body: SourceBatchCreate, services: ServicesDep, principal: PrincipalDep) -> BatchPublic:
    parent = SourceDraft(
        bot_profile_id=body.bot_profile_id,
        name=body.name,
        source_type=body.source_type,
        description=body.description,
    )
    children = [
        SourceDraft(
            bot_profile_id=body.bot_profile_id,
            name=c.name,
            source_type=c.source_type,
            content=c.content,
            config=c.config.model_dump(exclude_none=True) if c.config else None,
            description=c.description,
        )
        for c in body.children
    ]
    made, kids = services.sources.create_batch(principal, parent, children)
    return BatchPublic(parent=SourcePublic.of(made), children=[SourcePublic.of(k) for k in kids])


@router.post("/upload", status_code=status.HTTP_201_CREATED)
async def upload_source(
    services: ServicesDep,
    principal: PrincipalDep,
    file: Annotated[UploadFile, File()],
    bot_profile_id: Annotated[str, Form()],
    name: Annotated[str | None, Form()] = None,
    parent_id: Annotated[str | None, Form()] = None,
) -> SourcePublic:
    limit = services.settings.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLargeError(f"file larger than {limit} bytes; use /v1/sources/upload-url")
    source = await run_in_threadpool(
        services.uploads.upload,
        principal,
        bot_profile_id=bot_profile_id,
        filename=file.filename or "upload",
        content_type=file.content_type,
        data=data,
        name=name,
        parent_id=parent_id,
    )
    return SourcePublic.of(source)


@router.post("/upload-url", status_code=status.HTTP_201_CREATED)
def upload_url(body: UploadUrlRequest, services: ServicesDep, principal: PrincipalDep) -> UploadUrlPublic:
    made = services.uploads.presign(
        principal,
        bot_profile_id=body.bot_profile_id,
        filename=body.filename,
        content_type=body.content_type,
        size=body.size,
    )
    return UploadUrlPublic(
        source=SourcePublic.of(made.source),
        upload_url=made.upload.url,
        headers=made.upload.headers,
        expires_at=made.expires_at,
    )


@router.get("")
def list_sources(
    services: ServicesDep,
    principal: PrincipalDep,
    page: PagerDep,
    bot_profile_id: str | None = None,
    parent_id: str | None = None,
    include_children: bool = False,
    include_inactive: bool = False,
) -> list[SourcePublic]:
    found = services.sources.list_sources(
        principal,
        bot_profile_id=bot_profile_id,
        parent_id=parent_id,
        include_children=include_children,
        include_inactive=include_inactive,
    )
    return [SourcePublic.of(s) for s in page(found, newest_first=True)]


@router.get("/{source_id}")
def get_source(source_id: str, services: ServicesDep, principal: PrincipalDep) -> SourcePublic:
    return SourcePublic.of(services.sources.get_aggregated(principal, source_id))


@router.get("/{source_id}/children")
def get_children(
    source_id: str,
    services: ServicesDep,
    principal: PrincipalDep,
    page: PagerDep,
    include_inactive: bool = False,
) -> list[SourcePublic]:
    found = services.sources.children(principal, source_id, include_inactive=include_inactive)
    return [SourcePublic.of(s) for s in page(found)]


@router.patch("/{source_id}")
def update_source(
    source_id: str, body: SourceUpdate, services: ServicesDep, principal: PrincipalDep
) -> SourcePublic:
    changes = body.model_dump(exclude_unset=True)
    if body.config is not None:
        changes["config"] = body.config.model_dump(exclude_none=True)
    return SourcePublic.of(services.sources.update(principal, source_id, changes))


@router.delete("/{source_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_source(source_id: str, services: ServicesDep, principal: PrincipalDep) -> None:
    services.sources.delete(principal, source_id)


@router.post("/{source_id}/ingest", status_code=status.HTTP_202_ACCEPTED)
def ingest_source(source_id: str, services: ServicesDep, principal: PrincipalDep) -> Accepted:
    services.sources.ingest(principal, source_id)
    return Accepted(message=f"Ingestion queued for source {source_id}")


@router.post("/{source_id}/ingest-children", status_code=status.HTTP_202_ACCEPTED)
def ingest_children(source_id: str, services: ServicesDep, principal: PrincipalDep) -> ChildrenAccepted:
    enqueued = services.sources.ingest_children(principal, source_id)
    return ChildrenAccepted(message=f"Ingestion queued for {enqueued} child sources", enqueued=enqueued)
