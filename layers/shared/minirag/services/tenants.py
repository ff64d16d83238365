"""Tenant signup: tenant, owner and first API token in one transaction."""

from dataclasses import dataclass

from minirag.domain.errors import NotFoundError
from minirag.domain.ids import new_id
from minirag.domain.models import ApiToken, Tenant, User
from minirag.domain.roles import Role
from minirag.ports import Clock, RateLimiter, TenantRepository
from minirag.security.passwords import PasswordHasher
from minirag.security.tokens import display_prefix, generate_token, hash_token
from minirag.services.guards import enforce_limit


@dataclass(frozen=True)
class SignupResult:
    tenant: Tenant
    owner: User
    token: ApiToken
    raw_token: str


class TenantService:
    def __init__(
        self,
        *,
        tenants: TenantRepository,
        limiter: RateLimiter,
        hasher: PasswordHasher,
        clock: Clock,
        signups_per_hour: int,
    ) -> None:
        self._tenants = tenants
        self._limiter = limiter
        self._hasher = hasher
        self._clock = clock
        self._signups_per_hour = signups_per_hour

    def signup(
        self,
        *,
        name: str,
        slug: str,
        owner_email: str,
        owner_password: str,
        owner_display_name: str | None,
        client_ip: str,
    ) -> SignupResult:
        now = self._clock.now()
        enforce_limit(
            self._limiter,
            key=f"signup#{client_ip}",
            limit=self._signups_per_hour,
            window_seconds=3600,
            now=now,
        )
        tenant = Tenant(id=new_id(), name=name, slug=slug, created_at=now)
        owner = User(
            id=new_id(),
            tenant_id=tenant.id,
            email=owner_email.lower(),
            password_hash=self._hasher.hash(owner_password),
            role=Role.OWNER,
            display_name=owner_display_name,
            created_at=now,
        )
        raw = generate_token()
        token = ApiToken(
            id=new_id(),
            tenant_id=tenant.id,
            name="Initial token",
            token_prefix=display_prefix(raw),
            token_hash=hash_token(raw),
            role=Role.OWNER,
            created_at=now,
            created_by=owner.id,
            user_id=owner.id,
            user_role=Role.OWNER,
        )
        self._tenants.create_with_owner(tenant=tenant, owner=owner, token=token)
        return SignupResult(tenant=tenant, owner=owner, token=token, raw_token=raw)

    def get(self, tenant_id: str) -> Tenant:
        tenant = self._tenants.get(tenant_id)
        if tenant is None:
            raise NotFoundError("tenant not found")
        return tenant
