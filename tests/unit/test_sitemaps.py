"""Sitemap parsing and expansion: urlset, index, gzip, XML bombs refused, caps. Fetching is faked here; the
integration tests expand a sitemap over real HTTP."""

import gzip

import pytest

from minirag.adapters.http_fetch import BlockedUrlError, FetchResult, ResponseTooLargeError
from minirag.adapters.sitemaps import InvalidSitemapError, expand_sitemap, parse_sitemap
from minirag.domain.errors import UnprocessableError

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
BASE = "https://example.com/sitemap.xml"


def urlset(*locs: str, ns: str = NS) -> bytes:
    entries = "".join(f"<url><loc>{loc}</loc><lastmod>2026-01-01</lastmod></url>" for loc in locs)
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset {ns}>{entries}</urlset>'.encode()


def index(*locs: str) -> bytes:
    entries = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
    return f"<sitemapindex {NS}>{entries}</sitemapindex>".encode()


# --- parse_sitemap ----------------------------------------------------------------------------------------


def test_urlset_lists_page_urls_in_order() -> None:
    result = parse_sitemap(urlset("https://example.com/a", "https://example.com/b"), BASE)

    assert result.urls == ["https://example.com/a", "https://example.com/b"]
    assert (result.sitemaps, result.truncated) == ([], False)


def test_sitemapindex_lists_child_sitemaps() -> None:
    result = parse_sitemap(index("https://example.com/s1.xml", "https://example.com/s2.xml.gz"), BASE)

    assert result.sitemaps == ["https://example.com/s1.xml", "https://example.com/s2.xml.gz"]
    assert result.urls == []


@pytest.mark.parametrize(
    "ns",
    [
        NS,
        "",
        'xmlns="http://www.google.com/schemas/sitemap/0.84"',
        'xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9"',
    ],
)
def test_namespaces_do_not_matter(ns: str) -> None:
    assert parse_sitemap(urlset("https://example.com/a", ns=ns), BASE).urls == ["https://example.com/a"]


def test_prefixed_elements_and_extensions_are_tolerated() -> None:
    xml = (
        b'<sm:urlset xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9"'
        b' xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">'
        b"<sm:url><sm:loc> https://example.com/a </sm:loc>"
        b"<image:image><image:loc>https://example.com/a.png</image:loc></image:image></sm:url>"
        b"</sm:urlset>"
    )

    assert parse_sitemap(xml, BASE).urls == ["https://example.com/a"]


def test_duplicates_are_dropped_keeping_first_order() -> None:
    xml = urlset("https://example.com/b", "https://example.com/a", "https://example.com/b")

    assert parse_sitemap(xml, BASE).urls == ["https://example.com/b", "https://example.com/a"]


def test_relative_locations_resolve_against_the_base_and_odd_schemes_are_dropped() -> None:
    xml = urlset("/about", "page?id=1&amp;x=2", "javascript:alert(1)", "ftp://example.com/f", "")

    assert parse_sitemap(xml, "https://example.com/maps/sitemap.xml").urls == [
        "https://example.com/about",
        "https://example.com/maps/page?id=1&x=2",
    ]


def test_only_locs_in_the_right_place_count() -> None:
    xml = (
        b"<urlset><url><loc>https://example.com/a</loc></url>"
        b"<sitemap><loc>https://example.com/wrong-kind.xml</loc></sitemap>"
        b"<loc>https://example.com/stray</loc>"
        b"<url><loc><b>https://example.com/</b>nested</loc></url>"
        b"<url><loc>http://[::1</loc></url></urlset>"
    )

    result = parse_sitemap(xml, BASE)

    assert result.urls == ["https://example.com/a", "https://example.com/nested"]
    assert result.sitemaps == []


def test_overlong_urls_are_skipped() -> None:
    long_url = "https://example.com/" + "a" * 3000

    assert parse_sitemap(urlset(long_url, "https://example.com/ok"), BASE).urls == ["https://example.com/ok"]


def test_gzip_bodies_are_inflated() -> None:
    body = gzip.compress(urlset("https://example.com/zipped"))

    assert parse_sitemap(body, "https://example.com/sitemap.xml.gz").urls == ["https://example.com/zipped"]


def test_gzip_bomb_is_refused_at_the_decompressed_cap() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * 20_000_000 + b"</urlset>")
    assert len(bomb) < 100_000

    with pytest.raises(ResponseTooLargeError, match="decompressed"):
        parse_sitemap(bomb, BASE, max_decompressed_bytes=1_000_000)


def test_corrupt_gzip_is_invalid() -> None:
    with pytest.raises(InvalidSitemapError, match="gzip"):
        parse_sitemap(b"\x1f\x8b" + b"not really gzip", BASE)


def test_max_urls_truncates_and_says_so() -> None:
    xml = urlset(*(f"https://example.com/{i}" for i in range(50)))

    result = parse_sitemap(xml, BASE, max_urls=10)

    assert result.urls == [f"https://example.com/{i}" for i in range(10)]
    assert result.truncated


def test_default_cap_is_five_thousand() -> None:
    xml = urlset(*(f"https://example.com/{i}" for i in range(5_100)))

    result = parse_sitemap(xml, BASE)

    assert (len(result.urls), result.truncated) == (5_000, True)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<urlset><url><loc>https://example.com/&lol4;</loc></url></urlset>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<urlset><url><loc>https://example.com/&xxe;</loc></url></urlset>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE urlset SYSTEM "http://169.254.169.254/evil.dtd">
<urlset><url><loc>https://example.com/a</loc></url></urlset>"""

