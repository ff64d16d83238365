"""Where a source's documents come from: the blob store for text and uploads, the web for URLs."""

from collections.abc import Callable
from dataclasses import replace
from typing import Protocol
from urllib.parse import urlparse

from minirag.domain.chunking import Document
from minirag.domain.errors import UnprocessableError
from minirag.domain.ids import new_id
from minirag.domain.knowledge import Source, SourceStatus, SourceType
from minirag.ports import BlobStore, Clock, SourceRepository


class Page(Protocol):
    @property
    def url(self) -> str: ...

    @property
    def content_type(self) -> str | None: ...

    @property
    def body(self) -> bytes: ...


class Fetcher(Protocol):
    def fetch(self, url: str, *, accept: str | None = None) -> Page: ...


Parser = Callable[..., Document]
SitemapExpander = Callable[[str], list[str]]


class ContentLoader:
    def __init__(
        self,
        *,
        blobs: BlobStore,
        fetcher: Fetcher,
        parse: Parser,
        expand_sitemap: SitemapExpander,
        sources: SourceRepository,
        clock: Clock,
        max_blob_bytes: int,
    ) -> None:
        self._blobs = blobs
        self._fetcher = fetcher
        self._parse = parse
        self._expand = expand_sitemap
        self._sources = sources
        self._clock = clock
        self._max_blob_bytes = max_blob_bytes

    def documents(self, source: Source) -> list[Document]:
        if source.source_type == SourceType.URL:
            page = self._fetcher.fetch(source.config["url"])
            name = urlparse(page.url).path.rsplit("/", 1)[-1] or "index.html"
            return [self._parse(page.body, filename=name, content_type=page.content_type, title=source.name)]
        if source.blob_key is None:
            raise UnprocessableError("the source has no content yet; upload it first")
        data = self._blobs.get(source.blob_key, max_bytes=self._max_blob_bytes)
        filename = source.config.get("filename") or "content.txt"
        content_type = source.config.get("content_type")
        return [self._parse(data, filename=filename, content_type=content_type, title=source.name)]

    def sitemap_children(self, parent: Source, existing: list[Source]) -> list[Source]:
        """New URLs of the sitemap become url children; known ones are kept, so refreshes do not duplicate."""
        urls = self._expand(parent.config["url"])
        known = {child.config.get("url") for child in existing}
        now = self._clock.now()
        template = Source(
            id="",
            tenant_id=parent.tenant_id,
            bot_profile_id=parent.bot_profile_id,
            name="",
            source_type=SourceType.URL,
            created_at=now,
            updated_at=now,
            parent_id=parent.id,
            status=SourceStatus.PENDING,
        )
        fresh = [
            replace(template, id=new_id(), name=url[:200], config={"url": url})
            for url in urls
            if url not in known
        ]
        if fresh:
            self._sources.add_many(tenant_id=parent.tenant_id, sources=fresh)
        return existing + fresh
