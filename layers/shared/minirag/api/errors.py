"""The one module that maps errors to HTTP statuses. Clients never see a 500 for what they sent."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from minirag.domain import errors

log = logging.getLogger("minirag.api")

STATUS: dict[type[errors.MiniRAGError], int] = {
    errors.InvalidInputError: 400,
    errors.AuthenticationError: 401,
    errors.PermissionDeniedError: 403,
    errors.NotFoundError: 404,
    errors.ConflictError: 409,
    errors.PayloadTooLargeError: 413,
    errors.UnprocessableError: 422,
    errors.RateLimitedError: 429,
    errors.DependencyUnavailableError: 503,
}


def _status_for(exc: errors.MiniRAGError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


MCP_PATH = "/v1/mcp/"
MCP_SERVER_ERROR = -32001  # JSON-RPC's implementation-defined server error range


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.MiniRAGError)
    status = _status_for(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, errors.RateLimitedError | errors.DependencyUnavailableError):
        headers["Retry-After"] = str(exc.retry_after)
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    body: dict[str, object] = {"detail": exc.detail, **getattr(exc, "fields", {})}
    if request.url.path.startswith(MCP_PATH):
        # An MCP client shows a JSON-RPC error body's message; a bare {"detail"} it reports as "error".
        body |= {"jsonrpc": "2.0", "id": None, "error": {"code": MCP_SERVER_ERROR, "message": exc.detail}}
    return JSONResponse(body, status_code=status, headers=headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = exc.errors()
    if any(p.get("type") == "json_invalid" for p in problems):
        return JSONResponse({"detail": "malformed JSON body"}, status_code=400)
    safe = [
        {"loc": list(p.get("loc", ())), "msg": p.get("msg", ""), "type": p.get("type", "")} for p in problems
    ]
    return JSONResponse({"detail": safe}, status_code=422)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return JSONResponse({"detail": "internal error"}, status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.MiniRAGError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
