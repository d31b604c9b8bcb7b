"""The accounts read model: users and their API tokens as the log says (for listing a user's own
tokens and telling usernames apart without regard to case), and what account events put into
the audit trail: who created which account with which role, reset a password, changed a role
(with the new one), issued or revoked a token; and the counts of refused anonymous requests.

Derived tables (projections/schema.py), applied by the writer in the transaction that appends
the events (`apply`), rebuilt with the rest."""

from __future__ import annotations

from typing import Any

from domain.accounts import ApiToken, RefusedRequests, User, username_key
from projections.book import utc_text
from projections.store import Cursor, ReadStore

# name → (columns, indexes), as projections/schema.py's DERIVED.
TABLES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "rm_users": ("user_id TEXT PRIMARY KEY, username TEXT NOT NULL, username_key TEXT NOT NULL, role TEXT NOT NULL,"
                 " unit TEXT, must_change INTEGER NOT NULL, credentials_since TEXT, position BIGINT NOT NULL",
                 [("key", "username_key")]),
    "rm_tokens": ("token_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, label TEXT NOT NULL, issued_at TEXT NOT NULL,"
                  " expires_at TEXT NOT NULL, revoked_at TEXT, position BIGINT NOT NULL", [("user", "user_id, position")]),
}
ACCOUNT_EVENTS = (User.Created, User.PasswordChanged, User.RoleChanged, ApiToken.Issued, ApiToken.Revoked,
                  RefusedRequests.Counted)


def _user(cur: Cursor, user_id: str) -> Any:
    return cur.one("SELECT * FROM {p}rm_users WHERE user_id = ?", [user_id])


def _audit(cur: Cursor, position: int, event: Any, action: str, detail: str) -> None:
    cur.execute("INSERT INTO {p}rm_audit (position, at, actor, role, address, action, status, success, detail)"
                " VALUES (?, ?, ?, NULL, NULL, ?, NULL, 1, ?)",
                [position, utc_text(event.recorded_at), event.actor, action, detail])


def _refusals(cur: Cursor, position: int, event: Any) -> None:
    statuses = "、".join(f"{status} ×{n}" for status, n in sorted(event.statuses.items()))
    cur.execute("INSERT INTO {p}rm_audit (position, at, actor, role, address, action, status, success, detail)"
                " VALUES (?, ?, 'anonymous', NULL, ?, 'refused', NULL, 0, ?)",
                [position, utc_text(event.minute), event.address,
                 f"{event.count} 次未登录请求被拒绝({statuses}),例如 {event.sample}"])


def apply(cur: Cursor, position: int, event: Any) -> None:
    """One event of the log, in the catch-up's transaction (most events are not about accounts)."""
    if not isinstance(event, ACCOUNT_EVENTS):
        return
    key = str(event.originator_id)
    if isinstance(event, RefusedRequests.Counted):
        _refusals(cur, position, event)
    elif isinstance(event, User.Created):
        cur.execute("INSERT INTO {p}rm_users (user_id, username, username_key, role, unit, must_change,"
                    " credentials_since, position) VALUES (?, ?, ?, ?, ?, 1, NULL, ?)",
                    [key, event.username, username_key(event.username), event.role, event.unit, position])
        _audit(cur, position, event, "user.created", f"{event.username}:{event.role}" + (f"({event.unit})"
                                                                                       if event.unit else ""))
    elif isinstance(event, User.PasswordChanged):
        row = _user(cur, key)
        cur.execute("UPDATE {p}rm_users SET must_change = ?, credentials_since = ?, position = ? WHERE user_id = ?",
                    [int(event.must_change), utc_text(event.recorded_at), position, key])
        _audit(cur, position, event, "user.password_reset" if event.must_change else "user.password_changed",
               row["username"] if row else key)
    elif isinstance(event, User.RoleChanged):
        row = _user(cur, key)
        cur.execute("UPDATE {p}rm_users SET role = ?, unit = ?, position = ? WHERE user_id = ?",
                    [event.role, event.unit, position, key])
        before = f"{row['role']}" if row else "?"
        _audit(cur, position, event, "user.role_changed",
               f"{row['username'] if row else key}:{before} → {event.role}" + (f"({event.unit})" if event.unit else ""))
    elif isinstance(event, ApiToken.Issued):
        cur.execute("INSERT INTO {p}rm_tokens (token_id, user_id, label, issued_at, expires_at, revoked_at, position)"
                    " VALUES (?, ?, ?, ?, ?, NULL, ?)",
                    [key, event.user_id, event.label, utc_text(event.recorded_at), utc_text(event.expires_at), position])
        _audit(cur, position, event, "token.issued", f"{event.username}:{event.label}")
    elif isinstance(event, ApiToken.Revoked):
        cur.execute("UPDATE {p}rm_tokens SET revoked_at = ? WHERE token_id = ?", [utc_text(event.recorded_at), key])
        _audit(cur, position, event, "token.revoked", key)


def user_ids_named(store: ReadStore, username: str) -> list[str]:
    """Accounts whose name differs from this one only by case."""
    with store.transaction(commit=False) as cur:
        rows = cur.all("SELECT user_id FROM {p}rm_users WHERE username_key = ?", [username_key(username)])
    return [r["user_id"] for r in rows]


def tokens_of(store: ReadStore, user_id: str) -> list[dict]:
    """A user's API tokens, newest first."""
    with store.transaction(commit=False) as cur:
        rows = cur.all("SELECT token_id, label, issued_at, expires_at, revoked_at FROM {p}rm_tokens"
                       " WHERE user_id = ? ORDER BY position DESC", [user_id])
    return [dict(r) for r in rows]


def users(store: ReadStore) -> list[dict]:
    with store.transaction(commit=False) as cur:
        rows = cur.all("SELECT user_id, username, role, unit, must_change FROM {p}rm_users ORDER BY username_key")
    return [dict(r) for r in rows]
