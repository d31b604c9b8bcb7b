"""What changed between two rulebook versions: rules, sections and categories added, removed
and changed (field by field), the settings changed, and the `carries_from` mapping; computed on
the JSON form both are stored in (domain/rulebook.py `rulebook_to_json`)."""

from __future__ import annotations

from typing import Any

from domain.rulebook import Rulebook, rulebook_to_json


def _fields(old: dict[str, Any], new: dict[str, Any], skip: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    return [{"field": key, "from": old.get(key), "to": new.get(key)}
            for key in dict.fromkeys([*old, *new]) if key not in skip and old.get(key) != new.get(key)]


def _keyed(old: dict[str, dict], new: dict[str, dict], skip: tuple[str, ...] = ()) -> dict[str, list]:
    return {
        "added": [new[k] for k in new if k not in old],
        "removed": [old[k] for k in old if k not in new],
        "changed": [{"id": k, "changes": changes} for k in new if k in old
                    and (changes := _fields(old[k], new[k], skip))],
    }


def _parts(book: dict[str, Any]) -> tuple[dict, dict, dict]:
    categories, sections, rules = {}, {}, {}
    for c in book["categories"]:
        categories[c["kind"]] = {k: v for k, v in c.items() if k != "sections"}
        for s in c["sections"]:
            sections[s["id"]] = {"kind": c["kind"], **{k: v for k, v in s.items() if k != "rules"}}
            for r in s["rules"]:
                rules[r["id"]] = {"kind": c["kind"], "section": s["id"], **r}
    return categories, sections, rules


def rulebook_diff(old: Rulebook, new: Rulebook) -> dict[str, Any]:
    a, b = rulebook_to_json(old), rulebook_to_json(new)
    a_categories, a_sections, a_rules = _parts(a)
    b_categories, b_sections, b_rules = _parts(b)
    mapped_a, mapped_b = a["carries_from"], b["carries_from"]
    return {
        "from": old.version,
        "to": new.version,
        "version": _fields(a, b, skip=("version", "settings", "categories", "carries_from")),
        "categories": _keyed(a_categories, b_categories, skip=("kind",)),
        "sections": _keyed(a_sections, b_sections, skip=("id",)),
        "rules": _keyed(a_rules, b_rules, skip=("id",)),
        "settings": {
            "added": [{"field": k, "to": v} for k, v in b["settings"].items() if k not in a["settings"]],
            "removed": [{"field": k, "from": v} for k, v in a["settings"].items() if k not in b["settings"]],
            "changed": [c for c in _fields(a["settings"], b["settings"]) if c["field"] in a["settings"]
                        and c["field"] in b["settings"]],
        },
        "carries_from": _fields(mapped_a, mapped_b),
    }
