"""Request bodies. Unknown fields are refused (a typo must not silently drop data), times
must carry an offset (Moment: within ±14:00 and the years 2000-2099), and every error names its field."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from domain.accounts import USERNAME_PATTERN
from domain.vocabulary import RECORDED_SOURCES, ROLES
from service.application.fields import Body, Day, Id, LongText, Moment, RequiredLongText, Text, lines, one_line

# The API's enums are the vocabulary's keys (domain/vocabulary.py).
Role = Literal[tuple(ROLES)]  # type: ignore[valid-type]
Source = Literal[RECORDED_SOURCES]  # type: ignore[valid-type]


class UserCreate(Body):
    username: Annotated[str, Field(min_length=1, max_length=64, pattern=USERNAME_PATTERN)]
    role: Role
    unit: Text | None = None
    password: Annotated[str, Field(max_length=200)] | None = None


class RoleChange(Body):
    role: Role
    unit: Text | None = None


class LoginBody(Body):
    username: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(one_line)]
    password: Annotated[str, Field(min_length=1, max_length=200)]


class PasswordChange(Body):
    old: Annotated[str, Field(min_length=1, max_length=200)]
    new: Annotated[str, Field(max_length=200)]


class TokenCreate(Body):
    """The token's name (`name`, as the contract says; `label`, as earlier clients send it)."""

    name: Text | None = None
    label: Text | None = None
    days: Annotated[int, Field(ge=1, le=3650)] = 30

    @model_validator(mode="after")
    def named(self) -> TokenCreate:
        if not (self.name or self.label):
            raise ValueError("须填写令牌名称(name)")
        return self

    @property
    def title(self) -> str:
        return self.name or self.label or ""


class SubjectCreate(Body):
    kind: Literal["hall", "window", "worker"]
    name: Text
    unit: Text
    code: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(one_line)] | None = None
    parent_id: Id | None = None
    effective_at: Moment | None = None


class AssignmentCreate(Body):
    parent_id: Id
    effective_at: Moment


class RecordCreate(Body):
    subject_id: Id
    rule_id: Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9.]+$")]
    occurred_at: Moment
    source: Source
    note: LongText = ""
    quantity: int = 1
    points: Decimal | None = None
    evidence: Annotated[list[Id], Field(max_length=10)] = []


class RetractionCreate(Body):
    reason: RequiredLongText


class AttendanceCreate(Body):
    worker_id: Id
    date: Day
    kind: Literal["late", "early_leave", "absent"]
    minutes: Annotated[int, Field(ge=0, le=24 * 60)] | None = None
    excused: bool = False
    note: LongText = ""
    # Which occurrence of the day (reading 13): its clock time, or its number; without either, a
    # new occurrence. Giving one already recorded with other minutes or leave corrects it.
    time: Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="HH:MM, 北京时间")] | None = None
    occurrence: Annotated[int, Field(ge=1, le=99)] | None = None


class ComplaintCreate(Body):
    subject_id: Id
    received_at: Moment
    channel: Text
    summary: RequiredLongText


class VerdictCreate(Body):
    substantiated: bool
    note: LongText = ""


class FiguresCreate(Body):
    year: Annotated[int, Field(ge=2000, le=2100)]
    case_volume: Annotated[int, Field(ge=0)] | None = None
    wrong_elements: Annotated[int, Field(ge=0)] | None = None
    systems_missing: list[Text] | None = None
    satisfaction_rate: Decimal | None = None


class NominationCreate(Body):
    subject_id: Id
    period: Annotated[str, Field(min_length=4, max_length=6, pattern=r"^[0-9H]+$")]
    details: dict
    self_scores: dict[str, Decimal]
    deeds: Annotated[str, Field(max_length=5000), AfterValidator(lines)]
    photos: list[Id]
    contact: Text | None = None
    bonus_note: LongText | None = None


class TieDecisionCreate(Body):
    chosen: list[Id]
    note: LongText = ""


class ObjectionCreate(Body):
    period: Annotated[str, Field(min_length=4, max_length=6, pattern=r"^[0-9H]+$")]
    kind: Literal["worker", "window", "hall"]
    subject_id: Id
    text: RequiredLongText
    contact: Text | None = None


class RulingCreate(Body):
    upheld: bool
    note: LongText = ""


class CalendarDay(Body):
    kind: Literal["holiday", "workday"]
    name: Text


class DisputeCreate(Body):
    record_id: Id
    grounds: RequiredLongText
