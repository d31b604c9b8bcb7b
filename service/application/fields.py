"""Field types shared by the HTTP request bodies and the application's own forms (the annex 4-6
details of a nomination, validated by the application whichever door they came in by).
Unknown fields are refused (a typo must not silently drop data); text is storable
(domain/text.py) and a name is one line and not blank."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Literal, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from domain.errors import Invalid
from domain.periods import check_day, check_moment
from domain.text import check_name, check_text

T = TypeVar("T")


def _validator(check: Callable[[T, str], T]) -> Callable[[T], T]:
    """A domain check as a pydantic validator: its refusal's words become the field's message."""

    def validate(value: T) -> T:
        try:
            return check(value, "")
        except Invalid as refused:
            raise ValueError(refused.message) from None

    return validate


one_line = _validator(check_name)
lines = _validator(check_text)
moment = _validator(check_moment)
day = _validator(check_day)

# A time with an offset within ±14:00, in the years the ledger's periods cover; a date likewise.
Moment = Annotated[AwareDatetime, AfterValidator(moment)]
Day = Annotated[date, AfterValidator(day)]
# Text from users: storable (no NUL, control or direction-changing characters, domain/text.py);
# a name or title is one line and not blank.
Text = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(one_line)]
LongText = Annotated[str, Field(max_length=2000), AfterValidator(lines)]
RequiredLongText = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(lines)]
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


Month = Annotated[str, Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]


class WorkerDetails(Body):
    """附件4: 姓名, 性别, 出生年月, 政治面貌, 工作单位及服务岗位, 参加工作时间."""

    name: Text
    gender: Literal["男", "女"]
    birth_month: Month
    political_status: Text
    unit_and_post: Text
    work_start: Month


class UnitDetails(Body):
    """附件5/6: 窗口(大厅)名称, 负责人姓名, 人数, 负责人职务, 联系电话."""

    name: Text
    head: Text
    head_post: Text
    head_count: Annotated[int, Field(ge=1, le=10000)]
    phone: Annotated[str, Field(min_length=3, max_length=30, pattern=r"^[0-9+\- ()]+$")]


