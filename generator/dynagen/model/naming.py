"""Python names derived from schema names (SPEC §4 "Names")."""

from __future__ import annotations

import keyword
import re

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake_case(name: str) -> str:
    """``OrderLine`` → ``order_line``; ``HTTPRequest`` → ``http_request``."""
    return _CAMEL_BOUNDARY.sub("_", name).lower()


def pascal_case(name: str) -> str:
    """``shipping_address`` → ``ShippingAddress``; ``status`` → ``Status``."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)


#: Names generated modules use for imports and helpers; an attribute or parameter named
#: like one gets a trailing underscore too, so that it never shadows them (a dataclass
#: field ``date: date`` would hide the type it is annotated with).
GENERATED_NAMES = frozenset(
    {
        "Any",
        "Callable",
        "ClientError",
        "Decimal",
        "Mapping",
        "UUID",
        "dataclass",
        "date",
        "datetime",
        "enum",
        "field",
        "replace",
        "rt",
    }
)


def py_identifier(name: str) -> str:
    """A schema name as a Python identifier: a keyword, or a name the generated code
    uses itself (:data:`GENERATED_NAMES`), gets a trailing underscore."""
    return f"{name}_" if keyword.iskeyword(name) or name in GENERATED_NAMES else name


def enum_member_name(value: str) -> str:
    """An enum value as a member name: upper-cased, other characters to ``_``."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", value).upper()
    if not name or name[0].isdigit():
        name = f"_{name}"
    return name


Natural = tuple[tuple[int, int, str], ...]


def natural(text: str) -> Natural:
    """ruff's natural order: runs of digits compare as numbers (``E2`` before ``E10``);
    digits sort before the letters and ``_`` of an identifier."""
    return tuple(
        (0, int(run), "") if run.isdigit() else (1, 0, run)
        for run in re.findall(r"[0-9]+|[^0-9]+", text)
    )


def isort_key(name: str) -> tuple[int, Natural, str]:
    """isort's order-by-type: CONSTANTS, then Classes, then functions and variables."""
    if name.isupper():
        return (0, natural(name.lower()), name)
    return (1 if name[:1].isupper() else 2, natural(name.lower()), name)


def dunder_all_key(name: str) -> tuple[int, Natural]:
    """ruff's RUF022 order for ``__all__``: like :func:`isort_key` but case-sensitive."""
    if name.isupper():
        return (0, natural(name))
    return (1 if name[:1].isupper() else 2, natural(name))
