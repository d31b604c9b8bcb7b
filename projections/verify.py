"""`evalctl verify`: replays the whole log and compares the result with the live read model,
naming every difference (a read model edited by hand, a projection bug, a lost update)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from projections.replay import replay_all
from projections.scorecards import NAME, ScorecardProjection, _subject_from_row


@dataclass(frozen=True)
class Difference:
    subject_id: str
    period: str | None
    what: str

    def __str__(self) -> str:
        where = f"{self.subject_id} {self.period}" if self.period else self.subject_id
        return f"{where}: {self.what}"


def _describe(live: dict | None, replayed: dict | None) -> str:
    if live is None:
        return "读模型中缺少这张考评表"
    if replayed is None:
        return "读模型中多出这张考评表(重放日志得不到)"
    fields = [k for k in ("total", "bonus", "vetoed", "veto_reasons") if live.get(k) != replayed.get(k)]
    if fields:
        return ";".join(f"{k}: 读模型 {live.get(k)},重放 {replayed.get(k)}" for k in fields)
    if live.get("sections") != replayed.get("sections"):
        return "分项得分不一致"
    return "明细条目不一致"


def verify(projection: ScorecardProjection, on_page: Callable[[int], None] | None = None) -> tuple[int, list[Difference]]:
    projection.catch_up()
    store = projection.store
    with store.snapshot() as cur:
        position = int(cur.one("SELECT position FROM {p}rm_tracking WHERE name = ?", [NAME])["position"])
        rows = cur.all("SELECT subject_id, period, card, total, vetoed FROM {p}rm_cards")
        live_cards = {(r["subject_id"], r["period"]): json.loads(r["card"]) for r in rows}
        # The standings read these columns, not the card: they must agree with it too.
        columns = {(r["subject_id"], r["period"]): (Decimal(r["total"]), bool(r["vetoed"])) for r in rows}
        live_subjects = {r["subject_id"]: _subject_from_row(r) for r in cur.all("SELECT * FROM {p}rm_subjects")}
    folded, replayed = replay_all(projection.recorder, projection.mapper, projection.rulebooks, position, on_page)
    differences = []
    for key in sorted(set(live_cards) | set(replayed)):
        live = live_cards.get(key)
        again = replayed[key].as_dict() if key in replayed else None
        if live != again:
            differences.append(Difference(key[0], key[1], _describe(live, again)))
        elif key in columns and again is not None and columns[key] != (Decimal(str(again["total"])), again["vetoed"]):
            differences.append(Difference(key[0], key[1], f"排名用的总分列 {columns[key]} 与考评表不一致"))
    for subject_id in sorted(set(live_subjects) | set(folded.subjects)):
        live, again = live_subjects.get(subject_id), folded.subjects.get(subject_id)
        if live != again:
            differences.append(Difference(subject_id, None, f"对象信息不一致:读模型 {live},重放 {again}"))
    return position, differences
