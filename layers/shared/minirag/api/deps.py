"""Dependency aliases shared by the routers."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from minirag.bootstrap import Services
from minirag.domain.errors import AuthenticationError, PermissionDeniedError
from minirag.domain.models import Principal
from minirag.services.widget_keys import WIDGET_KEY_PREFIX

_bearer = HTTPBearer(auto_error=False, description="API token, login JWT, or (widget routes only) widget key")


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_any_principal(
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise AuthenticationError("missing bearer token")
    if credentials.credentials.startswith(WIDGET_KEY_PREFIX):
        origin = request.headers.get("origin")
        principal = services.widget_keys.authenticate(credentials.credentials, origin)
        request.state.widget_origin = origin  # WidgetCorsMiddleware answers this origin, and only this one
        return principal
    return services.auth.authenticate(credentials.credentials)


def get_principal(principal: Annotated[Principal, Depends(get_any_principal)]) -> Principal:
    """Tenant credentials only: a widget key reaches nothing but the widget routes."""
    if principal.kind == "widget":
        raise PermissionDeniedError("a widget key cannot use this route")
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]
AnyPrincipalDep = Annotated[Principal, Depends(get_any_principal)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


ClientIpDep = Annotated[str, Depends(client_ip)]
