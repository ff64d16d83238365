"""Walking a list page by page, in either of the API's shapes."""

from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from tests.support.api import TenantCtx

Item = dict[str, Any]


def walk(
    client: TestClient, tenant: TenantCtx, path: str, *, envelope: bool = False, **params: Any
) -> list[list[Item]]:
    """Every page of a list, following its cursor until a page comes without one."""
    pages: list[list[Item]] = []
    cursor = None
    while True:
        query = {**params, "cursor": cursor} if cursor else params
        response = client.get(path, params=query, headers=tenant.headers)
        assert response.status_code == 200, response.text
        items, cursor = envelope_page(response) if envelope else bare_page(response)
        pages.append(items)
        if cursor is None:
            return pages
        assert len(pages) < 50, "the cursor does not advance"


def bare_page(response: Response) -> tuple[list[Item], str | None]:
    assert isinstance(response.json(), list), "bare array, as the original MiniRAG clients expect"
    return response.json(), response.headers.get("x-next-cursor")


def envelope_page(response: Response) -> tuple[list[Item], str | None]:
    body = response.json()
    assert set(body) == {"items", "next_cursor"} and "x-next-cursor" not in response.headers
    return body["items"], body["next_cursor"]


def ids(pages: list[list[Item]]) -> list[str]:
    return [item["id"] for page in pages for item in page]
