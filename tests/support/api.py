"""Helpers that read as the steps of a test: sign up a tenant, log in, add a user."""

import itertools
import os
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

_counter = itertools.count()
PASSWORD = "correct horse battery"


def unique(prefix: str) -> str:
    return f"{prefix}-{os.getpid()}-{next(_counter)}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class TenantCtx:
    id: str
    slug: str
    owner_email: str
    owner_id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


def signup(client: TestClient, *, email: str | None = None, password: str = PASSWORD) -> TenantCtx:
    slug = unique("t")
    email = email or f"{slug}@example.com"
    body = {
        "tenant_name": f"Tenant {slug}",
        "tenant_slug": slug,
        "owner_email": email,
        "owner_password": password,
    }
    response = client.post("/v1/tenants", json=body)
    assert response.status_code == 201, response.text
    data = response.json()
    return TenantCtx(data["tenant"]["id"], slug, email, data["user"]["id"], data["api_token"])


def login(client: TestClient, email: str, password: str = PASSWORD, slug: str | None = None) -> str:
    body: dict[str, Any] = {"email": email, "password": password}
    if slug:
        body["tenant_slug"] = slug
    response = client.post("/v1/auth/login", json=body)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def add_user(client: TestClient, tenant: TenantCtx, role: str, password: str = PASSWORD) -> tuple[str, str]:
    """Creates a user with `role` and returns (user_id, login JWT)."""
    email = f"{unique(role)}@example.com"
    body = {"email": email, "password": password, "role": role}
    response = client.post("/v1/users", json=body, headers=tenant.headers)
    assert response.status_code == 201, response.text
    return response.json()["id"], login(client, email, password, tenant.slug)
