"""Lists the pages and the API show that the scorecard projection's own methods do not:
each a function over the read store (never a table of its own), so the read model stays
as it is and these queries stay in one place."""

from __future__ import annotations

from decimal import Decimal

from projections.store import ReadStore


def nominations_of(store: ReadStore, period: str, kind: str | None = None, unit: str | None = None) -> list[dict]:
    """The nominations (申报) of a period, with the subject's name, code and unit, oldest first."""
    where, params = ["n.period = ?"], [period]
    if kind:
        where.append("n.kind = ?")
        params.append(kind)
    if unit is not None:
        where.append("n.unit = ?")
        params.append(unit)
    with store.transaction(commit=False) as cur:
        rows = cur.all("SELECT n.nomination_id, n.subject_id, n.period, n.kind, n.unit, n.position, s.name, s.code"
                       " FROM {p}rm_nominations n LEFT JOIN {p}rm_subjects s ON s.subject_id = n.subject_id"
                       f" WHERE {' AND '.join(where)} ORDER BY n.position", params)
    return [dict(r) for r in rows]


def deductions_by_unit(store: ReadStore, kind: str, period: str) -> list[tuple[str, str, int]]:
    """(unit, rule, times) of the effective deductions now on the cards of a kind and period:
    what the desk's "most frequent deductions by unit" chart counts."""
    with store.transaction(commit=False) as cur:
        rows = cur.all("SELECT s.unit, e.rule_id, e.quantity, e.delta FROM {p}rm_entries e"
                       " JOIN {p}rm_subjects s ON s.subject_id = e.subject_id"
                       " WHERE e.period = ? AND s.kind = ? AND e.version_to IS NULL AND e.moved_away = 0"
                       " AND e.effective = 1", [period, kind])
    counted: dict[tuple[str, str], int] = {}
    for r in rows:
        if Decimal(r["delta"]) < 0:
            key = (r["unit"], r["rule_id"])
            counted[key] = counted.get(key, 0) + int(r["quantity"] or 1)
    return [(unit, rule, times) for (unit, rule), times in counted.items()]


def audit_page(store: ReadStore, since: str | None, until: str | None, actor: str | None, action: str | None,
               failed_only: bool, offset: int, limit: int) -> tuple[int, list[dict]]:
    """One page of the operation and login log (newest first, by time) and how many rows match.
    `since`/`until` are UTC texts as the table keeps them; `action` matches part of the action."""
    where, params = ["1 = 1"], []
    for clause, value in (("at >= ?", since), ("at < ?", until), ("actor = ?", actor)):
        if value:
            where.append(clause)
            params.append(value)
    if action:
        where.append("action LIKE ?")
        params.append(f"%{action}%")
    if failed_only:
        where.append("success = 0")
    condition = " AND ".join(where)
    with store.transaction(commit=False) as cur:
        count = int(cur.one(f"SELECT COUNT(*) AS n FROM {{p}}rm_audit WHERE {condition}", params)["n"])
        # Newest first by time: a refused request is logged after the command it did not make.
        rows = cur.all(f"SELECT * FROM {{p}}rm_audit WHERE {condition} ORDER BY at DESC, position DESC LIMIT ? OFFSET ?",
                       [*params, limit, offset])
    return count, [dict(r) for r in rows]


def lockouts(store: ReadStore, now_text: str) -> dict[str, str]:
    """Accounts locked now after failed logins: username → locked until (UTC text)."""
    with store.transaction(commit=False) as cur:
        rows = cur.all("SELECT username, locked_until FROM {p}auth_lockouts WHERE locked_until > ?", [now_text])
    return {r["username"]: r["locked_until"] for r in rows}
