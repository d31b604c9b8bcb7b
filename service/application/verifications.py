"""Verifying the hash chain and keeping the result in the log (the auditor's page and
`evalctl verify-chain` both go through here). Besides the chain itself, the heads published on
public notices and final lists and the checkpoints kept outside the store are checked; each
successful verification adds its head to those checkpoints."""

from __future__ import annotations

import logging
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.rulebook import KINDS
from domain.topics import stored_topics
from domain.verifications import ChainVerification
from projections import chain
from projections.writer import ProjectionFailed
from service.application.ledger import Ledger, NotApplied
from service.application.rounds import Rounds

VERIFIED_TOPICS = stored_topics(ChainVerification.Verified)
log = logging.getLogger(__name__)


def published_heads(ledger: Ledger) -> list[tuple[int, str]]:
    """The chain heads every public notice and final list carries (position, link)."""
    rounds = Rounds(ledger)
    heads = []
    for kind in KINDS:
        for period in rounds.periods_so_far(kind):
            found = rounds.round(kind, period)
            for step in (found.notice, found.final) if found is not None else ():
                if step and step.get("chain_head"):
                    heads.append((int(step["chain_head"]["position"]), step["chain_head"]["link"]))
    return heads


def verify_and_record(ledger: Ledger, actor: str, checkpoints: chain.Checkpoints | None = None) -> ChainVerification:
    ledger.projection.catch_up()
    outside = published_heads(ledger) + (checkpoints.read() if checkpoints is not None else [])
    check = chain.verify(ledger.recorder, ledger.projection.store, outside=outside)
    verification = ChainVerification(intact=check.ok, checked=check.checked, head_position=check.head_position,
                                     head=check.head, description=check.describe(), actor=actor,
                                     recorded_at=ledger.now())
    try:
        ledger.save(verification)
    except (IntegrityError, NotApplied, ProjectionFailed) as error:  # a log cut behind the read model's back cannot take it
        log.error("chain verification not recorded (%s); it found: %s", error, check.describe())
    if check.ok and checkpoints is not None:
        checkpoints.append(check.head_position, check.head)
    return verification


def last_verification(ledger: Ledger) -> ChainVerification | None:
    found = ledger.projection.latest_of_topic(VERIFIED_TOPICS)
    return ledger.find(ChainVerification, UUID(found)) if found else None
