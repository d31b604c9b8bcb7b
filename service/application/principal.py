"""Who is making a request: the account behind the bearer token."""

from __future__ import annotations

from dataclasses import dataclass

from domain.accounts import OPERATOR as OPERATOR_ROLE


@dataclass(frozen=True)
class Principal:
    user_id: str
    username: str
    role: str
    unit: str | None


# The machine's operator at the command line (evalctl create-user, reset-password): above the
# 三员 table, so that the first accounts and the three administrators can be made at all.
OPERATOR = Principal("evalctl", "evalctl", OPERATOR_ROLE, None)
