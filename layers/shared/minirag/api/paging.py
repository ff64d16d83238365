"""Keyset pages for the list routes that keep the original MiniRAG's bare-array shape.

Those lists are small per tenant, and sources fold their children's totals into parents, so each service
reads its list whole in one query and the route pages it here. The cursor is the last item's sort key
(created_at, id), sealed by the tenant's `SecretBox` cursor and bound to the path that issued it, so
items added or removed between two requests neither repeat nor go missing on the next page.
"""

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Any, Protocol

from fastapi import Depends, Query, Request, Response

from minirag.api.deps import PrincipalDep, ServicesDep
from minirag.domain.errors import InvalidInputError

MAX_LIMIT = 200
NEXT_CURSOR_HEADER = "X-Next-Cursor"


class Listed(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def created_at(self) -> datetime: ...


def sort_key(item: Listed) -> tuple[str, str]:
    """Fixed-width UTC text, so keys compare as strings and a cursor never compares naive with aware."""
    return item.created_at.astimezone(UTC).isoformat(timespec="microseconds"), item.id


class Pager:
    """`limit` and `cursor` of one request; call it with the whole list to get this request's page."""

    def __init__(
        self,
        request: Request,
        response: Response,
        services: ServicesDep,
        principal: PrincipalDep,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
        cursor: Annotated[str | None, Query(description=f"from the {NEXT_CURSOR_HEADER} header")] = None,
    ) -> None:
        self._box = services.box
        self._tenant_id = principal.tenant_id
        self._path = request.url.path
        self._response = response
        self.limit = limit
        self._cursor = cursor

    def __call__[T: Listed](self, items: Iterable[T]) -> list[T]:
        """Decoded only now, after the service call, so a bad cursor never hides a 403 or a 404."""
        ordered = sorted(items, key=sort_key)
        if self._cursor:
            after = self._after(self._cursor)
            ordered = [item for item in ordered if sort_key(item) > after]
        page = ordered[: self.limit]
        if len(ordered) > self.limit:
            created, last_id = sort_key(page[-1])
            key = {"p": self._path, "c": created, "i": last_id}
            self._response.headers[NEXT_CURSOR_HEADER] = self._box.encode_cursor(self._tenant_id, key)
        return page

    def _after(self, cursor: str) -> tuple[str, str]:
        key: dict[str, Any] = self._box.decode_cursor(self._tenant_id, cursor)
        created, last_id = key.get("c"), key.get("i")
        if key.get("p") != self._path or not isinstance(created, str) or not isinstance(last_id, str):
            raise InvalidInputError("invalid cursor")
        return created, last_id


PagerDep = Annotated[Pager, Depends()]
