"""The shipped rulebooks, loaded once for the unit tests (reading the packaged file is the
service's job; the domain only parses)."""

from functools import cache

from domain.rulebook import Rulebook
from service.application.rulebooks import load_rulebooks


@cache
def rulebook_2022() -> Rulebook:
    return load_rulebooks().get("2022")
