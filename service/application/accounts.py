"""Accounts and sessions (等保 2.0 level 2: identification, password guessing, session limits).

- Accounts are created, reset and re-roled as the 三员 table says (`domain.accounts.ASSIGNMENTS`);
  a new or reset account has one usable credential, its initial password, to be changed at the
  first login: nobody is handed an API token for someone else.
- Passwords: argon2id hashes; the policy of `domain.accounts.check_password`; an initial or
  reset password must be changed at the first login (a session can do nothing else until then).
  An unknown username costs the same hash check as a known one (no timing tells them apart).
- Login: 5 failures in a row lock the account for 15 minutes (answered 423 with the unlock
  time), each attempt counted in one statement before its password is checked, so concurrent
  guesses on any number of service processes cannot slip past the count; an address may try
  at most `login_per_address` times in 15 minutes (429); a login that succeeds is not counted.
- Sessions: a random token, stored as its SHA-256, ending after 30 idle minutes and 12 hours
  at most. Session state is kept in plain tables, not events: it is not a fact of the ledger.
- API tokens for scripts, minted by a logged-in user for itself: stored as SHA-256, shown once,
  with an expiry, listed and revoked by their owner. A password change or reset ends every token
  issued before it, and the user's other sessions.
Every login attempt is appended to the log as an event."""

from __future__ import annotations

import secrets
import string
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventsourcing.domain import Aggregate

from domain.accounts import (
    CREATE,
    RESET,
    ROLE,
    ApiToken,
    LoginAttempt,
    User,
    check_assignment,
    check_password,
    check_username,
    token_digest,
    username_key,
)
from domain.errors import Conflict, Forbidden, Invalid, NotFound, Refused
from domain.periods import beijing
from domain.text import loggable
from domain.topics import stored_topics
from domain.vocabulary import ROLES
from projections import accounts as accounts_model
from projections.book import utc_text
from service.application.ledger import Idempotency, Ledger, Saved
from service.application.principal import Principal
from service.application.ratelimit import RateLimit
from service.config.settings import Settings

USER_CREATED = stored_topics(User.Created)
LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=15)
IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
ACTIVITY_STEP = timedelta(minutes=1)  # how finely a session's last activity is recorded


class Locked(Refused):
    """The account is locked after repeated failures (HTTP 423)."""

    def __init__(self, until: datetime):
        super().__init__("username", f"连续 {LOCK_AFTER} 次登录失败,账号已锁定至 {beijing(until)}")
        self.until = until


class TooMany(Refused):
    """Too many attempts from one address (HTTP 429); `retry_after`: seconds, for the Retry-After header."""

    def __init__(self, field: str, message: str, retry_after: int = 60):
        super().__init__(field, message)
        self.retry_after = retry_after


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


class SessionActivity:
    """When each session was last used, as this process saw it: kept in memory so that reading
    never writes, and written out by a background job (`Accounts.flush_activity`)."""

    def __init__(self) -> None:
        self._seen: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def seen(self, digest: str, moment: datetime) -> None:
        with self._lock:
            self._seen[digest] = moment

    def last_seen(self, digest: str, stored: datetime) -> datetime:
        with self._lock:
            return max(stored, self._seen.get(digest, stored))

    def take(self) -> dict[str, datetime]:
        with self._lock:
            seen, self._seen = self._seen, {}
        return seen


