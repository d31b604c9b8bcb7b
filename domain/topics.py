"""Stable names for what the log stores.

The eventsourcing library names a stored event by its class's location (`domain.records:
Record.Created`) unless the class says otherwise (`TOPIC`). A location changes when a file
moves or a class is renamed, and every stored event under the old name would then be
unreadable. So every aggregate and event here carries an explicit topic that names the thing,
not the file: `ledger:Record` for the aggregate, `ledger:Record.Created.v1` for an event, the
`vN` being the event's schema version (`class_version`).

When an event's schema changes, add an upcaster for it to the aggregate's `stable_topics(…,
upcasters={"Created": [v1_to_v2, …]})`: a function that lifts a stored state of the version
before (a dict, changed in place). The event's `class_version` becomes the number of upcasters
plus one, the library applies them in turn when it reads an older event, the topic of the new
version is written from then on, and every older name still resolves to the one current class.
The names the first release stored (module paths) are registered as aliases here too, so no
store ever written becomes unreadable. `Record.Created` shows the pattern.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from eventsourcing.domain import CanMutateAggregate
from eventsourcing.utils import register_topic

NAMESPACE = "ledger"
A = TypeVar("A", bound=type)

# Every stored class → every name it may be stored under (the current one first).
_NAMES: dict[type, tuple[str, ...]] = {}


Upcaster = Callable[[dict], None]


def stable_topics(name: str, first_release_module: str,
                  upcasters: dict[str, list[Upcaster]] | None = None) -> Callable[[A], A]:
    """Class decorator for an aggregate: gives it and each of its events an explicit topic,
    registers the names release 0.1 stored them under (`first_release_module:Class.Event`), and
    installs each event's upcasters (its schema history)."""

    def name_them(cls: A) -> A:
        _name(cls, f"{NAMESPACE}:{name}", [f"{first_release_module}:{cls.__qualname__}"])
        for event_name, steps in (upcasters or {}).items():
            event_class = vars(cls)[event_name]
            event_class.class_version = len(steps) + 1
            for version, step in enumerate(steps, start=1):
                setattr(event_class, f"upcast_v{version}_v{version + 1}", staticmethod(step))
        for attribute, value in vars(cls).items():
            if isinstance(value, type) and issubclass(value, CanMutateAggregate) and attribute[:1].isupper():
                version = getattr(value, "class_version", 1)
                current = f"{NAMESPACE}:{name}.{attribute}.v{version}"
                older = [f"{NAMESPACE}:{name}.{attribute}.v{v}" for v in range(version - 1, 0, -1)]
                _name(value, current, [*older, f"{first_release_module}:{cls.__qualname__}.{attribute}"])
        return cls

    return name_them


def _name(cls: type, current: str, aliases: list[str]) -> None:
    cls.TOPIC = current  # type: ignore[attr-defined]
    for topic in (current, *aliases):
        register_topic(topic, cls)
    _NAMES[cls] = (current, *aliases)


def stored_topics(*classes: type) -> list[str]:
    """Every topic under which events of these classes may be stored (for filtering the log)."""
    return [topic for cls in classes for topic in _NAMES[cls]]


def named_classes() -> dict[type, tuple[str, ...]]:
    return dict(_NAMES)
