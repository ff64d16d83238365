"""Sitemaps (sitemaps.org): the page URLs a site lists, for URL sources that crawl a whole site.

Parsed with the standard library's expat parser in streaming mode, with every DTD refused: without a DOCTYPE
no entity can be declared, which rules out entity-expansion bombs (billion laughs, quadratic blowup) and
external entities, so no third-party hardened parser (defusedxml) is needed. Gzip bodies are inflated in
bounded steps so a small .xml.gz cannot expand to gigabytes. Namespaces are ignored (element local names
only) because real sitemaps get the namespace wrong often enough to matter.
"""

import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urljoin, urlsplit
from xml.parsers import expat

from minirag.adapters.http_fetch import FetchResult, ResponseTooLargeError
from minirag.domain.errors import UnprocessableError

DEFAULT_MAX_URLS = 5_000
DEFAULT_MAX_DECOMPRESSED_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit for one uncompressed file
_MAX_URL_CHARS = 2048  # also the sitemaps.org limit; longer <loc> values are skipped
_GZIP_MAGIC = b"\x1f\x8b"
_ACCEPT = "application/xml, text/xml;q=0.9, application/gzip;q=0.8, */*;q=0.5"


class InvalidSitemapError(UnprocessableError):
    """The document is not a usable sitemap."""


@dataclass
class SitemapResult:
    urls: list[str] = field(default_factory=list)  # pages, from a <urlset>
    sitemaps: list[str] = field(default_factory=list)  # child sitemaps, from a <sitemapindex>
    truncated: bool = False  # True when max_urls cut the list short


class PageFetcher(Protocol):
    def fetch(self, url: str, *, accept: str | None = None) -> FetchResult: ...


class _Full(Exception):
    """Raised from a parser callback to stop parsing once max_urls entries are collected."""


_LOC_PATHS = {"urlset": ["urlset", "url", "loc"], "sitemapindex": ["sitemapindex", "sitemap", "loc"]}


class _SitemapHandler:
    """Expat callbacks: collect <loc> text under <url> (urlset) or <sitemap> (sitemapindex)."""

    def __init__(self, base_url: str, max_urls: int) -> None:
        self.base_url, self.max_urls = base_url, max_urls
        self.result = SitemapResult()
        self.root: str | None = None
        self.path: list[str] = []
        self.text: list[str] | None = None  # set while inside a <loc> that counts
        self.seen: set[str] = set()

    def start(self, name: str, _attrs: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]  # "namespace-uri localname" -> localname
        if self.root is None:
            if local not in _LOC_PATHS:
                raise InvalidSitemapError(f"not a sitemap: the root element is <{local}>")
            self.root = local
        self.path.append(local)
        if self.path == _LOC_PATHS[self.root]:
            self.text = []

    def chars(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def end(self, _name: str) -> None:
        if self.text is not None and self.root is not None and self.path == _LOC_PATHS[self.root]:
            self._add("".join(self.text).strip())
            self.text = None
        self.path.pop()

    def _add(self, loc: str) -> None:
        url = _absolute_http_url(self.base_url, loc)
        if url is None or url in self.seen:
            return
        if len(self.seen) >= self.max_urls:
            self.result.truncated = True
            raise _Full
        self.seen.add(url)
        target = self.result.urls if self.root == "urlset" else self.result.sitemaps
        target.append(url)


def _absolute_http_url(base_url: str, loc: str) -> str | None:
    """loc resolved against base_url, or None when empty, unparsable, too long or not http(s)."""
    if not loc:
        return None
    try:
        url = urljoin(base_url, loc)
        scheme = urlsplit(url).scheme
    except ValueError:
        return None
    return url if scheme in ("http", "https") and len(url) <= _MAX_URL_CHARS else None


def parse_sitemap(
    xml: bytes,
    base_url: str,
    *,
    max_urls: int = DEFAULT_MAX_URLS,
    max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
) -> SitemapResult:
    """Page URLs of a <urlset>, or child sitemap URLs of a <sitemapindex>: absolute (relative ones are
    resolved against base_url), http(s) only, de-duplicated in document order, at most max_urls."""
    if xml[:2] == _GZIP_MAGIC:
        xml = gunzip(xml, max_decompressed_bytes)
    handler = _SitemapHandler(base_url, max_urls)
    parser = _hardened_parser(handler)
    try:
        parser.Parse(xml, True)
    except _Full:
        pass
    except expat.ExpatError as exc:
        raise InvalidSitemapError(f"{base_url}: not well-formed XML ({exc})") from exc
    if handler.root is None:
        raise InvalidSitemapError(f"{base_url}: empty document")
    return handler.result


def _hardened_parser(handler: _SitemapHandler) -> expat.XMLParserType:
    """An expat parser that refuses any DOCTYPE, entity declaration or external entity."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.ExternalEntityRefHandler = _refuse_external_entity
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    parser.CharacterDataHandler = handler.chars
    return parser


def _refuse_dtd(*_args: object) -> None:
    raise InvalidSitemapError("sitemaps with a DOCTYPE or entity declarations are refused")


def _refuse_external_entity(*_args: object) -> int:
    raise InvalidSitemapError("sitemaps with external entities are refused")


def gunzip(data: bytes, max_bytes: int) -> bytes:
    """Inflate a gzip body, refusing output past max_bytes without ever holding more than that."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise InvalidSitemapError(f"not a valid gzip file ({exc})") from exc
    if len(out) > max_bytes or inflater.unconsumed_tail:
        raise ResponseTooLargeError(f"the sitemap is over {max_bytes:,} bytes once decompressed")
    return out


def expand_sitemap(
    fetcher: PageFetcher,
    url: str,
    *,
    max_urls: int = DEFAULT_MAX_URLS,
    max_depth: int = 2,
    max_sitemaps: int = 50,
) -> list[str]:
    """Page URLs of a sitemap, following sitemap indexes up to max_depth levels and max_sitemaps fetches.

    Every fetch goes through the fetcher, so through its URL policy. The first sitemap's failure is raised;
    a failing child sitemap is skipped so one broken file does not sink a site, unless nothing at all was
    found, in which case its error is raised so the source shows why."""
    pages: dict[str, None] = {}
    queue, seen, fetched = deque([(url, 0)]), {url}, 0
    first_error: UnprocessableError | None = None
    while queue and fetched < max_sitemaps and len(pages) < max_urls:
        current, depth = queue.popleft()
        fetched += 1
        try:
            found = _fetch_one(fetcher, current, max_urls)
        except UnprocessableError as exc:
            if depth == 0:
                raise
            first_error = first_error or exc
            continue
        pages.update(dict.fromkeys(found.urls))
        children = [c for c in found.sitemaps if c not in seen] if depth < max_depth else []
        seen.update(children)
        queue.extend((child, depth + 1) for child in children)
    if not pages and first_error is not None:
        raise first_error
    return list(pages)[:max_urls]


def _fetch_one(fetcher: PageFetcher, url: str, max_urls: int) -> SitemapResult:
    result = fetcher.fetch(url, accept=_ACCEPT)
    return parse_sitemap(result.body, result.url, max_urls=max_urls)
