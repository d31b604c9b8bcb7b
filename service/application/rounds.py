"""The evaluation round (section 四 of the notice) as commands on the ledger: close with the
standings frozen, the proposal, the leading group's tie decision, the public notice (公示),
objections (异议) and the final list. `tick` is the scheduler's job: it closes every period that
has ended and finalises every notice that can be; each step has a deterministic id, so running
it twice, or in two processes at once, changes nothing the second time."""

from __future__ import annotations

import logging
from datetime import date, datetime

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain.calendar import WorkCalendar
from domain.errors import Conflict, Invalid
from domain.objections import Objection
from domain.periods import CADENCE_OF_KIND, Period, beijing, check_period_kind, parse_period, period_of
from domain.round import Proposal, Round, check_tie_choice, nomination_deadline, notice_end, standings_changes
from domain.rulebook import KINDS
from domain.vocabulary import ROUND_STATUSES
from service.application.ledger import Idempotency, Ledger, Saved

log = logging.getLogger(__name__)
SCHEDULER = "scheduler"


class Rounds:
    def __init__(self, ledger: Ledger):
        self.ledger = ledger

    # --- reading ---------------------------------------------------------------------------

    def period(self, kind: str, period_id: str, field: str = "period") -> Period:
        """A period of this kind that a round can run in: not before the first rulebook."""
        period = parse_period(period_id, field)
        check_period_kind(period, kind)
        first = self.first_day()
        if period.first_day < first:
            raise Invalid(field, f"考评期 {period.id} 早于第一版考评标准的施行日期({first.isoformat()}),没有评选")
        return period

    def first_day(self) -> date:
        return self.ledger.library().first_day()

    def round(self, kind: str, period: Period) -> Round | None:
        return self.ledger.find(Round, Round.create_id(kind=kind, period=period.id))

    def require_round(self, kind: str, period: Period) -> Round:
        found = self.round(kind, period)
        if found is None:
            raise Conflict("period", f"考评期 {period.id} 尚未关闭,还没有冻结的排名")
        return found

    def status(self, kind: str, period: Period) -> str:
        found = self.round(kind, period)
        return "open" if found is None else found.status

    def quota(self, kind: str, period: Period) -> int:
        return self.ledger.rulebook_for(period).category(kind).quota

    def proposal(self, kind: str, period: Period) -> Proposal:
        return self.require_round(kind, period).proposal(self.quota(kind, period))

    def deadline(self, kind: str, period: Period) -> datetime:
        category = self.ledger.rulebook_for(period).category(kind)
        return nomination_deadline(category.nomination_deadlines, period)

    def calendar(self) -> WorkCalendar | None:
        return self.ledger.find(WorkCalendar, WorkCalendar.create_id())

    # --- the round's steps ------------------------------------------------------------------

    def close(self, actor: str, kind: str, period: Period, idempotency: Idempotency | None = None) -> Saved:
        """Freezes the standings at a log position; from now on nothing is recorded into the
        period (corrections go through disputes)."""

        def build() -> tuple[str, list[Aggregate]]:
            if self.round(kind, period) is not None:
                raise Conflict("period", f"考评期 {period.id} 已经关闭")
            now = self.ledger.now()
            if period.starts > now:
                raise Conflict("period", f"考评期 {period.id} 尚未开始,不能关闭")
            position, items = self.ledger.projection.standings(kind, period.id)
            closed = Round(kind=kind, period=period.id, closed_at=now, frozen_position=position, standings=items,
                           rulebook=self.ledger.rulebook_for(period).version, actor=actor, recorded_at=now)
            return str(closed.id), [closed]

        return self.ledger.write("round", idempotency, build)

    def decide_tie(self, actor: str, kind: str, period: Period, chosen: list[str], note: str,
                   idempotency: Idempotency | None = None) -> Saved:
        def build() -> tuple[str, list[Aggregate]]:
            found = self.require_round(kind, period)
            if found.status != "closed":
                raise Conflict("period", f"考评期 {period.id} 已{ROUND_STATUSES[found.status]},不能再改变并列决定")
            check_tie_choice(found.proposal(self.quota(kind, period)), chosen)
            found.decide_tie(chosen=chosen, note=note, actor=actor, recorded_at=self.ledger.now())
            return str(found.id), [found]

        return self.ledger.write("round", idempotency, build)

    def publish_notice(self, actor: str, kind: str, period: Period, idempotency: Idempotency | None = None) -> Saved:
        def build() -> tuple[str, list[Aggregate]]:
            found = self.require_round(kind, period)
            if found.status != "closed":
                raise Conflict("period", f"考评期 {period.id} 已{ROUND_STATUSES[found.status]},不能再次公示")
            proposal = found.proposal(self.quota(kind, period))
            if not proposal.items:
                raise Conflict("period", f"考评期 {period.id} 没有已申报且未被否决的对象,建议名单为空,不能发布公示")
            if not proposal.decided:
                raise Conflict("period", "名额线上有并列(" + "、".join(i["name"] for i in proposal.items if i["subject_id"]
                                in proposal.tied) + "),须先由领导小组决定(tie-decision)")
            now = self.ledger.now()
            settings = self.ledger.rulebook_for(period).settings
            calendar = self.calendar()
            ends = notice_end(now, settings.notice_days, settings.notice_day_kind,
                              calendar.of_kind("holiday") if calendar else set(),
                              calendar.of_kind("workday") if calendar else set())
            found.publish(listed=proposal.items, starts=now, ends=ends, chain_head=self.ledger.projection.chain_head(),
                          actor=actor, recorded_at=now)
            return str(found.id), [found]

        return self.ledger.write("round", idempotency, build)

    def lodge_objection(self, kind: str, period: Period, subject_id: str, text: str, contact: str | None,
                        address: str | None) -> Saved:
        def build() -> tuple[str, list[Aggregate]]:
            found = self.round(kind, period)
            now = self.ledger.now()
            if found is None or found.status != "notice" or now >= found.notice["ends"]:
                raise Conflict("period", f"考评期 {period.id} 的评选结果不在公示期内,不能提出异议")
            if subject_id not in {item["subject_id"] for item in found.notice["listed"]}:
                raise Invalid("subject_id", "该对象不在公示名单中")
            objection = Objection(period=period.id, kind=kind, subject_id=subject_id, text=text, contact=contact,
                                  received_at=now, address=address)
            found.objection_lodged(objection_id=str(objection.id), subject_id=subject_id)
            return str(objection.id), [objection, found]

        return self.ledger.write("objection", None, build)

    def rule_objection(self, actor: str, objection_id: str, upheld: bool, note: str,
                       idempotency: Idempotency | None = None) -> Saved:
        def build() -> tuple[str, list[Aggregate]]:
            objection = self.ledger.get(Objection, objection_id, "objection_id")
            found = self.require_round(objection.kind, parse_period(objection.period))
            if found.status == "final":
                raise Conflict("objection_id", "名单已确定,不能再处理异议")
            objection.rule(upheld=upheld, note=note, actor=actor, recorded_at=self.ledger.now())
            found.objection_ruled(objection_id=str(objection.id), subject_id=objection.subject_id, upheld=upheld)
            return str(objection.id), [objection, found]

        return self.ledger.write("objection", idempotency, build)

    def finalise(self, actor: str, kind: str, period: Period, idempotency: Idempotency | None = None) -> Saved:
        def build() -> tuple[str, list[Aggregate]]:
            found = self.require_round(kind, period)
            self.check_can_finalise(found)
            removed = self.removed_by_objections(found)
            final_list = [i for i in found.notice["listed"] if i["subject_id"] not in removed]
            reasons = [{"subject_id": s, "name": next(i["name"] for i in found.notice["listed"] if i["subject_id"] == s),
                        "reason": f"异议成立:{note}"} for s, note in removed.items()]
            found.finalise(final_list=final_list, removed=reasons, chain_head=self.ledger.projection.chain_head(),
                           actor=actor, recorded_at=self.ledger.now())
            return str(found.id), [found]

        return self.ledger.write("round", idempotency, build)

    def check_can_finalise(self, found: Round) -> None:
        if found.status == "final":
            raise Conflict("period", f"考评期 {found.period} 的名单已确定")
        if found.status != "notice":
            proposal = found.proposal(self.quota(found.kind, parse_period(found.period)))
            if not proposal.decided:
                raise Conflict("period", "名额线上有并列,尚未由领导小组决定,也尚未公示")
            raise Conflict("period", f"考评期 {found.period} 尚未公示,不能确定名单")
        if not found.notice["listed"]:
            raise Conflict("period", f"考评期 {found.period} 公示的名单为空,没有可以确定的名单")
        if self.ledger.now() < found.notice["ends"]:
            raise Conflict("period", f"公示期到 {beijing(found.notice['ends'])} 才结束,不能提前确定名单")
        if found.unruled_objections():
            raise Conflict("period", f"还有 {len(found.unruled_objections())} 件异议尚未处理")

    def removed_by_objections(self, found: Round) -> dict[str, str]:
        removed = {}
        for objection_id, upheld in found.objections.items():
            if upheld:
                objection = self.ledger.get(Objection, objection_id, "objection_id")
                removed[objection.subject_id] = objection.ruling["note"]
        return removed

    def revise(self, actor: str, kind: str, period: Period, cause: dict) -> Saved | None:
        """Brings a closed round's frozen standings up to the log after a change the rules
        allow (an upheld dispute, a late complaint verdict): a numbered revision with every
        subject's old and new total and rank. Nothing to do for an open period."""

        def build() -> tuple[str, list[Aggregate]]:
            found = self.require_round(kind, period)
            position, items = self.ledger.projection.standings(kind, period.id)
            found.revise(number=len(found.revisions) + 1, cause=cause, changes=standings_changes(found.standings, items),
                         standings=items, position=position, after_final=found.status == "final", actor=actor,
                         recorded_at=self.ledger.now())
            return str(found.id), [found]

        if self.round(kind, period) is None:
            return None
        return self.ledger.write("round", None, build)

    def revise_where(self, actor: str, record_id: str, cause: dict) -> None:
        """Revises every closed round a late change touches (a dispute upheld, a complaint
        substantiated after close): wherever the record counts, a worker's veto on its window too."""
        touched = set()
        for _, period_id, rule_id in self.ledger.projection.targets_of(record_id):
            period = parse_period(period_id)
            touched.add((self.ledger.rulebook_for(period).kind_of_rule(rule_id), period))
        for kind, period in sorted(touched, key=lambda t: (t[0], t[1].id)):
            self.revise(actor, kind, period, cause)

    def reconcile(self) -> list[str]:
        """At start-up: a closed round whose frozen (or last revised) standings no longer match
        the log gets a revision. This completes a ruling whose process died between saving
        the ruling and saving its revision (two transactions), so no change stays silent."""
        done = []
        for kind in KINDS:
            for period in self.periods_so_far(kind):
                found = self.round(kind, period)
                if found is None:
                    continue
                _, items = self.ledger.projection.standings(kind, period.id)
                if standings_changes(found.standings, items):
                    self.revise(SCHEDULER, kind, period, {"reconciled_at_start": True})
                    done.append(f"revise {kind} {period.id}")
        return done

    # --- the scheduler's job ------------------------------------------------------------------

    def periods_so_far(self, kind: str) -> list[Period]:
        """Every period of a kind from the first rulebook's start up to the one containing now."""
        period = period_of(CADENCE_OF_KIND[kind], self.first_day())
        now = self.ledger.now()
        periods = []
        while period.starts <= now:
            periods.append(period)
            period = period.next()
        return periods

    def tick(self) -> list[str]:
        """Closes every period whose end has passed and finalises every notice that has run
        with its objections ruled. Returns what it did (empty when there was nothing to do)."""
        with self.ledger.projection.store.exclusive("evaluation-round-tick") as mine:
            return self._tick() if mine else []

    def _tick(self) -> list[str]:
        done = []
        now = self.ledger.now()
        for kind in KINDS:
            for period in self.periods_so_far(kind):
                found = self.round(kind, period)
                if found is None and period.ends <= now:
                    done += self._quietly(self.close, kind, period)
                elif found is not None and found.status == "notice":
                    try:
                        self.check_can_finalise(found)
                    except Conflict:
                        continue
                    done += self._quietly(self.finalise, kind, period)
        for line in done:
            log.info("scheduler: %s", line)
        return done

    @staticmethod
    def _quietly(step, kind: str, period: Period) -> list[str]:
        """Another process may have done the same step a moment earlier: that is success."""
        try:
            step(SCHEDULER, kind, period)
        except (Conflict, IntegrityError):
            return []
        return [f"{step.__name__} {kind} {period.id}"]


