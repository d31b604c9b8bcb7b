"""Rulebook versions made for tests from a shipped one's JSON form (as `GET /api/rulebooks/2022`
answers it): another version name and start, rules dropped, renamed or given other points."""

from __future__ import annotations

import copy


def variant(book: dict, version: str, effective_from: str = "2023-01-01", drop: tuple[str, ...] = (),
            rename: dict[str, str] | None = None, points: dict[str, int] | None = None, **top) -> dict:
    """`book` changed into `version`; a roll-up to a dropped rule goes with it; `top` replaces
    top-level fields (`carries_from`, `title`)."""
    made = copy.deepcopy(book)
    made.update(version=version, effective_from=effective_from, **top)
    for category in made["categories"]:
        for section in category["sections"]:
            section["rules"] = [r for r in section["rules"] if r["id"] not in drop]
            for rule in section["rules"]:
                rule["points"] = (points or {}).get(rule["id"], rule["points"])
                rule["id"] = (rename or {}).get(rule["id"], rule["id"])
                if rule.get("rolls_up_to") in drop:
                    del rule["rolls_up_to"]
    return made
