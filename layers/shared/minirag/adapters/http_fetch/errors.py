"""Errors of the outbound HTTP guard.

All are UnprocessableError subclasses: a URL source, sitemap or webhook that cannot be fetched is the tenant's
input that we cannot process, so it surfaces as a readable error_message (or a 422), never as a crash. The
messages name the URL the tenant gave but never the addresses it resolved to, so the guard does not become an
oracle for the internal network.
"""

from minirag.domain.errors import UnprocessableError, UnresolvedHostError


class OutboundHttpError(UnprocessableError):
    """The URL could not be fetched."""


class BlockedUrlError(OutboundHttpError):
    """The URL is not allowed."""

    def __init__(self, detail: str = "", address: str | None = None) -> None:
        super().__init__(detail)
        self.address = address  # for logs only: which resolved address was refused


class UnresolvableHostError(BlockedUrlError, UnresolvedHostError):
    """The URL's host name does not resolve."""


class FetchFailedError(OutboundHttpError):
    """The URL could not be fetched."""

    def __init__(self, detail: str = "", status: int | None = None) -> None:
        super().__init__(detail)
        self.status = status  # the HTTP status when the server answered, None for network failures


class ResponseTooLargeError(OutboundHttpError):
    """The response is larger than allowed."""
