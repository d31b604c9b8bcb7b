"""Reading what page forms send that the JSON API would refuse: `<input type="datetime-local">`
gives a wall-clock time without an offset, and every such field is labelled 北京时间."""

from __future__ import annotations

from datetime import datetime

from domain.errors import Invalid
from domain.periods import SHANGHAI, check_moment


def beijing_time(text: str, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(field, "时间格式不对,应为 年-月-日 时:分") from None
    return check_moment(moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI), field)
