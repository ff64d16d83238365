"""Keyset pages of the lists that are small per tenant, in either of the API's two shapes.

Sources fold their children's totals into parents, and bots, users, tokens, webhooks and widget keys are a
handful per tenant, so each service reads its list whole in one query and the route pages it here: as a
bare array with the `X-Next-Cursor` header (the routes kept in the original MiniRAG's shape) or as a
`{items, next_cursor}` envelope (every other list). The cursor is the last item's sort key
((created_at, id), or the list's own unique order such as (email, id)), sealed by the tenant's `SecretBox` cursor and bound to the path that issued it, so
items added or removed between two requests neither repeat nor go missing on the next page.

Every list also takes the original MiniRAG's paging: `offset` skips that many items (after the cursor, when
both are given), and a `limit` above the maximum is served as the maximum, as the original capped it.
"""

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Annotated, Any, Protocol

from fastapi import Depends, Query, Request, Response
from pydantic import AfterValidator

from minirag.api.deps import AnyPrincipalDep, ServicesDep
from minirag.api.schemas import Page
from minirag.domain.errors import InvalidInputError
from minirag.security.crypto import SecretBox

MAX_LIMIT = 200
NEXT_CURSOR_HEADER = "X-Next-Cursor"

Limit = Annotated[
    int,
    Query(ge=1, description=f"page size; above {MAX_LIMIT} it is {MAX_LIMIT}"),
    AfterValidator(lambda n: min(n, MAX_LIMIT)),
]
WholeLimit = Annotated[
    int | None,
    Query(ge=1, description=f"page size (default: all); above {MAX_LIMIT} it is {MAX_LIMIT}"),
    AfterValidator(lambda n: None if n is None else min(n, MAX_LIMIT)),
]
Offset = Annotated[int, Query(ge=0, description="items to skip (after the cursor, when both are given)")]
Cursor = Annotated[
    str | None, Query(description=f"opaque: the previous page's next_cursor or {NEXT_CURSOR_HEADER} header")
]


class Listed(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def created_at(self) -> datetime: ...


SortKey = tuple[str, str]


def sort_key(item: Listed) -> SortKey:
    """Fixed-width UTC text, so keys compare as strings and a cursor never compares naive with aware."""
    return item.created_at.astimezone(UTC).isoformat(timespec="microseconds"), item.id


class Pager:
    """`limit`, `offset` and `cursor` of one request; call it with the whole list to get this request's page.
    A list paged by its storage instead (chats) reads the three attributes and hands back its cursor with
    `send_cursor`. The principal is only the cursor's tenant: the route's own dependency checks access."""

    def __init__(
        self,
        response: Response,
        *,
        box: SecretBox,
        tenant_id: str,
        path: str,
        offset: int,
        cursor: str | None,
    ) -> None:
        self._box = box
        self._tenant_id = tenant_id
        self._path = path
        self._response = response
        self.limit: int | None = None  # set by the dependency of the list's kind (_pager, _whole_pager)
        self.offset = offset
        self.cursor = cursor

    def __call__[T: Listed](
        self, items: Iterable[T], *, newest_first: bool = False, key: Callable[[T], SortKey] = sort_key
    ) -> list[T]:
        """This request's page as a bare array; the next page's cursor goes in the header. In the original
        MiniRAG's order, so that `offset` skips the same items: `newest_first` for bots, sources, tokens and
        webhooks, `key` for another unique order (users by email)."""
        page, next_cursor = self._split(items, newest_first, key)
        self.send_cursor(next_cursor)
        return page

    def send_cursor(self, next_cursor: str | None) -> None:
        if next_cursor:
            self._response.headers[NEXT_CURSOR_HEADER] = next_cursor

    def envelope[T: Listed, M](self, items: Iterable[T], public: Callable[[T], M]) -> Page[M]:
        """This request's page as `{items, next_cursor}`, each item mapped by `public`."""
        page, next_cursor = self._split(items)
        return Page(items=[public(item) for item in page], next_cursor=next_cursor)

    def _split[T: Listed](
        self, items: Iterable[T], newest_first: bool = False, key: Callable[[T], SortKey] = sort_key
    ) -> tuple[list[T], str | None]:
        """Decoded only now, after the service call, so a bad cursor never hides a 403 or a 404."""
        ordered = sorted(items, key=key, reverse=newest_first)
        if self.cursor:
            after = self._after(self.cursor)
            ordered = [item for item in ordered if _beyond(key(item), after, newest_first)]
        ordered = ordered[self.offset :]
        if self.limit is None or len(ordered) <= self.limit:
            return ordered[: self.limit], None
        page = ordered[: self.limit]
        first, last_id = key(page[-1])
        position = {"p": self._path, "c": first, "i": last_id}
        return page, self._box.encode_cursor(self._tenant_id, position)

    def _after(self, cursor: str) -> tuple[str, str]:
        key: dict[str, Any] = self._box.decode_cursor(self._tenant_id, cursor)
        created, last_id = key.get("c"), key.get("i")
        if key.get("p") != self._path or not isinstance(created, str) or not isinstance(last_id, str):
            raise InvalidInputError("invalid cursor")
        return created, last_id


def _beyond(key: SortKey, cursor: SortKey, newest_first: bool) -> bool:
    """Whether an item comes after the cursor's item in the list's order."""
    return key < cursor if newest_first else key > cursor


async def _window(
    request: Request,
    response: Response,
    services: ServicesDep,
    principal: AnyPrincipalDep,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Pager:
    """`async def` dependencies (a class one would be built in the thread pool, api/deps.py); the page's
    size is declared by the list's kind below."""
    return Pager(
        response,
        box=services.box,
        tenant_id=principal.tenant_id,
        path=request.url.path,
        offset=offset,
        cursor=cursor,
    )


async def _pager(window: Annotated[Pager, Depends(_window)], limit: Limit = 50) -> Pager:
    window.limit = limit
    return window


async def _whole_pager(window: Annotated[Pager, Depends(_window)], limit: WholeLimit = None) -> Pager:
    """For a list the original MiniRAG answered whole (a chat's messages): no `limit`, no page."""
    window.limit = limit
    return window


PagerDep = Annotated[Pager, Depends(_pager)]
WholePagerDep = Annotated[Pager, Depends(_whole_pager)]
