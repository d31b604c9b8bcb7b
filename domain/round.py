"""The evaluation round of one kind in one period (评选流程): closed with its standings frozen,
the tie at the cut-off decided by the leading group, public notice (公示) with objections
(异议), and the final list. Status runs open → closed → notice → final; a period without a
round aggregate is open.

The proposal is a pure function of the frozen standings: the nominated, non-vetoed subjects by
total, up to the quota. A tie across the cut-off is never broken silently (rulebook point 10).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import Conflict, Invalid
from domain.ids import stable_id
from domain.periods import SHANGHAI, Period, start_of_local_day
from domain.scoring import shared_places
from domain.topics import stable_topics


@stable_topics("Round", "domain.round")
class Round(Aggregate):
    @staticmethod
    def create_id(kind: str, period: str, **_: object) -> UUID:
        return stable_id("round", kind, period)

    @event("Closed")
    def __init__(self, kind: str, period: str, closed_at: datetime, frozen_position: int, standings: list[dict],
                 rulebook: str, actor: str, recorded_at: datetime):
        self.kind = kind
        self.period = period
        self.closed_at = closed_at
        self.frozen_position = frozen_position
        self.standings = standings
        self.rulebook = rulebook
        self.status = "closed"
        self.tie_decision: dict | None = None
        self.notice: dict | None = None
        self.objections: dict[str, bool | None] = {}  # objection id → upheld (None: not ruled yet)
        self.final: dict | None = None
        self.revisions: list[dict] = []

    @event("TieDecided")
    def decide_tie(self, chosen: list[str], note: str, actor: str, recorded_at: datetime) -> None:
        self.tie_decision = {"chosen": chosen, "note": note, "actor": actor, "recorded_at": recorded_at}

    @event("NoticePublished")
    def publish(self, listed: list[dict], starts: datetime, ends: datetime, chain_head: dict, actor: str,
                recorded_at: datetime) -> None:
        self.status = "notice"
        self.notice = {"listed": listed, "starts": starts, "ends": ends, "actor": actor, "chain_head": chain_head}

    @event("ObjectionLodged")
    def objection_lodged(self, objection_id: str, subject_id: str) -> None:
        self.objections[objection_id] = None

    @event("ObjectionRuled")
    def objection_ruled(self, objection_id: str, subject_id: str, upheld: bool) -> None:
        self.objections[objection_id] = upheld

    @event("Finalised")
    def finalise(self, final_list: list[dict], removed: list[dict], chain_head: dict, actor: str,
                 recorded_at: datetime) -> None:
        self.status = "final"
        self.final = {"list": final_list, "removed": removed, "actor": actor, "at": recorded_at,
                      "chain_head": chain_head}

    @event("Revised")
    def revise(self, number: int, cause: dict, changes: list[dict], standings: list[dict], position: int,
               after_final: bool, actor: str, recorded_at: datetime) -> None:
        """A change of the frozen standings after close (a dispute upheld, a late complaint
        verdict): never silent, numbered, with every subject's old and new total and rank.
        After the final list it is flagged for the leading group, and the list stays as it is."""
        self.standings = standings
        self.revisions.append({"number": number, "cause": cause, "changes": changes, "position": position,
                               "after_final": after_final, "actor": actor, "recorded_at": recorded_at})

    def proposal(self, quota: int) -> Proposal:
        return propose(self.standings, quota, self.tie_decision["chosen"] if self.tie_decision else None)

    def unruled_objections(self) -> list[str]:
        return [o for o, upheld in self.objections.items() if upheld is None]


def standings_changes(old: list[dict], new: list[dict]) -> list[dict]:
    """Every subject whose total, veto or rank differs between two standings."""
    before = {s["subject_id"]: s for s in old}
    after = {s["subject_id"]: s for s in new}
    changes = []
    for subject_id in list(before) + [s for s in after if s not in before]:
        b, a = before.get(subject_id), after.get(subject_id)
        key = ("total", "vetoed", "rank")
        if b is None or a is None or any(b[k] != a[k] for k in key):
            changes.append({
                "subject_id": subject_id, "name": (a or b)["name"],
                "old_total": b and b["total"], "new_total": a and a["total"],
                "old_rank": b and b["rank"], "new_rank": a and a["rank"],
                "old_vetoed": b and b["vetoed"], "new_vetoed": a and a["vetoed"],
            })
    return changes


@dataclass(frozen=True)
class Proposal:
    quota: int
    items: list[dict]          # the proposed list, in order, each with its rank among the eligible
    tie_at_cutoff: bool
    tied: list[str]            # subjects tied across the cut-off
    places_for_tied: int       # how many of the tied subjects fit under the quota
    decided: bool              # the leading group has chosen among the tied (or there is no tie)


def propose(standings: list[dict], quota: int, chosen: list[str] | None = None) -> Proposal:
    eligible = sorted((s for s in standings if s["nominated"] and not s["vetoed"]),
                      key=lambda s: (-s["total"], s["name"], s["subject_id"]))
    places = shared_places((s["subject_id"], s["total"]) for s in eligible)
    ranked = [{"subject_id": s["subject_id"], "name": s["name"], "unit": s.get("unit", ""), "total": s["total"],
               "rank": places[s["subject_id"]]} for s in eligible]
    if len(ranked) <= quota or ranked[quota - 1]["total"] != ranked[quota]["total"]:
        return Proposal(quota, ranked[:quota], False, [], 0, True)
    cutoff = ranked[quota - 1]["total"]
    above = [r for r in ranked if r["total"] > cutoff]
    tied = [r for r in ranked if r["total"] == cutoff]
    places_for_tied = quota - len(above)
    if chosen is None:
        return Proposal(quota, above + tied, True, [r["subject_id"] for r in tied], places_for_tied, False)
    kept = [r for r in tied if r["subject_id"] in chosen]
    return Proposal(quota, above + kept, True, [r["subject_id"] for r in tied], places_for_tied, True)


def check_tie_choice(proposal: Proposal, chosen: list[str]) -> None:
    if not proposal.tie_at_cutoff:
        raise Conflict("chosen", "本期拟推荐名单在名额线上没有并列,无需决定")
    if len(set(chosen)) != len(chosen):
        raise Invalid("chosen", "所选对象有重复")
    outside = [c for c in chosen if c not in proposal.tied]
    if outside:
        raise Invalid("chosen", f"所选对象不在名额线并列名单中:{'、'.join(outside)}")
    if len(chosen) != proposal.places_for_tied:
        raise Invalid("chosen", f"并列对象中应选 {proposal.places_for_tied} 个(名额 {proposal.quota} 个,"
                                f"并列线以上已有 {proposal.quota - proposal.places_for_tied} 个),而不是 {len(chosen)} 个")


def notice_end(starts: datetime, days: int, day_kind: str, holidays: set[date], workdays: set[date]) -> datetime:
    """When a public notice of `days` days ends. Calendar days: exactly that many days after it
    starts. Working days: 24:00 local of the last of that many working days after the start
    date, where a working day is Monday-Friday unless a holiday, or a make-up workday (调休)."""
    if day_kind == "calendar":
        return starts + timedelta(days=days)
    day = starts.astimezone(SHANGHAI).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if day in workdays or (day.weekday() < 5 and day not in holidays):
            counted += 1
    return start_of_local_day(day + timedelta(days=1))


def nomination_deadline(deadlines: dict[str, str], period: Period) -> datetime:
    """End of the deadline day, local time: nominations for workers and windows by 20 June (H1)
    and 20 December (H2), halls by 20 December (rulebook point 12)."""
    key = "Y" if period.half is None else f"H{period.half}"
    month, day = (int(x) for x in deadlines[key].split("-"))
    return start_of_local_day(date(period.year, month, day) + timedelta(days=1))
