"""Typed errors raised by services; api/errors.py maps each to one HTTP status."""


class MiniRAGError(Exception):
    """Base class. The message is safe to show to the client."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail)
        self.detail = detail or self.__class__.__doc__ or ""


class InvalidInputError(MiniRAGError):
    """The request is malformed."""


class AuthenticationError(MiniRAGError):
    """Missing, invalid or expired credentials."""


class PermissionDeniedError(MiniRAGError):
    """Your role does not allow this."""


class NotFoundError(MiniRAGError):
    """Not found."""


class ConflictError(MiniRAGError):
    """Conflicts with the current state."""


class PayloadTooLargeError(MiniRAGError):
    """Request body too large."""


class UnprocessableError(MiniRAGError):
    """The request is well-formed but cannot be processed."""


class UnresolvedHostError(UnprocessableError):
    """A URL's host name does not resolve right now. Refused for a fetch; acceptable to save, since the
    name may resolve later and every fetch checks the URL again."""


class RateLimitedError(MiniRAGError):
    """Too many requests."""

    def __init__(self, detail: str = "", retry_after: int = 60) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class DependencyUnavailableError(MiniRAGError):
    """A dependency is unavailable; try again shortly."""

    def __init__(self, detail: str = "", retry_after: int = 5) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class ModelError(DependencyUnavailableError):
    """The language model provider failed: auth, rate limit, timeout or a broken stream.

    `fields` go into the error body beside `detail` (the chat and message a failed turn was stored in)."""

    def __init__(
        self,
        detail: str = "",
        retry_after: int = 5,
        kind: str = "provider_error",
        fields: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail, retry_after)
        self.kind = kind
        self.fields = fields or {}


class ModelConfigurationError(UnprocessableError):
    """The bot's model cannot be called as configured (no API key for its provider, say): retrying
    cannot help, changing the bot's credentials or the server's environment does."""
