"""Accounts (账号): users with roles, passwords (only their argon2id hashes are kept), API tokens
(only their SHA-256 is kept), and the security trail: every login attempt and every operation
is an event, and nothing can delete events.

Roles: the office's business roles (inspector, unit_admin, office_admin, auditor) and the three
separated administrators of 等保 2.0 (三员): system_admin (users, subjects), security_admin
(roles, lockouts, tokens) and audit_admin (reads the trail, and does nothing else). Who may give
which role to an account is one table here (`ASSIGNMENTS`, the README's 三员 table)."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.errors import Forbidden, Invalid
from domain.ids import stable_id
from domain.topics import stable_topics
from domain.vocabulary import ADMIN_ROLES, ROLES

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


# Names the service itself writes into the log as actors, and the bootstrap administrator's:
# an account under one of them would be mistaken for the service in the trail.
RESERVED_USERNAMES = ("admin", "anonymous", "scheduler", "evalctl", "import", "bootstrap-admin", "root", "system")


def username_key(username: str) -> str:
    """Usernames are told apart without regard to case: `Insp` is `insp`."""
    return username.casefold()


USERNAME_PATTERN = r"^[A-Za-z0-9_.@-]{1,64}$"


def check_username(username: str) -> None:
    if not re.fullmatch(USERNAME_PATTERN, username, re.ASCII):
        raise Invalid("username", "用户名须为 1 到 64 个字母、数字或 _ . @ -")
    if username_key(username) in RESERVED_USERNAMES:
        raise Invalid("username", f"用户名 {username} 为系统保留,请换一个")


# --- 三员: who may create, reset or re-role which accounts --------------------------------------
# The machine's operator (`evalctl create-user`, `evalctl reset-password`) is the only one who
# assigns the three administrator roles or touches their accounts. Through the API:
#   - the system administrator creates inspectors and unit administrators and resets their
#     passwords (not the office's: it would then hold the round's decisions, which it does not);
#   - the office creates its inspectors and unit administrators;
#   - the security administrator moves accounts between inspector and unit administrator (and a
#     unit administrator's unit), and unlocks; it creates nothing.
# And whatever the table says, nobody acts on their own account this way. The table keeps one
# principle (tests/integration/test_separation.py checks it against the permission table):
# no caller gives, or takes over by a reset, an account whose role holds a power over accounts,
# the trail or the round's decisions (create, reset, assign roles, unlock, read the trail;
# retract, judge, rule, run the round, adopt a rulebook) that the caller's role does not. So the
# office's administrators, like the three administrators and auditors, come from the operator.
OPERATOR = "operator"  # the role of the machine's operator (evalctl), above the table
CREATE, RESET, ROLE = "create", "reset", "role"
ASSIGNMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "system_admin": {CREATE: ("inspector", "unit_admin"), RESET: ("inspector", "unit_admin")},
    "office_admin": {CREATE: ("inspector", "unit_admin")},
    "security_admin": {ROLE: ("inspector", "unit_admin")},
}
ACTION_WORDS = {CREATE: "建立", RESET: "重置密码", ROLE: "修改角色"}


def may_assign(caller_role: str, action: str, role: str) -> bool:
    """Whether a caller of this role may create (`role` is the new one), reset (the account's
    current one) or re-role (both the current and the new one, asked in turn) such an account."""
    if caller_role == OPERATOR:
        return role in ROLES
    return role in ASSIGNMENTS.get(caller_role, {}).get(action, ())


def check_assignment(caller_role: str, action: str, role: str, field: str = "role") -> None:
    if may_assign(caller_role, action, role):
        return
    caller = ROLES.get(caller_role, caller_role)
    target = ROLES.get(role, role)
    if role in ADMIN_ROLES:
        reason = "系统管理员、安全管理员、审计管理员的账号只能由服务器操作员用 evalctl create-user 建立和管理"
    else:
        reason = f"按三员分立规则,{caller}不能{ACTION_WORDS[action]}{target}账号"
    raise Forbidden(field, reason)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@stable_topics("User", "domain.accounts")
class User(Aggregate):
    @staticmethod
    def create_id(username: str, **_: object) -> UUID:
        """From the case-folded name, so the store itself refuses `Insp` beside `insp`."""
        return stable_id("user", username_key(username))

    @staticmethod
    def ids_for(username: str) -> list[UUID]:
        """Where an account of this name may be: accounts made before names were case-folded
        have their id from the name as typed."""
        return list(dict.fromkeys([User.create_id(username=username), stable_id("user", username)]))

    @event("Created")
    def __init__(self, username: str, role: str, unit: str | None, password_hash: str, actor: str,
                 recorded_at: datetime):
        self.username = username
        self.role = role
        self.unit = unit
        self.password_hash = password_hash
        self.must_change_password = True  # an initial password is the administrator's, not the user's
        self.credentials_since: datetime | None = None

    @event("PasswordChanged")
    def change_password(self, password_hash: str, must_change: bool, actor: str, recorded_at: datetime) -> None:
        """By the user (must_change False) or reset by an administrator (must_change True). Every
        API token issued until then stops working (`ApiToken.valid_for`)."""
        self.password_hash = password_hash
        self.must_change_password = must_change
        self.credentials_since = recorded_at

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
        self.issued_at = recorded_at
        self.expires_at = expires_at
        self.revoked_at: datetime | None = None

    @event("Revoked")
    def revoke(self, actor: str, recorded_at: datetime) -> None:
        self.revoked_at = recorded_at

    def valid_at(self, moment: datetime) -> bool:
        return self.revoked_at is None and moment < self.expires_at

    def valid_for(self, user: User, moment: datetime) -> bool:
        """Valid now, and issued after the user's last password change or reset (a token issued
        in the same instant as the change counts as before it)."""
        since = user.credentials_since
        return self.valid_at(moment) and (since is None or self.issued_at > since)


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


@stable_topics("RefusedRequests", "domain.accounts")
class RefusedRequests(Aggregate):
    """Requests from one address refused without anyone logged in, counted over one minute (操作日志):
    one event per address and minute however many there were, so a flood cannot fill the log."""

    @staticmethod
    def create_id(**_: object) -> UUID:
        return uuid4()  # each service process counts its own

    @event("Counted")
    def __init__(self, address: str | None, minute: datetime, count: int, statuses: dict[str, int], sample: str,
                 recorded_at: datetime):
        self.address = address
        self.count = count
