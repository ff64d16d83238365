"""Login that other tenants' sign-ups cannot block, and that spends the same Argon2 work on every account.

Before the fix, 20 sign-ups with a victim's email made the victim's own login fail (401) even with the
right password and tenant_slug (the lookup read at most 20 login guards before filtering by tenant), and
a deactivated account was refused without any Argon2 work (about 5x faster than a wrong password).
"""

import time
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from minirag.api.app import create_app
from minirag.bootstrap import Services, build_services
from minirag.services.auth import MAX_LOGIN_ACCOUNTS
from tests.conftest import make_settings
from tests.support.api import PASSWORD, signup, unique


def login(client: TestClient, email: str, password: str = PASSWORD, slug: str | None = None) -> int:
    body = {"email": email, "password": password, **({"tenant_slug": slug} if slug else {})}
    return client.post("/v1/auth/login", json=body).status_code


def test_squatters_cannot_block_the_victims_login(client: TestClient) -> None:
    """The squatters sign up first: their login guards sort before the victim's."""
    email = f"{unique('victim')}@example.com"
    for _ in range(25):  # the attacker cannot know the victim's password
        signup(client, email=email, password="attacker's own password")
    victim = signup(client, email=email)
    assert login(client, email, slug=victim.slug) == 200
    assert login(client, email) == 200  # one account of the 26 matches the password
    assert login(client, email, "attacker's own password", slug=victim.slug) == 401
    for _ in range(MAX_LOGIN_ACCOUNTS - 25):
        signup(client, email=email, password="attacker's own password")
    assert login(client, email, slug=victim.slug) == 200  # still exactly the victim's tenant
    assert login(client, email) == 409  # too many to try each one: the answer asks for tenant_slug


def test_an_unknown_slug_or_email_is_401(client: TestClient) -> None:
    tenant = signup(client)
    assert login(client, tenant.owner_email, slug="no-such-tenant") == 401
    assert login(client, f"{unique('nobody')}@example.com", slug=tenant.slug) == 401
    other = signup(client)
    assert login(client, tenant.owner_email, slug=other.slug) == 401  # the email is not in that tenant


@pytest.fixture
def argon_heavy(services: Services, aws_endpoint: str, aws_env: dict[str, str]) -> Iterator[TestClient]:
    """Production Argon2 parameters, so its work dominates a login's CPU time."""
    settings = make_settings(
        aws_endpoint,
        aws_env,
        services.settings.data_dir,
        argon2_time_cost=3,
        argon2_memory_kib=65536,
        jwt_secret=services.settings.jwt_secret,
        fernet_keys=services.settings.fernet_keys,
    )
    with TestClient(create_app(build_services(settings, clock=services.clock))) as heavy:
        yield heavy


def cpu(attempt: Callable[[], int]) -> float:
    """The least process CPU time of three attempts (a ratio of two of these is compared, never a clock)."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        assert attempt() == 401
        best = min(best, time.process_time() - started)
    return best


def test_a_deactivated_account_answers_no_faster_than_a_wrong_password(argon_heavy: TestClient) -> None:
    tenant = signup(argon_heavy)
    emails = [f"{unique('u')}@example.com" for _ in range(2)]
    ids = []
    for email in emails:
        body = {"email": email, "password": PASSWORD, "role": "member"}
        response = argon_heavy.post("/v1/users", json=body, headers=tenant.headers)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    assert argon_heavy.delete(f"/v1/users/{ids[0]}", headers=tenant.headers).status_code == 204
    deactivated = cpu(lambda: login(argon_heavy, emails[0], slug=tenant.slug))
    wrong_password = cpu(lambda: login(argon_heavy, emails[1], "not the password", slug=tenant.slug))
    unknown = cpu(lambda: login(argon_heavy, f"{unique('x')}@example.com", slug=tenant.slug))
    assert deactivated / wrong_password > 0.6, (deactivated, wrong_password)
    assert unknown / wrong_password > 0.6, (unknown, wrong_password)
