"""What each JSON operation answers, declared so that `/openapi.json` shows it and every answer
is checked against it (FastAPI validates a route's answer by its `response_model`; an answer
with a field its model does not declare fails the request in the tests, not silently). Named
`XPublic` after the resource. Times are ISO 8601 with offset; points are numbers (95 or 92.5)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Number = int | float


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- health, accounts -----------------------------------------------------------------------

class HealthPublic(Answer):
    status: Literal["ok"]
    store: Literal["sqlite", "postgresql"]
    now: str
    log_position: int
    read_model_position: int


class SessionPublic(Answer):
    token: str
    expires_at: str
    must_change_password: bool


class TokenIssued(Answer):
    id: str
    token: str  # shown once
    name: str
    label: str
    expires_at: str


class TokenPublic(Answer):
    id: str
    name: str
    label: str
    issued_at: str
    expires_at: str
    revoked_at: str | None
    active: bool


class TokensPublic(Answer):
    items: list[TokenPublic]


class TokenRevoked(Answer):
    id: str
    revoked: bool


class UserPublic(Answer):
    id: str
    username: str
    role: str
    unit: str | None
    must_change_password: bool
    initial_password: str | None = None  # shown once, when the password was made by the service


class UsersPublic(Answer):
    items: list[UserPublic]


class AuditEntry(Answer):
    position: int
    at: str
    actor: str
    role: str | None
    address: str | None
    action: str
    status: int | None
    success: bool
    detail: str | None


class AuditLogPublic(Answer):
    items: list[AuditEntry]
    retention_days: int


# --- subjects, records, complaints, figures ------------------------------------------------------

class Assignment(Answer):
    parent_id: str
    effective_at: str | None


class SubjectPublic(Answer):
    id: str
    kind: Literal["hall", "window", "worker"]
    name: str
    unit: str
    code: str | None
    parent_id: str | None = None
    assignments: list[Assignment]


class SubjectsPublic(Answer):
    items: list[SubjectPublic]


class Target(Answer):
    subject_id: str
    period: str
    rule_id: str


class Retraction(Answer):
    reason: str
    actor: str
    recorded_at: str


class AttendanceRow(Answer):
    date: str
    kind: Literal["late", "early_leave", "absent"]
    minutes: int | None
    excused: bool
    occurrence: str


class RecordPublic(Answer):
    id: str
    subject_id: str
    rule_id: str | None
    occurred_at: str
    recorded_at: str
    source: str
    note: str
    quantity: int
    points: Number | None
    evidence: list[str]
    actor: str
    period: str | None
    counts_in: list[Target]
    position: int | None
    effective: bool
    retraction: Retraction | None
    attendance: AttendanceRow | None = None


class HistoryEvent(Answer):
    model_config = ConfigDict(extra="allow")  # each kind of event adds its own fields (rule, reason, grounds…)

    event: str
    version: int
    position: int | None
    actor: str
    received_at: str
    occurred_at: str


class RecordHistoryPublic(Answer):
    record_id: str
    subject_id: str
    effective: bool
    events: list[HistoryEvent]


class Verdict(Answer):
    substantiated: bool
    note: str
    actor: str
    recorded_at: str


class ComplaintPublic(Answer):
    id: str
    subject_id: str
    received_at: str
    recorded_at: str
    channel: str
    summary: str
    status: Literal["open", "substantiated", "dismissed"]
    period: str | None
    counts_in: list[Target]
    position: int | None
    verdict: Verdict | None


class FiguresPublic(Answer):
    hall_id: str
    year: int
    case_volume: int | None
    wrong_elements: int | None
    systems_missing: list[str] | None
    satisfaction_rate: Number | None


# --- scorecards and standings --------------------------------------------------------------------

class SectionPublic(Answer):
    id: str
    title: str
    max: Number
    deducted: Number
    score: Number


class LinePublic(Answer):
    record_id: str | None
    rule_id: str
    occurred_at: str | None
    recorded_at: str | None
    delta: Number
    effective: bool
    note: str
    origin: str
    quantity: int
    points: Number | None
    from_subject_id: str | None
    actor: str
    reason: str
    recorded_rule_id: str  # the rule the record named (rule_id: what it counts under in this period's version)


class ScorecardPublic(Answer):
    subject_id: str
    kind: str
    period: str
    rulebook: str
    total: Number
    bonus: Number
    vetoed: bool
    veto_reasons: list[str]
    sections: list[SectionPublic]
    entries: list[LinePublic]
    as_of_position: int


class Standing(Answer):
    subject_id: str
    name: str
    unit: str
    code: str | None
    total: Number
    bonus: Number
    vetoed: bool
    veto_reasons: list[str]
    rank: int | None
    nominated: bool


class StandingsPublic(Answer):
    period: str
    kind: str
    status: str
    as_of_position: int
    rulebook: str  # the version the totals are scored under
    preview: bool | None = None  # present (true) when re-scored under another version than the period's
    governing_rulebook: str | None = None  # with a preview: the version the period is scored under
    items: list[Standing]


# --- the round -------------------------------------------------------------------------------------

class Listed(Answer):
    subject_id: str
    name: str
    unit: str = ""
    total: Number
    rank: int


class ChainHead(Answer):
    position: int
    link: str


class TieDecision(Answer):
    chosen: list[str]
    note: str
    actor: str
    recorded_at: str


class Objections(Answer):
    open: int
    total: int


class Removed(Answer):
    subject_id: str
    name: str
    reason: str


class Change(Answer):
    subject_id: str
    name: str
    old_total: Number | None
    new_total: Number | None
    old_rank: int | None
    new_rank: int | None
    old_vetoed: bool | None
    new_vetoed: bool | None


class Revision(Answer):
    number: int
    cause: dict[str, str | bool]
    changes: list[Change]
    position: int
    after_final: bool
    actor: str
    recorded_at: str


class PeriodPublic(Answer):
    """A period's round; the fields after `quota` appear as the round reaches each step."""

    period: str
    kind: str
    status: Literal["open", "closed", "notice", "final"]
    starts: str
    ends: str
    nomination_deadline: str
    quota: int
    closed_at: str | None = None
    frozen_position: int | None = None
    rulebook: str | None = None
    tie_decision: TieDecision | None = None
    notice_starts: str | None = None
    notice_ends: str | None = None
    notice_list: list[Listed] | None = None
    objections: Objections | None = None
    notice_chain_head: ChainHead | None = None
    final_list: list[Listed] | None = None
    removed: list[Removed] | None = None
    finalised_at: str | None = None
    chain_head: ChainHead | None = None
    revisions: list[Revision] | None = None
    revised_after_final: bool | None = None


