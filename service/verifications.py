"""Verifying the hash chain and keeping the result in the log (the auditor's page and
`evalctl verify-chain` both go through here)."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.utils import get_topic

from domain.verifications import ChainVerification
from projections import chain
from service.ledger import Ledger

VERIFIED_TOPIC = get_topic(ChainVerification.Verified)


def verify_and_record(ledger: Ledger, actor: str) -> ChainVerification:
    check = chain.verify(ledger.recorder, ledger.projection.store)
    verification = ChainVerification(intact=check.ok, checked=check.checked, head_position=check.head_position,
                                     head=check.head, description=check.describe(), actor=actor,
                                     recorded_at=ledger.now())
    ledger.save(verification)
    return verification


def last_verification(ledger: Ledger) -> ChainVerification | None:
    found = ledger.projection.latest_of_topic(VERIFIED_TOPIC)
    return ledger.find(ChainVerification, UUID(found)) if found else None
