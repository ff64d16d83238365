from datetime import UTC, datetime, timedelta


class FakeClock:
    """A clock tests move by hand, to expire tokens and sessions without sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