class Accounts:
    def __init__(self, ledger: Ledger, settings: Settings, hasher: PasswordHasher | None = None):
        self.ledger = ledger
        self.settings = settings
        # argon2id with the library's current parameters; tests hand in cheap ones (bootstrap).
        self.hasher = hasher or PasswordHasher()
        self.store = ledger.projection.store
        self.login_limit = RateLimit(settings.login_per_address, 15 * 60)
        self._unknown_hash = self.hasher.hash(secrets.token_urlsafe(16))  # what an unknown name is checked against
        self.activity = SessionActivity()

    def now(self) -> datetime:
        return self.ledger.now()

    # --- users -------------------------------------------------------------------------------

    def create_user(self, who: Principal, username: str, role: str, unit: str | None, password: str | None,
                    idempotency: Idempotency | None = None) -> tuple[Saved, str | None]:
        """Returns the saved user and, when no password was given, the initial one (shown once).
        The API and `evalctl create-user` (who: the operator) both come through here."""
        given = password
        password = password or initial_password()

        def build() -> tuple[str, list[Aggregate]]:
            self._check_role(role, unit)
            check_assignment(who.role, CREATE, role)
            check_username(username)
            if given is not None:
                check_password(given, username)
            self._check_name_free(username)
            user = User(username=username, role=role, unit=unit, password_hash=self.hasher.hash(password),
                        actor=who.username, recorded_at=self.now())
            return str(user.id), [user]

        saved = self.ledger.write("user", idempotency, build)
        return saved, None if given is not None or saved.replayed else password

    def _check_role(self, role: str, unit: str | None) -> None:
        if role not in ROLES:
            raise Invalid("role", f"角色 {role!r} 不存在,应为 {'、'.join(ROLES)} 之一")
        if role == "unit_admin" and not unit:
            raise Invalid("unit", "单位管理员必须指定所属单位")
        if role == "unit_admin":
            # A unit the roster does not name would see no subject at all (review finding: 县人社局
            # for 县人力资源和社会保障局). Before any roster is loaded, any unit is taken.
            known = self.ledger.projection.units()
            if known and unit not in known:
                listed = "、".join(known[:12]) + ("等" if len(known) > 12 else "")
                raise Invalid("unit", f"单位 {unit!r} 不在花名册中,请按花名册填写全称:{listed}")

    def _check_name_free(self, username: str) -> None:
        """The store itself refuses a second account of the same case-folded name (its id);
        accounts made before names were case-folded are found through the read model (which
        every command keeps in its own transaction)."""
        taken = any(self.ledger.find(User, i) is not None for i in User.ids_for(username))
        if not taken:
            taken = bool(accounts_model.user_ids_named(self.store, username))
        if taken:
            raise Conflict("username", f"用户名 {username} 已存在(用户名不区分大小写)")

    def any_account(self) -> bool:
        """Whether any account exists yet (the first start tells how to create the first one)."""
        return self.ledger.projection.latest_of_topic(USER_CREATED) is not None

    def user(self, user_id: str) -> User:
        return self.ledger.get(User, user_id, "user_id")

    def find_user(self, username: str) -> User | None:
        for user_id in User.ids_for(username):
            user = self.ledger.find(User, user_id)
            if user is not None:
                return user
        return None

    def _target(self, who: Principal, user_id: str, action: str) -> User:
        """The account an administrator acts on, if the 三员 table lets this caller act on it."""
        user = self.user(user_id)
        if str(user.id) == who.user_id:
            raise Forbidden("user_id", "不能对自己的账号执行此操作")
        check_assignment(who.role, action, user.role, "user_id")
        return user

    def reset_password(self, who: Principal, user_id: str) -> str:
        """A new initial password (shown once); the user's sessions and API tokens end."""
        password = initial_password()

        def build() -> tuple[str, list[Aggregate]]:
            user = self._target(who, user_id, RESET)
            user.change_password(password_hash=self.hasher.hash(password), must_change=True, actor=who.username,
                                 recorded_at=self.now())
            return str(user.id), [user]

        saved = self.ledger.write("user", None, build)
        self._end_sessions(saved.id)
        return password

    def set_role(self, who: Principal, user_id: str, role: str, unit: str | None) -> Saved:
        def build() -> tuple[str, list[Aggregate]]:
            self._check_role(role, unit)
            user = self._target(who, user_id, ROLE)
            check_assignment(who.role, ROLE, role)
            user.change_role(role=role, unit=unit, actor=who.username, recorded_at=self.now())
            return str(user.id), [user]

        return self.ledger.write("user", None, build)

    def unlock(self, username: str) -> None:
        with self.store.transaction() as cur:
            cur.execute("DELETE FROM {p}auth_lockouts WHERE username = ?", [username_key(username)])

    # --- login and sessions --------------------------------------------------------------------

    def login(self, username: str, password: str, address: str | None) -> Session:
        if not self.login_limit.allow(address or "unknown"):
            # Not an event per refused guess: the operation log counts these per address and minute.
            wait = self.login_limit.seconds_until_free(address or "unknown")
            raise TooMany("username", f"该地址登录失败次数过多,请 {max(1, (wait + 59) // 60)} 分钟后再试", wait)
        now = self.now()
        key = username_key(username)
        user = self.find_user(username)
        attempt, locked_until = self._count_attempt(key, now)
        if locked_until is not None and locked_until > now:
            self._attempt(username, address, False, "locked")
            raise Locked(locked_until)
        if attempt > LOCK_AFTER:
            # Five attempts are being checked or have failed: this one is not checked (guesses sent
            # at once get five checks at most). It is not a failure either: the lock comes from the
            # fifth failure, so correct logins sent at once do not lock the account (review finding).
            self._attempt(username, address, False, "too many at once")
            raise TooMany("password", "该账号同时有多个登录请求,请稍后再试", retry_after=2)
        # An unknown name is checked against a hash of the same cost: no timing tells them apart.
        right = self._verify(user.password_hash if user else self._unknown_hash, password) and user is not None
        if not right:
            self._attempt(username, address, False, "wrong username or password")
            if attempt >= LOCK_AFTER:
                raise Locked(self._lock(key, now))
            raise Unauthenticated("password", "用户名或密码错误")
        assert user is not None
        self._succeeded(key)
        # Only failures count against the address: an office behind one NAT address logs in
        # dozens of times a morning (review finding: 30 correct logins locked everyone out).
        self.login_limit.give_back(address or "unknown")
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

    def _count_attempt(self, key: str, now: datetime) -> tuple[int, datetime | None]:
        """Counts this attempt before its password is checked, in one statement, so that
        concurrent attempts from any process each get a number of their own; a lock that has
        run out starts the count again. Returns this attempt's number and the lock's end, if any."""
        moment = utc_text(now)
        with self.store.transaction() as cur:
            row = cur.one(
                "INSERT INTO {p}auth_lockouts (username, failures, locked_until) VALUES (?, 1, NULL)"
                " ON CONFLICT (username) DO UPDATE SET"
                " failures = CASE WHEN {p}auth_lockouts.locked_until <= ? THEN 1 ELSE {p}auth_lockouts.failures + 1 END,"
                " locked_until = CASE WHEN {p}auth_lockouts.locked_until <= ? THEN NULL"
                " ELSE {p}auth_lockouts.locked_until END"
                " RETURNING failures, locked_until", [key, moment, moment])
        until = row["locked_until"]
        return int(row["failures"]), datetime.fromisoformat(until) if until else None

    def _lock(self, key: str, now: datetime) -> datetime:
        """Locks the account from now (a lock already running keeps its end); returns the end."""
        with self.store.transaction() as cur:
            row = cur.one(
                "INSERT INTO {p}auth_lockouts (username, failures, locked_until) VALUES (?, ?, ?)"
                " ON CONFLICT (username) DO UPDATE SET"
                " locked_until = COALESCE({p}auth_lockouts.locked_until, excluded.locked_until)"
                " RETURNING locked_until", [key, LOCK_AFTER, utc_text(now + LOCK_FOR)])
        return datetime.fromisoformat(row["locked_until"])

    def _succeeded(self, key: str) -> None:
        with self.store.transaction() as cur:
            cur.execute("DELETE FROM {p}auth_lockouts WHERE username = ?", [key])

    def logout(self, token: str) -> None:
        with self.store.transaction() as cur:
            cur.execute("UPDATE {p}auth_sessions SET revoked = 1 WHERE token_hash = ?", [token_digest(token)])

    def _end_sessions(self, user_id: str, keep: str | None = None) -> None:
        with self.store.transaction() as cur:
            cur.execute("UPDATE {p}auth_sessions SET revoked = 1 WHERE user_id = ? AND token_hash <> ?",
                        [user_id, token_digest(keep) if keep else ""])

    def change_password(self, who: Principal, old: str, new: str, keep_session: str | None = None) -> None:
        """The user's own change: every API token issued before it and every other session end;
        the session it is made in (`keep_session`, a session token) goes on."""

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
        self._end_sessions(who.user_id, keep=keep_session)

    # --- authenticating a request --------------------------------------------------------------

    def authenticate(self, token: str) -> tuple[Principal, bool]:
        """The principal behind a bearer token, and whether it must change its password first."""
        admin = self.settings.admin_token
        if admin and secrets.compare_digest(token.encode(), admin.encode()):
            return Principal("bootstrap-admin", "admin", "office_admin", None), False
        now = self.now()
        digest = token_digest(token)
        # One read of the read model (the users and tokens it keeps, projections/accounts.py):
        # authenticating a request neither replays the user's events nor writes anything.
        with self.store.transaction(commit=False) as cur:
            row = cur.one("SELECT s.*, u.username, u.role, u.unit, u.must_change FROM {p}auth_sessions s"
                          " JOIN {p}rm_users u ON u.user_id = s.user_id WHERE s.token_hash = ?", [digest])
            issued = None if row is not None else cur.one(
                "SELECT t.*, u.username, u.role, u.unit, u.credentials_since FROM {p}rm_tokens t"
                " JOIN {p}rm_users u ON u.user_id = t.user_id WHERE t.token_id = ?",
                [str(ApiToken.create_id(digest=digest))])
        if row is not None:
            if row["revoked"]:
                raise Unauthenticated("Authorization", "会话已结束(已退出,或密码已修改或重置),请重新登录")
            if datetime.fromisoformat(row["expires_at"]) <= now:
                raise Unauthenticated("Authorization", "会话已超过 12 小时,请重新登录")
            if self.activity.last_seen(digest, datetime.fromisoformat(row["last_seen"])) + IDLE <= now:
                raise Unauthenticated("Authorization", "30 分钟无操作,会话已超时,请重新登录")
            self.activity.seen(digest, now)
            return Principal(row["user_id"], row["username"], row["role"], row["unit"]), bool(row["must_change"])
        if issued is None:
            raise Unauthenticated("Authorization", "令牌无效")
        since = issued["credentials_since"]
        if issued["revoked_at"] is not None or issued["expires_at"] <= utc_text(now) or \
                (since is not None and issued["issued_at"] <= since):
            raise Unauthenticated("Authorization", "令牌已过期或已吊销(修改或重置密码后,此前的令牌都失效)")
        return Principal(issued["user_id"], issued["username"], issued["role"], issued["unit"]), False

    def flush_activity(self) -> None:
        """Writes the sessions' last activity seen by this process (a background job, every
        minute and at shutdown): other processes then see it too, and no read ever writes."""
        seen = self.activity.take()
        if seen:
            with self.store.transaction() as cur:
                cur.executemany("UPDATE {p}auth_sessions SET last_seen = ? WHERE token_hash = ? AND last_seen < ?",
                                [(utc_text(moment), digest, utc_text(moment)) for digest, moment in seen.items()])

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

    def tokens(self, who: Principal) -> list[dict]:
        """The caller's own API tokens, newest first, each with whether it still works."""
        if who.user_id == "bootstrap-admin":
            return []
        now = self.now()
        user = self.user(who.user_id)
        listed = []
        for row in accounts_model.tokens_of(self.store, who.user_id):
            issued = self.ledger.get(ApiToken, row["token_id"], "token_id")
            listed.append({"id": row["token_id"], "name": issued.label, "label": issued.label,
                           "issued_at": issued.issued_at.isoformat(),
                           "expires_at": issued.expires_at.isoformat(),
                           "revoked_at": issued.revoked_at.isoformat() if issued.revoked_at else None,
                           "active": issued.valid_for(user, now)})
        return listed
