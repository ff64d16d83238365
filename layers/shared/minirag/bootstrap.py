"""The one place adapters are chosen: builds the Services container from Settings."""

from dataclasses import dataclass

from minirag.adapters.dynamodb.ratelimit import DynamoRateLimiter
from minirag.adapters.dynamodb.sessions import DynamoSessionRepository
from minirag.adapters.dynamodb.tables import DynamoConfig, DynamoTables
from minirag.adapters.dynamodb.tenants import DynamoTenantRepository
from minirag.adapters.dynamodb.tokens import DynamoTokenRepository
from minirag.adapters.dynamodb.users import DynamoUserRepository
from minirag.adapters.secrets import load_keys
from minirag.config import Settings
from minirag.ports import Clock
from minirag.security.crypto import SecretBox
from minirag.security.jwt_codec import JwtCodec
from minirag.security.passwords import PasswordHasher
from minirag.services.api_tokens import ApiTokenService
from minirag.services.auth import AuthService, LoginLimits
from minirag.services.clock import SystemClock
from minirag.services.health import HealthService
from minirag.services.tenants import TenantService
from minirag.services.users import UserService


@dataclass
class Services:
    settings: Settings
    clock: Clock
    box: SecretBox
    tenants: TenantService
    auth: AuthService
    api_tokens: ApiTokenService
    users: UserService
    health: HealthService


def dynamo_config(settings: Settings) -> DynamoConfig:
    local = settings.aws_endpoint_url is not None
    return DynamoConfig(
        table_name=settings.table_name,
        region=settings.aws_region,
        host=settings.aws_endpoint_url,
        access_key="test" if local else None,
        secret_key="test" if local else None,
        max_retries=settings.dynamodb_max_retries,
        timeout_seconds=settings.dynamodb_timeout_seconds,
    )


def build_services(settings: Settings, *, clock: Clock | None = None) -> Services:
    clock = clock or SystemClock()
    keys = load_keys(settings)
    tables = DynamoTables(dynamo_config(settings))
    tenants = DynamoTenantRepository(tables)
    users = DynamoUserRepository(tables)
    tokens = DynamoTokenRepository(tables)
    limiter = DynamoRateLimiter(tables)
    hasher = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_kib=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )
    jwt = JwtCodec(keys.jwt_secret, settings.jwt_expires_seconds)
    limits = LoginLimits(
        attempts_per_ip_per_15min=settings.login_attempts_per_ip_per_15min,
        failures_before_lockout=settings.login_failures_before_lockout,
        lockout_seconds=settings.lockout_seconds,
    )
    return Services(
        settings=settings,
        clock=clock,
        box=SecretBox(keys.fernet_keys),
        tenants=TenantService(
            tenants=tenants,
            limiter=limiter,
            hasher=hasher,
            clock=clock,
            signups_per_hour=settings.signup_per_ip_per_hour,
        ),
        auth=AuthService(
            tenants=tenants,
            users=users,
            tokens=tokens,
            sessions=DynamoSessionRepository(tables),
            limiter=limiter,
            hasher=hasher,
            jwt=jwt,
            clock=clock,
            limits=limits,
        ),
        api_tokens=ApiTokenService(tokens=tokens, clock=clock),
        users=UserService(users=users, hasher=hasher, clock=clock),
        health=HealthService(checks={"dynamodb": tenants.ping}),
    )
