"""The application's services as the composition root (service/bootstrap.py) puts them
together: what the HTTP layer, the documents and the command line are handed."""

from __future__ import annotations

from dataclasses import dataclass

from projections.chain import Checkpoints
from service.application.accounts import Accounts
from service.application.complaints import Complaints
from service.application.disputes import Disputes
from service.application.figures import Figures
from service.application.ledger import Ledger
from service.application.nominations import Nominations
from service.application.records import Records
from service.application.roster import Roster
from service.application.rounds import Rounds
from service.application.rulebooks import Rulebooks
from service.config.clock import Clock
from service.config.persistence import store_kind
from service.config.settings import Settings


@dataclass
class Container:
    settings: Settings
    clock: Clock
    ledger: Ledger
    roster: Roster
    records: Records
    complaints: Complaints
    figures: Figures
    rounds: Rounds
    nominations: Nominations
    disputes: Disputes
    accounts: Accounts
    rulebooks: Rulebooks
    checkpoints: Checkpoints  # the chain's heads kept outside the store

    @property
    def store(self) -> str:
        return store_kind(self.settings.database_url)

    def close(self) -> None:
        self.ledger.close()
