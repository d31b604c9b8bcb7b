"""Loads the rulebook versions shipped inside the package (domain/rulebooks/*.json)."""

from __future__ import annotations

import json
from importlib import resources

from domain.rulebook import RulebookLibrary, parse_rulebook


def load_rulebooks() -> RulebookLibrary:
    folder = resources.files("domain") / "rulebooks"
    books = [parse_rulebook(json.loads(f.read_text(encoding="utf-8")))
             for f in folder.iterdir() if f.name.endswith(".json")]
    return RulebookLibrary(books)
