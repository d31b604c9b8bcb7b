"""Dependencies shared by the routers: the Idempotency-Key of a write. (Reads need nothing
more: every command applies its own events to the read model before it answers, so a read
that starts after a write sees it, on any process.)"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated

from fastapi import Depends, Header, Request

from service.application.ledger import Idempotency
from service.http.security import Principal, principal


async def idempotency(
    request: Request,
    who: Annotated[Principal, Depends(principal)],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200,
                                                  pattern=r"^[\x21-\x7e]+$")] = None,
) -> Idempotency | None:
    if not idempotency_key:
        return None
    raw = await request.body()
    try:  # the same JSON with other spacing or key order is the same body
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        body = raw
    fingerprint = hashlib.sha256(request.method.encode() + b" " + request.url.path.encode() + b"\n" + body)
    return Idempotency(actor=who.username, key=idempotency_key, fingerprint=fingerprint.hexdigest())


Key = Annotated[Idempotency | None, Depends(idempotency)]
