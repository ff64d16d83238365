"""Outbound HTTP guard (SSRF): the only way the platform fetches tenant-supplied URLs.

policy.py decides which URLs and addresses are allowed, pinning.py connects to the checked address only,
fetcher.py adds redirects, size and time caps. Import from here.
"""

from minirag.adapters.http_fetch.errors import (
    BlockedUrlError,
    FetchFailedError,
    OutboundHttpError,
    ResponseTooLargeError,
    UnresolvableHostError,
)
from minirag.adapters.http_fetch.fetcher import FetchResult, PostResult, SafeFetcher
from minirag.adapters.http_fetch.policy import Resolver, UrlPolicy, VettedUrl, default_resolver

__all__ = [
    "BlockedUrlError",
    "FetchFailedError",
    "FetchResult",
    "OutboundHttpError",
    "PostResult",
    "Resolver",
    "ResponseTooLargeError",
    "SafeFetcher",
    "UnresolvableHostError",
    "UrlPolicy",
    "VettedUrl",
    "default_resolver",
]
