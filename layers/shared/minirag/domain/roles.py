"""Roles and the one rule that orders them: owner > admin > member."""

from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"

    @property
    def rank(self) -> int:
        return {Role.OWNER: 3, Role.ADMIN: 2, Role.MEMBER: 1}[self]

    def at_least(self, required: "Role") -> bool:
        return self.rank >= required.rank