QUADRATIC = (
    b'<!DOCTYPE u [<!ENTITY a "'
    + b"x" * 10_000
    + b'">]><urlset><url><loc>'
    + b"&a;" * 10_000
    + b"</loc></url></urlset>"
)


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, QUADRATIC])
def test_doctypes_and_entities_are_refused(xml: bytes) -> None:
    with pytest.raises(InvalidSitemapError, match="DOCTYPE"):
        parse_sitemap(xml, BASE)


def test_gzipped_bomb_is_refused_too() -> None:
    with pytest.raises(InvalidSitemapError, match="DOCTYPE"):
        parse_sitemap(gzip.compress(BILLION_LAUGHS), BASE)


@pytest.mark.parametrize(
    ("xml", "reason"),
    [
        (b"<html><body>not a sitemap</body></html>", "root element is <html>"),
        (b"<urlset><url><loc>https://example.com/a</loc></url>", "not well-formed"),
        (b"", "not well-formed"),
        (b"<urlset><url><loc>https://example.com/&undefined;</loc></url></urlset>", "not well-formed"),
        (b"\xff\xfe garbage", "not well-formed"),
    ],
)
def test_other_documents_are_invalid(xml: bytes, reason: str) -> None:
    with pytest.raises(InvalidSitemapError, match=reason) as caught:
        parse_sitemap(xml, BASE)

    assert isinstance(caught.value, UnprocessableError)


# --- expand_sitemap ---------------------------------------------------------------------------------------


class InMemoryFetcher:
    """Serves fixed bodies by URL; unknown URLs fail the way SafeFetcher fails them."""

    def __init__(self, pages: dict[str, bytes | Exception]) -> None:
        self.pages = pages
        self.fetched: list[str] = []

    def fetch(self, url: str, *, accept: str | None = None) -> FetchResult:
        self.fetched.append(url)
        page = self.pages.get(url, BlockedUrlError(f"{url}: not allowed"))
        if isinstance(page, Exception):
            raise page
        return FetchResult(url=url, status=200, content_type="application/xml", body=page)


def site(path: str) -> str:
    return f"https://example.com{path}"


def test_expand_a_plain_urlset() -> None:
    fetcher = InMemoryFetcher({BASE: urlset(site("/a"), site("/b"))})

    assert expand_sitemap(fetcher, BASE) == [site("/a"), site("/b")]


def test_expand_follows_an_index_once_per_child_and_dedups_pages() -> None:
    fetcher = InMemoryFetcher(
        {
            BASE: index(site("/s1.xml"), site("/s2.xml.gz"), site("/s1.xml")),
            site("/s1.xml"): urlset(site("/a"), site("/b")),
            site("/s2.xml.gz"): gzip.compress(urlset(site("/b"), site("/c"))),
        }
    )

    assert expand_sitemap(fetcher, BASE) == [site("/a"), site("/b"), site("/c")]
    assert fetcher.fetched == [BASE, site("/s1.xml"), site("/s2.xml.gz")]


def test_expand_stops_at_max_depth() -> None:
    fetcher = InMemoryFetcher(
        {
            BASE: index(site("/level1.xml")),
            site("/level1.xml"): index(site("/level2.xml")),
            site("/level2.xml"): index(site("/level3.xml")),
            site("/level3.xml"): urlset(site("/too-deep")),
        }
    )

    assert expand_sitemap(fetcher, BASE, max_depth=2) == []
    assert site("/level3.xml") not in fetcher.fetched


def test_expand_refuses_cycles() -> None:
    fetcher = InMemoryFetcher({BASE: index(BASE, site("/s.xml")), site("/s.xml"): index(BASE)})

    assert expand_sitemap(fetcher, BASE) == []
    assert fetcher.fetched == [BASE, site("/s.xml")]


def test_expand_caps_urls_across_children() -> None:
    fetcher = InMemoryFetcher(
        {
            BASE: index(site("/s1.xml"), site("/s2.xml"), site("/s3.xml")),
            site("/s1.xml"): urlset(*(site(f"/one/{i}") for i in range(6))),
            site("/s2.xml"): urlset(*(site(f"/two/{i}") for i in range(6))),
            site("/s3.xml"): urlset(site("/three")),
        }
    )

    urls = expand_sitemap(fetcher, BASE, max_urls=10)

    assert urls == [site(f"/one/{i}") for i in range(6)] + [site(f"/two/{i}") for i in range(4)]
    assert site("/s3.xml") not in fetcher.fetched


def test_expand_caps_the_number_of_sitemaps_fetched() -> None:
    children = [site(f"/s{i}.xml") for i in range(10)]
    pages: dict[str, bytes | Exception] = {BASE: index(*children)}
    pages |= {child: urlset(child + "/page") for child in children}
    fetcher = InMemoryFetcher(pages)

    urls = expand_sitemap(fetcher, BASE, max_sitemaps=4)

    assert len(fetcher.fetched) == 4
    assert urls == [child + "/page" for child in children[:3]]


def test_expand_skips_a_failing_child_but_keeps_the_rest() -> None:
    fetcher = InMemoryFetcher(
        {BASE: index("http://169.254.169.254/latest/", site("/ok.xml")), site("/ok.xml"): urlset(site("/a"))}
    )

    assert expand_sitemap(fetcher, BASE) == [site("/a")]


def test_expand_raises_the_child_error_when_nothing_was_found() -> None:
    fetcher = InMemoryFetcher({BASE: index("http://169.254.169.254/latest/")})

    with pytest.raises(BlockedUrlError):
        expand_sitemap(fetcher, BASE)


def test_expand_raises_when_the_first_sitemap_fails() -> None:
    fetcher = InMemoryFetcher({BASE: b"<html>not a sitemap</html>"})

    with pytest.raises(InvalidSitemapError):
        expand_sitemap(fetcher, BASE)
