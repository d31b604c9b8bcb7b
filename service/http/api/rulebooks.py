from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query

from domain.rulebook import rulebook_to_json
from domain.rulebook_check import VERSION_PATTERN
from service.http.answers import RulebookAdopted, RulebookDiff, RulebookListed, RulebookPublic
from service.http.deps import Key
from service.http.security import Ledgers, Principal, Reader, allowed

router = APIRouter(tags=["rulebooks"])
Version = Annotated[str, Path(max_length=32, pattern=VERSION_PATTERN, description="a rulebook version, e.g. 2022")]
EXAMPLE = {"version": "2023", "title": "…", "effective_from": "2023-01-01", "settings": {"…": "…"},
           "carries_from": {"A3.5.3": "A3.5.3"}, "categories": [{"kind": "worker", "…": "…"}]}


@router.get("/api/rulebooks", summary="Every rulebook version: shipped or loaded, from when, whether in use",
            response_model=list[RulebookListed])
def list_rulebooks(c: Ledgers, _: Reader) -> list[dict]:
    return c.rulebooks.listing()


@router.get("/api/rulebooks/{version}", summary="A rulebook version, in the JSON shape PUT takes",
            response_model=RulebookPublic, response_model_exclude_unset=True)
def get_rulebook(version: Version, c: Ledgers, _: Reader) -> dict:
    return rulebook_to_json(c.rulebooks.get(version))


@router.put("/api/rulebooks/{version}", status_code=201, response_model=RulebookAdopted,
            summary="Load a rulebook version (office): 422 naming every problem, 409 if it may not change")
def put_rulebook(version: Version, c: Ledgers, who: Annotated[Principal, Depends(allowed("manage_rulebooks"))],
                 key: Key, data: Annotated[Any, Body(openapi_examples={"2023": {"value": EXAMPLE}})]) -> dict:
    saved, warnings = c.rulebooks.adopt(who.username, version, data, idempotency=key)
    book = c.rulebooks.get(version)
    return {"version": book.version, "title": book.title, "effective_from": book.effective_from.isoformat(),
            "position": saved.position, "changed": not saved.replayed, "warnings": [w.as_dict() for w in warnings]}


@router.get("/api/rulebooks/{version}/diff", response_model=RulebookDiff,
            summary="Rules and settings added, removed and changed since another version")
def diff_rulebooks(version: Version, c: Ledgers, _: Reader,
                   since: Annotated[str, Query(alias="from", max_length=32, pattern=VERSION_PATTERN)]) -> dict:
    return c.rulebooks.diff(since, version)
