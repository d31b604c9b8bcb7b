"""Rulebook versions the office loads (考评标准版本): each is an aggregate whose events carry the
whole rulebook as JSON (`domain/rulebook.py` `rulebook_to_json`), who loaded it and when. The
log therefore says exactly which versions existed at every position; the live read model, the
replay and `verify` fold these events into the versions they know (domain/derivation.py). The
versions shipped inside the package (2022) need no event.

A version may be loaded again (replaced) only while nothing has been scored under it; the
service checks that (409), and the derivation refuses any version that would change how a
period with a closed round is scored."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.ids import stable_id
from domain.topics import stable_topics


@stable_topics("RulebookVersion", "domain.rulebook_versions")
class RulebookVersion(Aggregate):
    @staticmethod
    def create_id(rulebook_version: str, **_: object) -> UUID:
        return stable_id("rulebook-version", rulebook_version)

    # (`rulebook_version`, not `version`: an aggregate's `version` is its count of events.)
    @event("Adopted")
    def __init__(self, rulebook_version: str, rulebook: dict, actor: str, recorded_at: datetime):
        self.rulebook_version = rulebook_version
        self.rulebook = rulebook
        self.actor = actor
        self.recorded_at = recorded_at

    @event("Replaced")
    def replace(self, rulebook_version: str, rulebook: dict, actor: str, recorded_at: datetime) -> None:
        self.rulebook = rulebook
        self.actor = actor
        self.recorded_at = recorded_at