def round_public(rounds: Rounds, kind: str, period: Period) -> dict:
    found = rounds.round(kind, period)
    body = {
        "period": period.id, "kind": kind, "status": "open" if found is None else found.status,
        "starts": period.starts.isoformat(), "ends": period.ends.isoformat(),
        "nomination_deadline": rounds.deadline(kind, period).isoformat(), "quota": rounds.quota(kind, period),
    }
    if found is None:
        return body
    body.update({"closed_at": found.closed_at.isoformat(), "frozen_position": found.frozen_position,
                 "rulebook": found.rulebook})
    if found.tie_decision:
        body["tie_decision"] = {**found.tie_decision, "recorded_at": found.tie_decision["recorded_at"].isoformat()}
    if found.notice:
        body.update({"notice_starts": found.notice["starts"].isoformat(), "notice_ends": found.notice["ends"].isoformat(),
                     "notice_list": found.notice["listed"],
                     "objections": {"open": len(found.unruled_objections()), "total": len(found.objections)}})
    if found.notice:
        body["notice_chain_head"] = found.notice["chain_head"]
    if found.final:
        body.update({"final_list": found.final["list"], "removed": found.final["removed"],
                     "finalised_at": found.final["at"].isoformat(), "chain_head": found.final["chain_head"]})
    body["revisions"] = [{**r, "recorded_at": r["recorded_at"].isoformat()} for r in found.revisions]
    body["revised_after_final"] = any(r["after_final"] for r in found.revisions)
    return body

