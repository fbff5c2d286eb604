"""Standard-library import lines, merged and ordered as isort (ruff's ``I`` rules) wants."""

from __future__ import annotations

from collections.abc import Iterable

from dynagen.model.naming import isort_key


def import_block(lines: Iterable[str]) -> tuple[str, ...]:
    """Merge ``import x`` / ``from x import a`` lines into one sorted block.

    Plain imports come first, then from-imports, each by module; names within a
    from-import are merged and sorted (CONSTANTS, Classes, then functions).
    """
    plain: set[str] = set()
    named: dict[str, set[str]] = {}
    for line in lines:
        words = line.split()
        if words[0] == "import":
            plain.add(words[1])
        else:
            names = line.split(" import ", 1)[1]
            named.setdefault(words[1], set()).update(
                n.strip() for n in names.split(",")
            )
    block = [f"import {module}" for module in sorted(plain)]
    for module in sorted(named):
        block.append(
            f"from {module} import {', '.join(sorted(named[module], key=isort_key))}"
        )
    return tuple(block)
