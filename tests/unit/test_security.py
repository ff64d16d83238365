from datetime import UTC, datetime, timedelta

import pytest

from minirag.adapters.secrets import derive_fernet_key, from_secret_value
from minirag.domain.errors import AuthenticationError, InvalidInputError
from minirag.domain.ids import is_valid_id, new_id
from minirag.domain.roles import Role
from minirag.security.crypto import SecretBox, new_fernet_key
from minirag.security.jwt_codec import JwtClaims, JwtCodec, looks_like_jwt
from minirag.security.passwords import PasswordHasher
from minirag.security.tokens import display_prefix, generate_token, hash_token

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
SECRET = "s" * 40


def test_ids_are_unique_valid_and_time_ordered() -> None:
    earlier, later = new_id(1_000), new_id(2_000)
    assert earlier < later and is_valid_id(earlier) and len({new_id() for _ in range(1000)}) == 1000
    assert not is_valid_id("short") and not is_valid_id("!" * 26)


def test_role_order() -> None:
    assert Role.OWNER.at_least(Role.ADMIN) and Role.ADMIN.at_least(Role.ADMIN)
    assert not Role.MEMBER.at_least(Role.ADMIN) and not Role.ADMIN.at_least(Role.OWNER)


def test_jwt_round_trip_expiry_and_tampering() -> None:
    codec = JwtCodec(SECRET, 60)
    token = codec.encode(JwtClaims("u", "t", "s"), NOW)
    assert looks_like_jwt(token)
    assert codec.decode(token, NOW + timedelta(seconds=59)) == JwtClaims("u", "t", "s")
    with pytest.raises(AuthenticationError, match="expired"):
        codec.decode(token, NOW + timedelta(seconds=60))
    with pytest.raises(AuthenticationError, match="invalid"):
        JwtCodec("o" * 40, 60).decode(token, NOW)
    with pytest.raises(AuthenticationError):
        codec.decode(token[:-2] + "xx", NOW)
    with pytest.raises(ValueError):
        JwtCodec("short", 60)


def test_tokens_are_random_and_hashed() -> None:
    a, b = generate_token(), generate_token()
    assert a != b and a.startswith("mrag_") and len(a) >= 40
    assert hash_token(a) == hash_token(a) != hash_token(b) and len(hash_token(a)) == 64
    assert display_prefix(a) == a[:12]


def test_secret_box_round_trip_and_rotation() -> None:
    old_key, new_key = new_fernet_key(), new_fernet_key()
    old = SecretBox([old_key])
    sealed = old.encrypt("sk-provider-key")
    rotated = SecretBox([new_key, old_key])
    assert rotated.decrypt(sealed) == "sk-provider-key"
    assert SecretBox([new_key]).decrypt(rotated.rotate(sealed)) == "sk-provider-key"


def test_cursor_is_opaque_and_bound_to_its_tenant() -> None:
    box = SecretBox([new_fernet_key()])
    cursor = box.encode_cursor("tenant-a", {"pk": "TENANT#a", "sk": "BOT#1"})
    assert "TENANT" not in cursor
    assert box.decode_cursor("tenant-a", cursor) == {"pk": "TENANT#a", "sk": "BOT#1"}
    with pytest.raises(InvalidInputError):
        box.decode_cursor("tenant-b", cursor)
    with pytest.raises(InvalidInputError):
        box.decode_cursor("tenant-a", cursor[:-3] + "abc")
    with pytest.raises(InvalidInputError):
        box.decode_cursor("tenant-a", "not a cursor")


def test_passwords_verify_only_the_right_one() -> None:
    hasher = PasswordHasher(time_cost=1, memory_kib=1024, parallelism=1)
    digest = hasher.hash("hunter2hunter2")
    assert digest.startswith("$argon2id$")
    assert hasher.verify(digest, "hunter2hunter2") and not hasher.verify(digest, "hunter3hunter3")
    assert not hasher.verify("not-a-hash", "x")


def test_secret_value_derives_a_fernet_key_until_one_is_set() -> None:
    derived = from_secret_value({"jwt_secret": SECRET})
    assert derived.fernet_keys == [derive_fernet_key(SECRET)]
    SecretBox(derived.fernet_keys).encrypt("works")
    explicit = from_secret_value({"jwt_secret": SECRET, "fernet_keys": "k1, k2"})
    assert explicit.fernet_keys == ["k1", "k2"]
