"""Dependency aliases shared by the routers.

A dependency that does no I/O is `async def`: FastAPI runs a plain `def` one in the thread pool, a hop
per dependency per request (the read routes had five), and the hop costs more than the work."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from minirag.bootstrap import Services
from minirag.domain.errors import AuthenticationError, PermissionDeniedError
from minirag.domain.models import Principal
from minirag.services.widget_keys import KEY_PREFIXES

_bearer = HTTPBearer(
    auto_error=False,
    description="API token, login JWT, or a widget key (widget routes) or agent key (retrieve, MCP)",
)


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def _any_credential(
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise AuthenticationError("missing bearer token")
    if credentials.credentials.startswith(KEY_PREFIXES):
        origin = request.headers.get("origin")
        principal = services.widget_keys.authenticate(credentials.credentials, origin)
        if principal.kind == "widget":
            request.state.widget_origin = (
                origin  # WidgetCorsMiddleware answers this origin, and only this one
            )
        return principal
    return services.auth.authenticate(credentials.credentials)


async def get_any_principal(principal: Annotated[Principal, Depends(_any_credential)]) -> Principal:
    """Tenant credentials or a widget key (the widget routes)."""
    if principal.kind == "agent":
        raise PermissionDeniedError("an agent key reaches only its bot's retrieve route and MCP endpoint")
    return principal


async def get_reader_principal(principal: Annotated[Principal, Depends(_any_credential)]) -> Principal:
    """Tenant credentials or an agent key (a bot's knowledge: retrieve and MCP)."""
    if principal.kind == "widget":
        raise PermissionDeniedError("a widget key cannot use this route")
    return principal


async def get_principal(principal: Annotated[Principal, Depends(_any_credential)]) -> Principal:
    """Tenant credentials only: a widget key reaches nothing but the widget routes, an agent key nothing
    but its bot's knowledge."""
    if principal.kind == "widget":
        raise PermissionDeniedError("a widget key cannot use this route")
    if principal.kind == "agent":
        raise PermissionDeniedError("an agent key reaches only its bot's retrieve route and MCP endpoint")
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]
AnyPrincipalDep = Annotated[Principal, Depends(get_any_principal)]
ReaderPrincipalDep = Annotated[Principal, Depends(get_reader_principal)]


async def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


ClientIpDep = Annotated[str, Depends(client_ip)]
