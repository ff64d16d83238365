"""One leaf source's content made searchable: documents -> chunks -> embedded points, written in batches."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace

from minirag.domain.chunking import Chunk, Document, chunk_document
from minirag.domain.errors import UnprocessableError
from minirag.domain.faq import faq_sections
from minirag.domain.knowledge import BotProfile, Source
from minirag.domain.lexical import document_vector
from minirag.domain.vectors import VectorPoint
from minirag.ports import Embedder, SourceRepository, VectorStore
from minirag.services.content import ContentLoader


@dataclass(frozen=True)
class IngestSettings:
    chunk_tokens: int
    chunk_overlap: int
    batch_size: int
    max_attempts: int


class SourceIndexer:
    def __init__(
        self,
        *,
        sources: SourceRepository,
        vectors: VectorStore,
        content: ContentLoader,
        embedder_for: Callable[[BotProfile], Embedder],
        settings: IngestSettings,
        point_id: Callable[..., str],
        count_embedding_tokens: Callable[[str, int], object] | None = None,
    ) -> None:
        self._sources = sources
        self._vectors = vectors
        self._content = content
        self._embedder_for = embedder_for
        self._settings = settings
        self._point_id = point_id
        self._count_embedding_tokens = count_embedding_tokens

    def index(self, source: Source, bot: BotProfile) -> Source:
        """The source as it is once indexed, not yet saved. Unchanged content keeps its version and
        vectors; changed content gets the next version, whose points are written beside the old ones."""
        documents = self._content.documents(source)
        source = _named_by_its_page(source, documents)
        embedder = self._embedder_for(bot)
        chunks = self._chunk(documents, bot, embedder)
        if not chunks:
            raise UnprocessableError("the content produced no text to index")
        digest = _digest(bot, self._settings, chunks)
        if digest == source.content_hash and source.version > 0:
            return replace(source, content_hash=digest)
        version = source.version + 1
        self._index(source, bot, embedder, chunks, version)
        if self._count_embedding_tokens is not None:
            self._count_embedding_tokens(source.tenant_id, sum(c.token_count for _, c in chunks))
        return replace(
            source,
            version=version,
            content_hash=digest,
            document_count=len(documents),
            chunk_count=len(chunks),
            progress_done=len(chunks),
            progress_total=len(chunks),
        )

    def _chunk(
        self, documents: list[Document], bot: BotProfile, embedder: Embedder
    ) -> list[tuple[Document, Chunk]]:
        size = bot.chunk_size or self._settings.chunk_tokens
        overlap = (
            bot.chunk_overlap
            if bot.chunk_overlap is not None
            else min(self._settings.chunk_overlap, size // 4)
        )
        pairs: list[tuple[Document, Chunk]] = []
        for parsed in documents:
            doc = faq_sections(parsed)
            for chunk in chunk_document(
                doc, chunk_tokens=size, overlap_tokens=overlap, count_tokens=embedder.count_tokens
            ):
                pairs.append((doc, chunk))
        return pairs

    def _index(
        self,
        source: Source,
        bot: BotProfile,
        embedder: Embedder,
        chunks: list[tuple[Document, Chunk]],
        version: int,
    ) -> None:
        total = len(chunks)
        self._sources.progress(tenant_id=source.tenant_id, source_id=source.id, done=0, total=total)
        step = self._settings.batch_size
        for start in range(0, total, step):
            batch = chunks[start : start + step]
            vectors = embedder.embed([c.text for _, c in batch])
            points = [
                self._point(source, bot, doc, chunk, start + i, version, vector)
                for i, ((doc, chunk), vector) in enumerate(zip(batch, vectors, strict=True))
            ]
            self._vectors.upsert(model=bot.embedding_model, points=points)
            done = min(start + step, total)
            self._sources.progress(tenant_id=source.tenant_id, source_id=source.id, done=done, total=total)

    def _point(
        self,
        source: Source,
        bot: BotProfile,
        doc: Document,
        chunk: Chunk,
        position: int,
        version: int,
        vector: list[float],
    ) -> VectorPoint:
        text_hash = hashlib.sha256(chunk.text.encode()).hexdigest()[:16]
        pid = self._point_id(source.tenant_id, source.id, version, position, text_hash)
        payload = {
            "tenant_id": source.tenant_id,
            "bot_id": bot.id,
            "source_id": source.id,
            "live": f"{source.id}:{version}",
            "source_name": source.name,
            "title": doc.title,
            "heading_path": list(chunk.heading_path),
            "text": chunk.text,
            "position": position,
            "url": source.config.get("url"),
        }
        return VectorPoint(id=pid, dense=vector, sparse=document_vector(chunk.text), payload=payload)


def _digest(bot: BotProfile, settings: IngestSettings, chunks: list[tuple[Document, Chunk]]) -> str:
    h = hashlib.sha256(
        f"{bot.embedding_model}|{bot.chunk_size}|{bot.chunk_overlap}|{settings.chunk_tokens}".encode()
    )
    for _, chunk in chunks:
        h.update(b"\x00" + chunk.text.encode() + b"\x01" + "/".join(chunk.heading_path).encode())
    return h.hexdigest()


def _named_by_its_page(source: Source, documents: list[Document]) -> Source:
    """A sitemap's page is created named by its URL; once fetched, its title names it (in the list and in
    the citations, which carry the name), unless it has none."""
    url = str(source.config.get("url") or "")
    if source.parent_id is None or not url or source.name != url[:200] or len(documents) != 1:
        return source
    title = " ".join(documents[0].title.split())[:200]
    return replace(source, name=title) if title and title != source.name else source