class ProposalPublic(Answer):
    period: str
    kind: str
    quota: int
    items: list[Listed]
    tie_at_cutoff: bool
    tied: list[str]
    places_for_tied: int
    tie_decided: bool


# --- evidence, objections, disputes, calendar -------------------------------------------------------

class EvidencePublic(Answer):
    id: str
    sha256: str
    content_type: str
    size: int
    filename: str


class Ruling(Answer):
    upheld: bool
    note: str
    actor: str
    recorded_at: str


class ObjectionPublic(Answer):
    id: str
    period: str
    kind: str
    subject_id: str
    text: str
    contact: str | None
    received_at: str
    status: Literal["open", "upheld", "dismissed"]
    ruling: Ruling | None


class DisputePublic(Answer):
    id: str
    record_id: str
    subject_id: str
    grounds: str
    actor: str
    recorded_at: str
    status: Literal["open", "upheld", "dismissed"]
    ruling: Ruling | None


class CalendarDayPublic(Answer):
    date: str
    kind: Literal["holiday", "workday"]
    name: str


class CalendarPublic(Answer):
    days: list[CalendarDayPublic]


# --- rulebook versions -------------------------------------------------------------------------------

class FigurePublic(Answer):
    measure: Literal["rank", "per_unit", "per_item", "below"]
    field: str
    points_each: Number | None = None
    points_per_place: Number | None = None
    threshold: str | None = None
    allowed: list[str] | None = None


class RulePublic(Answer):
    id: str
    item: str
    text: str
    clause: str | None
    effect: str
    points: Number | None
    rolls_up_to: str | None
    lookback_years: int
    figure: FigurePublic | None = None  # present for a rule computed from a hall's figures


class RulebookSectionPublic(Answer):
    id: str
    title: str
    note: str
    max: Number | None
    rules: list[RulePublic]


class RulebookCategoryPublic(Answer):
    kind: Literal["worker", "window", "hall"]
    annex: int
    title: str
    quota: int
    cadence: Literal["half-year", "year"]
    nomination_deadlines: dict[str, str]
    sections: list[RulebookSectionPublic]


class RulebookSettingsPublic(Answer):
    timezone: str
    section_floor: bool
    absenteeism_over_minutes: int
    attendance_rules: dict[str, str]
    complaint_rules: dict[str, str]
    discretionary_bonus_cap: Number
    points_step: Number
    notice_days: int
    notice_day_kind: Literal["calendar", "working"]


