"""Accounts (账号): users with roles, passwords (only their argon2id hashes are kept), API tokens
(only their SHA-256 is kept), and the security trail: every login attempt and every operation
is an event, and nothing can delete events.

Roles: the office's business roles (inspector, unit_admin, office_admin, auditor) and the three
separated administrators of 等保 2.0 (三员): system_admin (users, subjects), security_admin
(roles, lockouts, tokens) and audit_admin (reads the trail, and does nothing else)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.errors import Invalid
from domain.ids import stable_id
from domain.topics import stable_topics

MIN_PASSWORD = 8
CLASSES = {"小写字母": str.islower, "大写字母": str.isupper, "数字": str.isdigit,
           "符号": lambda c: not c.isalnum() and not c.isspace()}


def check_password(password: str, username: str = "") -> None:
    """The policy: at least 8 characters and 3 of lower case, upper case, digit, symbol."""
    problems = []
    if len(password) < MIN_PASSWORD:
        problems.append(f"至少 {MIN_PASSWORD} 个字符(现有 {len(password)} 个)")
    have = [name for name, test in CLASSES.items() if any(test(c) for c in password)]
    if len(have) < 3:
        missing = [name for name in CLASSES if name not in have]
        problems.append(f"须包含小写字母、大写字母、数字、符号中的至少 3 类,还缺 {3 - len(have)} 类(可加:{'、'.join(missing)})")
    if username and username.lower() in password.lower():
        problems.append("不能包含用户名")
    if problems:
        raise Invalid("new", "密码不符合要求:" + ";".join(problems))


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@stable_topics("User", "domain.accounts")
class User(Aggregate):
    @staticmethod
    def create_id(username: str, **_: object) -> UUID:
        return stable_id("user", username)

    @event("Created")
    def __init__(self, username: str, role: str, unit: str | None, password_hash: str, actor: str,
                 recorded_at: datetime):
        self.username = username
        self.role = role
        self.unit = unit
        self.password_hash = password_hash
        self.must_change_password = True  # an initial password is the administrator's, not the user's

    @event("PasswordChanged")
    def change_password(self, password_hash: str, must_change: bool, actor: str, recorded_at: datetime) -> None:
        """By the user (must_change False) or reset by an administrator (must_change True)."""
        self.password_hash = password_hash
        self.must_change_password = must_change

    @event("RoleChanged")
    def change_role(self, role: str, unit: str | None, actor: str, recorded_at: datetime) -> None:
        self.role = role
        self.unit = unit


@stable_topics("ApiToken", "domain.accounts")
class ApiToken(Aggregate):
    @staticmethod
    def create_id(digest: str, **_: object) -> UUID:
        return stable_id("token", digest)

    @event("Issued")
    def __init__(self, digest: str, user_id: str, username: str, label: str, expires_at: datetime, actor: str,
                 recorded_at: datetime):
        self.user_id = user_id
        self.username = username
        self.label = label
        self.expires_at = expires_at
        self.revoked_at: datetime | None = None

    @event("Revoked")
    def revoke(self, actor: str, recorded_at: datetime) -> None:
        self.revoked_at = recorded_at

    def valid_at(self, moment: datetime) -> bool:
        return self.revoked_at is None and moment < self.expires_at


@stable_topics("LoginAttempt", "domain.accounts")
class LoginAttempt(Aggregate):
    """One login attempt, successful or not (登录日志)."""

    @staticmethod
    def create_id(**_: object) -> UUID:
        return uuid4()

    @event("Attempted")
    def __init__(self, username: str, address: str | None, success: bool, reason: str, recorded_at: datetime):
        self.username = username


@stable_topics("Operation", "domain.accounts")
class Operation(Aggregate):
    """One write request, allowed or refused (操作日志): who, from where, what, and the outcome."""

    @staticmethod
    def create_id(**_: object) -> UUID:
        return uuid4()

    @event("Logged")
    def __init__(self, actor: str, role: str, address: str | None, method: str, path: str, status: int,
                 success: bool, recorded_at: datetime):
        self.actor = actor
