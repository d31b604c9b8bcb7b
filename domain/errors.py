"""Refusals the domain raises; the service maps each class onto an HTTP status.

Every refusal names the field it is about and says why in words the office's users read
(Chinese), so that a 4xx answer can be shown to them as it is.
"""


class Refused(Exception):
    """A request the ledger will not carry out; nothing has been written."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Invalid(Refused):
    """The input itself is wrong (HTTP 422)."""


class NotFound(Refused):
    """Something the input refers to does not exist (HTTP 404)."""


class Conflict(Refused):
    """The input is fine but clashes with the ledger's state, e.g. a closed period (HTTP 409)."""


class Forbidden(Refused):
    """The caller may not do this to this subject, e.g. another unit's nomination (HTTP 403)."""


class InvalidAll(Invalid):
    """Several problems found at once (an uploaded rulebook): every one named, not just the first."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(*problems[0])
        self.problems = problems