class RulebookPublic(Answer):
    """Exactly the shape `PUT /api/rulebooks/{version}` takes."""

    version: str
    title: str
    effective_from: str
    settings: RulebookSettingsPublic
    carries_from: dict[str, str]
    categories: list[RulebookCategoryPublic]


class RulebookListed(Answer):
    version: str
    title: str
    effective_from: str
    in_use: bool
    shipped: bool
    loaded_by: str | None
    loaded_at: str | None


class Problem(Answer):
    field: str
    message: str


class RulebookAdopted(Answer):
    version: str
    title: str
    effective_from: str
    position: int
    changed: bool
    warnings: list[Problem]


class FieldChange(Answer):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    field: str
    from_: Any = Field(alias="from")
    to: Any


class Changed(Answer):
    id: str
    changes: list[FieldChange]


class Keyed(Answer):
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    changed: list[Changed]


class SettingsChanges(Answer):
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    changed: list[FieldChange]


class RulebookDiff(Answer):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    version: list[FieldChange]  # title, effective_from
    categories: Keyed
    sections: Keyed
    rules: Keyed
    settings: SettingsChanges
    carries_from: list[FieldChange]
# --- nominations ------------------------------------------------------------------------------------

class NominationListed(Answer):
    id: str
    subject_id: str
    name: str | None
    code: str | None
    unit: str
    state: Literal["submitted", "proposed", "on_notice", "awarded", "removed", "vetoed", "not_selected"]
    self_total: Number
    photos: int
    actor: str
    recorded_at: str


class NominationsPublic(Answer):
    period: str
    kind: Literal["worker", "window", "hall"]
    items: list[NominationListed]


class WorkerDetailsPublic(Answer):
    """附件4 as submitted; birth month shown as **** outside the office and the worker's unit."""

    name: str
    gender: str
    birth_month: str
    political_status: str
    unit_and_post: str
    work_start: str


class UnitDetailsPublic(Answer):
    """附件5/6 as submitted; phone shown as **** outside the office and the subject's unit."""

    name: str
    head: str
    head_post: str
    head_count: int
    phone: str


class NominationPublic(Answer):
    id: str
    subject_id: str
    kind: Literal["worker", "window", "hall"]
    period: str
    unit: str
    details: WorkerDetailsPublic | UnitDetailsPublic
    self_scores: dict[str, Number]
    self_total: Number
    deeds: str
    photos: list[str]
    contact: str | None
    bonus_note: str | None
    actor: str
    recorded_at: str


# --- imports ----------------------------------------------------------------------------------------

class ImportReportPublic(Answer):
    """What an import wrote: every row is written, recognised as already there, or (attendance)
    corrects an earlier row; a roster import also counts what it created, moved and renamed."""

    kind: Literal["attendance", "figures", "roster"]
    rows: int
    written: int
    already_there: int
    corrected: int | None = None
    created: int | None = None
    moved: int | None = None
    renamed: int | None = None


class FileProblem(Answer):
    row: int  # 0: the file as a whole
    column: str
    message: str


class ImportRefusedPublic(Answer):
    """A refused file: nothing was written; every problem by row and column (the first 1000),
    or the request's own field when the file or a form field is missing or wrong."""

    detail: list[FileProblem] | list[FieldRefusal]
    message: str | None = None


class FieldRefusal(Answer):
    """One reason a request was refused: what the service's own checks answer (422, 404 of a
    named object, 409, …) as {"detail": [FieldRefusal, ...]}."""

    field: str  # the field as the request names it: "subject_id", "details.phone", "body", "file"
    message: str  # in Chinese, for the person who reads it
    type: str | None = None  # the check that failed, on a 422 from the request's own validation


class RefusalPublic(Answer):
    """A refusal: the fields and reasons, or (401, and 403 for a role that may not) a sentence;
    a locked account (423) also says until when."""

    detail: list[FieldRefusal] | str
    locked_until: str | None = None


# Declared on every API operation (service/http/app.py): what any of them may answer besides its own.
REFUSALS: dict[int | str, dict[str, Any]] = {
    status: {"model": RefusalPublic, "description": words} for status, words in (
        (401, "未登录、登录已失效或令牌无效"), (403, "角色无权执行,或对象不在本单位范围"), (404, "对象不存在"),
        (409, "与现有数据冲突:考评期已截止、幂等键已用于另一请求、数据已被同时修改等"), (423, "账号已锁定"),
        (429, "请求过于频繁"))}
