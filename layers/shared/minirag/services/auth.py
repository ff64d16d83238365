"""Login, logout and resolving a bearer credential into a Principal."""

from dataclasses import dataclass
from datetime import timedelta

from minirag.domain.errors import AuthenticationError, ConflictError, InvalidInputError, RateLimitedError
from minirag.domain.ids import new_id
from minirag.domain.models import Principal, Session, Tenant, User
from minirag.ports import (
    Clock,
    RateLimiter,
    SessionRepository,
    TenantRepository,
    TokenRepository,
    UserRepository,
)
from minirag.security.jwt_codec import JwtClaims, JwtCodec, looks_like_jwt
from minirag.security.passwords import PasswordHasher
from minirag.security.tokens import hash_token
from minirag.services.budget import RequestBudget
from minirag.services.guards import enforce_limit, retry_after

_TOUCH_EVERY = timedelta(seconds=60)
_BAD_LOGIN = "invalid email or password"
# A login without tenant_slug checks the password against each account of the email (one Argon2 each);
# past this many accounts it asks for tenant_slug instead, so sign-ups cannot make one attempt costly.
MAX_LOGIN_ACCOUNTS = 50


@dataclass(frozen=True)
class LoginLimits:
    attempts_per_ip_per_15min: int
    failures_before_lockout: int
    lockout_seconds: int
    token_requests_per_minute: int = 0


@dataclass(frozen=True)
class LoginResult:
    access_token: str
    expires_in: int
    user: User
    tenant: Tenant


class AuthService:
    def __init__(
        self,
        *,
        tenants: TenantRepository,
        users: UserRepository,
        tokens: TokenRepository,
        sessions: SessionRepository,
        limiter: RateLimiter,
        budget: RequestBudget,
        hasher: PasswordHasher,
        jwt: JwtCodec,
        clock: Clock,
        limits: LoginLimits,
    ) -> None:
        self._tenants = tenants
        self._users = users
        self._tokens = tokens
        self._sessions = sessions
        self._limiter = limiter
        self._budget = budget
        self._hasher = hasher
        self._jwt = jwt
        self._clock = clock
        self._limits = limits

    def login(self, *, email: str, password: str, tenant_slug: str | None, client_ip: str) -> LoginResult:
        now = self._clock.now()
        email = email.lower()
        enforce_limit(
            self._limiter,
            key=f"login-ip#{client_ip}",
            limit=self._limits.attempts_per_ip_per_15min,
            window_seconds=900,
            now=now,
        )
        failures_key = f"login-fail#{email}"
        window = self._limits.lockout_seconds
        if (
            self._limiter.count(key=failures_key, window_seconds=window, now=now)
            >= self._limits.failures_before_lockout
        ):
            raise RateLimitedError(
                "too many failed logins; account locked for a while", retry_after=retry_after(now, window)
            )
        matches = self._matching_users(email, password, tenant_slug)
        if not matches:
            self._limiter.hit(key=failures_key, window_seconds=window, now=now)
            raise AuthenticationError(_BAD_LOGIN)
        if len(matches) > 1:
            raise ConflictError("this email belongs to several tenants; send tenant_slug to choose one")
        user, tenant = matches[0]
        session = Session(
            id=new_id(),
            tenant_id=tenant.id,
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(seconds=self._jwt.expires_seconds),
            epoch=user.session_epoch,
        )
        self._sessions.add(session=session)
        token = self._jwt.encode(JwtClaims(user_id=user.id, tenant_id=tenant.id, session_id=session.id), now)
        return LoginResult(access_token=token, expires_in=self._jwt.expires_seconds, user=user, tenant=tenant)

    def _matching_users(
        self, email: str, password: str, tenant_slug: str | None
    ) -> list[tuple[User, Tenant]]:
        """With tenant_slug, exactly that tenant's account (other tenants' sign-ups with the same email
        cannot crowd it out); without, every account of the email. One Argon2 verification per account
        considered, whatever its state, and one for an unknown email or tenant."""
        if tenant_slug is not None:
            tenant_id = self._tenants.id_for_slug(tenant_slug)
            user_id = self._users.find_login(email=email, tenant_id=tenant_id) if tenant_id else None
            logins = [(tenant_id, user_id)] if tenant_id and user_id else []
        else:
            logins = self._users.find_logins(email=email, limit=MAX_LOGIN_ACCOUNTS + 1)
            if len(logins) > MAX_LOGIN_ACCOUNTS:
                self._hasher.burn(password)
                raise ConflictError("this email belongs to many tenants; send tenant_slug to choose one")
        if not logins:
            self._hasher.burn(password)
        found = (self._check(tenant_id, user_id, password) for tenant_id, user_id in logins)
        return [match for match in found if match is not None]

    def _check(self, tenant_id: str, user_id: str, password: str) -> tuple[User, Tenant] | None:
        """The password is verified before the account's state is looked at: a deactivated account
        takes as long to refuse as a wrong password."""
        user = self._users.get(tenant_id=tenant_id, user_id=user_id)
        if user is None:
            self._hasher.burn(password)
            return None
        if not self._hasher.verify(user.password_hash, password) or not user.is_active:
            return None
        tenant = self._tenants.get(tenant_id)
        return (user, tenant) if tenant is not None and tenant.is_active else None

    def logout(self, principal: Principal) -> None:
        if principal.session_id is None:
            raise InvalidInputError("only a login session can log out; revoke API tokens instead")
        self._sessions.delete(tenant_id=principal.tenant_id, session_id=principal.session_id)

    def authenticate(self, credential: str) -> Principal:
        if looks_like_jwt(credential):
            return self._from_jwt(credential)
        return self._from_api_token(credential)

    def _from_jwt(self, credential: str) -> Principal:
        claims = self._jwt.decode(credential, self._clock.now())
        found = self._sessions.get_with_user(
            tenant_id=claims.tenant_id, session_id=claims.session_id, user_id=claims.user_id
        )
        if found is None:
            raise AuthenticationError("session revoked")
        session, user = found
        if not user.is_active:
            raise AuthenticationError("user deactivated")
        if session.epoch != user.session_epoch:  # password changed or user deactivated since this login
            raise AuthenticationError("session ended; log in again")
        if session.expires_at <= self._clock.now():
            raise AuthenticationError("token expired")
        return Principal(
            tenant_id=claims.tenant_id,
            role=user.role,
            kind="user",
            user_id=user.id,
            session_id=session.id,
            creator_id=user.id,
            creator_role=user.role,
        )

    def _from_api_token(self, credential: str) -> Principal:
        token_hash = hash_token(credential)
        grant = self._tokens.grant(token_hash=token_hash)
        if grant is None:
            raise AuthenticationError("invalid token")
        now = self._clock.now()
        if grant.expires_at is not None and grant.expires_at <= now:
            raise AuthenticationError("token expired")
        if not grant.user_active:
            raise AuthenticationError("the user who created this token is deactivated")
        if self._limits.token_requests_per_minute:
            self._budget.spend(
                key=f"token#{grant.token_id}",
                limit=self._limits.token_requests_per_minute,
                window_seconds=60,
                now=now,
            )
        if grant.last_used_at is None or now - grant.last_used_at >= _TOUCH_EVERY:
            self._tokens.touch(token_hash=token_hash, at=now)
        return Principal(
            tenant_id=grant.tenant_id,
            role=grant.effective_role,
            kind="api_token",
            token_id=grant.token_id,
            creator_id=grant.user_id,
            creator_role=grant.user_role,
        )
