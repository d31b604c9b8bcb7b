"""Accounts and sessions (等保 2.0 level 2: identification, password guessing, session limits).

- Passwords: argon2id hashes; the policy of `domain.accounts.check_password`; an initial or
  reset password must be changed at the first login (a session can do nothing else until then).
- Login: 5 failures in a row lock the account for 15 minutes (answered 423 with the unlock
  time); an address may try at most `login_per_address` times in 15 minutes (429).
- Sessions: a random token, stored as its SHA-256, ending after 30 idle minutes and 12 hours
  at most. Session state is kept in plain tables, not events: it is not a fact of the ledger.
- API tokens for scripts: stored as SHA-256, shown once, with an expiry, revocable.
Every login attempt is appended to the log as an event."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventsourcing.domain import Aggregate

from domain.accounts import ApiToken, LoginAttempt, User, check_password, token_digest
from domain.errors import Conflict, Forbidden, Invalid, NotFound, Refused
from domain.text import loggable
from domain.vocabulary import ROLES
from projections.book import utc_text
from service.application.ledger import Idempotency, Ledger, Saved
from service.application.principal import Principal
from service.application.ratelimit import RateLimit
from service.config.settings import Settings

LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=15)
IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
ACTIVITY_STEP = timedelta(minutes=1)  # how finely a session's last activity is recorded


class Locked(Refused):
    """The account is locked after repeated failures (HTTP 423)."""

    def __init__(self, until: datetime):
        super().__init__("username", f"连续 {LOCK_AFTER} 次登录失败,账号已锁定至 {until.isoformat()}")
        self.until = until


class TooMany(Refused):
    """Too many attempts from one address (HTTP 429)."""


class Unauthenticated(Refused):
    """No valid credentials (HTTP 401)."""


@dataclass(frozen=True)
class Session:
    token: str
    expires_at: datetime
    must_change_password: bool


def initial_password() -> str:
    """A random password meeting the policy, for the administrator to hand over once."""
    alphabet = string.ascii_letters + string.digits
    core = "".join(secrets.choice(alphabet) for _ in range(10))
    return core + secrets.choice(string.digits) + secrets.choice("!@#$%&*") + secrets.choice(string.ascii_uppercase)


class Accounts:
    def __init__(self, ledger: Ledger, settings: Settings):
        self.ledger = ledger
        self.settings = settings
        self.hasher = PasswordHasher()  # argon2id with the library's current parameters
        self.store = ledger.projection.store
        self.login_limit = RateLimit(settings.login_per_address, 15 * 60)

    def now(self) -> datetime:
        return self.ledger.now()

    # --- users -------------------------------------------------------------------------------

    def create_user(self, actor: str, username: str, role: str, unit: str | None, password: str | None,
                    idempotency: Idempotency | None = None) -> tuple[Saved, str, str | None]:
        """Returns the saved user, its API token and the initial password (when none was given);
        both are shown once."""
        token = secrets.token_urlsafe(32)
        given = password
        password = password or initial_password()

        def build() -> tuple[str, list[Aggregate]]:
            if role not in ROLES:
                raise Invalid("role", f"角色 {role!r} 不存在,应为 {'、'.join(ROLES)} 之一")
            if role == "unit_admin" and not unit:
                raise Invalid("unit", "单位管理员必须指定所属单位")
            if given is not None:
                check_password(given, username)
            if self.ledger.find(User, User.create_id(username=username)) is not None:
                raise Conflict("username", f"用户名 {username} 已存在")
            now = self.now()
            user = User(username=username, role=role, unit=unit, password_hash=self.hasher.hash(password),
                        actor=actor, recorded_at=now)
            issued = ApiToken(digest=token_digest(token), user_id=str(user.id), username=username, label="初始令牌",
                              expires_at=now + timedelta(days=self.settings.token_days), actor=actor, recorded_at=now)
            return str(user.id), [user, issued]

        saved = self.ledger.write("user", idempotency, build)
        return saved, token, None if given is not None else password

    def user(self, user_id: str) -> User:
        return self.ledger.get(User, user_id, "user_id")

    def reset_password(self, actor: str, user_id: str) -> str:
        password = initial_password()

        def build() -> tuple[str, list[Aggregate]]:
            user = self.user(user_id)
            user.change_password(password_hash=self.hasher.hash(password), must_change=True, actor=actor,
                                 recorded_at=self.now())
            return str(user.id), [user]

        self.ledger.write("user", None, build)
        self._end_sessions(user_id)
        return password

    def set_role(self, actor: str, user_id: str, role: str, unit: str | None) -> Saved:
        def build() -> tuple[str, list[Aggregate]]:
            if role not in ROLES:
                raise Invalid("role", f"角色 {role!r} 不存在")
            if role == "unit_admin" and not unit:
                raise Invalid("unit", "单位管理员必须指定所属单位")
            user = self.user(user_id)
            if user.username == actor:
                raise Forbidden("user_id", "不能修改自己的角色")
            user.change_role(role=role, unit=unit, actor=actor, recorded_at=self.now())
            return str(user.id), [user]

        return self.ledger.write("user", None, build)

    def unlock(self, username: str) -> None:
        with self.store.transaction() as cur:
            cur.execute("DELETE FROM {p}auth_lockouts WHERE username = ?", [username])

    # --- login and sessions --------------------------------------------------------------------

    def login(self, username: str, password: str, address: str | None) -> Session:
        if not self.login_limit.allow(address or "unknown"):
            self._attempt(username, address, False, "too many attempts from this address")
            raise TooMany("username", "该地址登录尝试过于频繁,请 15 分钟后再试")
        now = self.now()
        locked_until = self._locked_until(username)
        if locked_until is not None and locked_until > now:
            self._attempt(username, address, False, "locked")
            raise Locked(locked_until)
        user = self.ledger.find(User, User.create_id(username=username))
        if user is None or not self._verify(user.password_hash, password):
            until = self._failed(username, now)
            self._attempt(username, address, False, "wrong username or password")
            if until is not None:
                raise Locked(until)
            raise Unauthenticated("password", "用户名或密码错误")
        self._succeeded(username)
        token = secrets.token_urlsafe(32)
        expires_at = now + ABSOLUTE
        with self.store.transaction() as cur:
            cur.execute("INSERT INTO {p}auth_sessions (token_hash, user_id, created_at, last_seen, expires_at, revoked)"
                        " VALUES (?, ?, ?, ?, ?, 0)", [token_digest(token), str(user.id), utc_text(now), utc_text(now),
                                                       utc_text(expires_at)])
        self._attempt(username, address, True, "ok")
        return Session(token, expires_at, user.must_change_password)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def _attempt(self, username: str, address: str | None, success: bool, reason: str) -> None:
        self.ledger.save(LoginAttempt(username=loggable(username, 64), address=address, success=success, reason=reason,
                                      recorded_at=self.now()))

    def _locked_until(self, username: str) -> datetime | None:
        with self.store.transaction(commit=False) as cur:
            row = cur.one("SELECT locked_until FROM {p}auth_lockouts WHERE username = ?", [username])
        return datetime.fromisoformat(row["locked_until"]) if row and row["locked_until"] else None

    def _failed(self, username: str, now: datetime) -> datetime | None:
        """Counts a failure in a row; the fifth locks the account. Returns the lock's end, if any."""
        with self.store.transaction() as cur:
            row = cur.one("SELECT failures FROM {p}auth_lockouts WHERE username = ?", [username])
            failures = (int(row["failures"]) if row else 0) + 1
            until = now + LOCK_FOR if failures >= LOCK_AFTER else None
            cur.execute("INSERT INTO {p}auth_lockouts (username, failures, locked_until) VALUES (?, ?, ?)"
                        " ON CONFLICT (username) DO UPDATE SET failures = excluded.failures,"
                        " locked_until = excluded.locked_until",
                        [username, 0 if until else failures, utc_text(until)])
        return until

    def _succeeded(self, username: str) -> None:
        with self.store.transaction() as cur:
            cur.execute("DELETE FROM {p}auth_lockouts WHERE username = ?", [username])

    def logout(self, token: str) -> None:
        with self.store.transaction() as cur:
            cur.execute("UPDATE {p}auth_sessions SET revoked = 1 WHERE token_hash = ?", [token_digest(token)])

    def _end_sessions(self, user_id: str) -> None:
        with self.store.transaction() as cur:
            cur.execute("UPDATE {p}auth_sessions SET revoked = 1 WHERE user_id = ?", [user_id])

    def change_password(self, who: Principal, old: str, new: str) -> None:
        def build() -> tuple[str, list[Aggregate]]:
            user = self.user(who.user_id)
            if not self._verify(user.password_hash, old):
                raise Invalid("old", "原密码不正确")
            if old == new:
                raise Invalid("new", "新密码不能与原密码相同")
            check_password(new, user.username)
            user.change_password(password_hash=self.hasher.hash(new), must_change=False, actor=who.username,
                                 recorded_at=self.now())
            return str(user.id), [user]

        self.ledger.write("user", None, build)

    # --- authenticating a request --------------------------------------------------------------

    def authenticate(self, token: str) -> tuple[Principal, bool]:
        """The principal behind a bearer token, and whether it must change its password first."""
        admin = self.settings.admin_token
        if admin and secrets.compare_digest(token.encode(), admin.encode()):
            return Principal("bootstrap-admin", "admin", "office_admin", None), False
        now = self.now()
        digest = token_digest(token)
        with self.store.transaction(commit=False) as cur:
            row = cur.one("SELECT * FROM {p}auth_sessions WHERE token_hash = ?", [digest])
        if row is not None:
            if row["revoked"]:
                raise Unauthenticated("Authorization", "会话已退出,请重新登录")
            if datetime.fromisoformat(row["expires_at"]) <= now:
                raise Unauthenticated("Authorization", "会话已超过 12 小时,请重新登录")
            last_seen = datetime.fromisoformat(row["last_seen"])
            if last_seen + IDLE <= now:
                raise Unauthenticated("Authorization", "30 分钟无操作,会话已超时,请重新登录")
            if now - last_seen >= ACTIVITY_STEP:  # not a write transaction on every read
                with self.store.transaction() as cur:
                    cur.execute("UPDATE {p}auth_sessions SET last_seen = ? WHERE token_hash = ?",
                                [utc_text(now), digest])
            user = self.user(row["user_id"])
            return Principal(str(user.id), user.username, user.role, user.unit), user.must_change_password
        issued = self.ledger.find(ApiToken, ApiToken.create_id(digest=digest))
        if issued is None:
            raise Unauthenticated("Authorization", "令牌无效")
        if not issued.valid_at(now):
            raise Unauthenticated("Authorization", "令牌已过期或已吊销")
        user = self.user(issued.user_id)
        return Principal(str(user.id), user.username, user.role, user.unit), False

    # --- API tokens ----------------------------------------------------------------------------

    def issue_token(self, who: Principal, label: str, days: int) -> tuple[str, str, datetime]:
        if not 1 <= days <= self.settings.token_days:
            raise Invalid("days", f"有效期应为 1 到 {self.settings.token_days} 天")
        token = secrets.token_urlsafe(32)
        now = self.now()
        expires_at = now + timedelta(days=days)

        def build() -> tuple[str, list[Aggregate]]:
            if who.user_id == "bootstrap-admin":
                raise Forbidden("Authorization", "初始管理员令牌不能再签发令牌,请先建立正式账号")
            issued = ApiToken(digest=token_digest(token), user_id=who.user_id, username=who.username, label=label,
                              expires_at=expires_at, actor=who.username, recorded_at=now)
            return str(issued.id), [issued]

        saved = self.ledger.write("token", None, build)
        return saved.id, token, expires_at

    def revoke_token(self, who: Principal, token_id: str) -> None:
        def build() -> tuple[str, list[Aggregate]]:
            issued = self.ledger.get(ApiToken, token_id, "token_id")
            if issued.user_id != who.user_id and who.role != "security_admin":
                raise NotFound("token_id", f"令牌 {token_id} 不存在")
            if issued.revoked_at is not None:
                raise Conflict("token_id", "令牌已吊销")
            issued.revoke(actor=who.username, recorded_at=self.now())
            return str(issued.id), [issued]

        self.ledger.write("token", None, build)
