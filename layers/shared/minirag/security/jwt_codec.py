"""Login JWTs (HS256). The session id inside lets logout revoke a token before it expires."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from minirag.domain.errors import AuthenticationError

_ALGORITHM = "HS256"
_AUDIENCE = "minirag"


@dataclass(frozen=True)
class JwtClaims:
    user_id: str
    tenant_id: str
    session_id: str


class JwtCodec:
    def __init__(self, secret: str, expires_seconds: int) -> None:
        if len(secret) < 32:
            raise ValueError("the JWT secret must be at least 32 characters")
        self._secret = secret
        self.expires_seconds = expires_seconds

    def encode(self, claims: JwtClaims, now: datetime) -> str:
        payload = {
            "sub": claims.user_id,
            "tid": claims.tenant_id,
            "sid": claims.session_id,
            "aud": _AUDIENCE,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=self.expires_seconds)).timestamp()),
        }
        return jwt.encode(payload, self._secret, algorithm=_ALGORITHM)

    def decode(self, token: str, now: datetime) -> JwtClaims:
        """Expiry is checked against the injected clock, not the library's, so time stays testable."""
        try:
            payload = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                audience=_AUDIENCE,
                options={"require": ["exp", "sub", "tid", "sid"], "verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError as exc:
            raise AuthenticationError("invalid token") from exc
        if not isinstance(payload["exp"], int) or payload["exp"] <= now.timestamp():
            raise AuthenticationError("token expired")
        return JwtClaims(user_id=payload["sub"], tenant_id=payload["tid"], session_id=payload["sid"])


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and token.startswith("eyJ")
