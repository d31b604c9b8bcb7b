"""A production install (`pip install .`, no extras) runs every command, `evalctl bench` included:
every third-party module the product imports comes with its main dependencies, never only
with the development extra."""

from __future__ import annotations

import ast
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("domain", "projections", "service")


def imported_top_levels() -> dict[str, str]:
    """Third-party top-level modules the product imports → a file that imports it."""
    found: dict[str, str] = {}
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else []
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in PRODUCT and top != "__future__":
                        found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def installed_with(requirements: list[str], extras: tuple[str, ...] = ()) -> set[str]:
    """Every distribution those requirements install (their own requirements too)."""
    seen: set[str] = set()
    todo = [(Requirement(r), extras) for r in requirements]
    while todo:
        requirement, wanted = todo.pop()
        if requirement.marker is not None and not any(
                requirement.marker.evaluate({"extra": extra}) for extra in (*wanted, "")):
            continue
        name = requirement.name.lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(requirement.name) or []
        except metadata.PackageNotFoundError:
            continue
        todo += [(Requirement(r), tuple(requirement.extras)) for r in requires]
    return seen


def test_every_module_the_product_imports_is_a_main_dependency_not_a_development_one():
    main = installed_with(metadata.requires("evaluation-ledger") and [
        r for r in metadata.requires("evaluation-ledger") if "extra ==" not in r])
    providers = metadata.packages_distributions()
    missing = []
    for module, where in imported_top_levels().items():
        distributions = {d.lower().replace("_", "-") for d in providers.get(module, [module])}
        if not distributions & main:
            missing.append(f"{module} (imported by {where}) comes only with {sorted(distributions)}")
    assert missing == []
