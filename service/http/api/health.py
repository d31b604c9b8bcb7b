from __future__ import annotations

from fastapi import APIRouter, Request

from service.http.answers import HealthPublic
from service.http.security import container

router = APIRouter(tags=["health"])


@router.get("/api/health", summary="Liveness and where the read model stands (no token needed)",
            response_model=HealthPublic, response_model_exclude_unset=True)
def health(request: Request) -> dict:
    c = container(request)
    return {
        "status": "ok",
        "store": c.store,
        "now": c.clock.now().isoformat(),
        "log_position": c.ledger.projection.log_end(),
        "read_model_position": c.ledger.projection.position(),
    }
