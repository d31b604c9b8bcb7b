"""Verifying the hash chain and keeping the result in the log (the auditor's page and
`evalctl verify-chain` both go through here)."""

from __future__ import annotations

from uuid import UUID

from domain.topics import stored_topics
from domain.verifications import ChainVerification
from projections import chain
from service.application.ledger import Ledger

VERIFIED_TOPICS = stored_topics(ChainVerification.Verified)


def verify_and_record(ledger: Ledger, actor: str) -> ChainVerification:
    check = chain.verify(ledger.recorder, ledger.projection.store)
    verification = ChainVerification(intact=check.ok, checked=check.checked, head_position=check.head_position,
                                     head=check.head, description=check.describe(), actor=actor,
                                     recorded_at=ledger.now())
    ledger.save(verification)
    return verification


def last_verification(ledger: Ledger) -> ChainVerification | None:
    found = ledger.projection.latest_of_topic(VERIFIED_TOPICS)
    return ledger.find(ChainVerification, UUID(found)) if found else None
