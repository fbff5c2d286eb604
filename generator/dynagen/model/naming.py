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


#: Parameters generated methods take beside the schema's names: ``self``, and the
#: contract's own keywords.
GENERATED_PARAMETERS = frozenset({"self", "consistent", "expected_version"})

#: Builtins generated code calls or annotates with inside a method or a dataclass.
GENERATED_BUILTINS = frozenset(
    {
        "all",
        "bool",
        "bytes",
        "dict",
        "float",
        "hash",
        "int",
        "isinstance",
        "len",
        "list",
        "min",
        "object",
        "set",
        "sorted",
        "str",
        "tuple",
    }
)

#: How ``models.py`` names an entity's or a type's functions (``encode_order``,
#: ``order_key_item``), which repository methods call.
_MODEL_FUNCTION = re.compile(r"^(?:encode_|decode_).|_key_item$")


def py_identifier(name: str) -> str:
    """A schema name as a Python identifier that shares no name with generated code.

    A keyword, a name the generated code uses itself (:data:`GENERATED_NAMES`,
    :data:`GENERATED_PARAMETERS`, :data:`GENERATED_BUILTINS`, a ``models.py`` function
    name) gets a trailing underscore. A name that starts with ``_`` gets one as well:
    generated methods name their own locals ``_name`` (never ending in ``_``), so no
    schema name can shadow one; and one that Python would mangle inside a class
    (``__one``) gets another (``__one__``).
    """
    reserved = (
        keyword.iskeyword(name)
        or name in GENERATED_NAMES
        or name in GENERATED_PARAMETERS
        or name in GENERATED_BUILTINS
        or _MODEL_FUNCTION.search(name) is not None
        or name.startswith("_")
    )
    if not reserved:
        return name
    name += "_"
    if name.startswith("__") and not name.endswith("__"):
        name += "_"
    return name


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
