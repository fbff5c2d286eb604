"""Literal values and map keys from parameters in declared expressions (SPEC §3).

The parser reads a literal (``1``, ``-2.5``, ``'closed'``, ``true``) as a parameter
named ``literal@<offset>`` holding its text, so the type checker types it from what it
meets like any parameter; here each literal is checked against that type and set apart
from the method's parameters (it is sent as a placeholder with a constant value). A
path segment ``{name}`` after a ``map<T>`` attribute takes the map key from a ``str``
parameter ``name``, sent as a name placeholder.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dynagen.model.expressions import ExpressionError, ast
from dynagen.model.types import AttrType, EnumType, JsonType, ScalarType

_NUMBERS = ("int", "float", "decimal")
STRING = ScalarType("string")


@dataclass(frozen=True, slots=True)
class LiteralValue:
    """A literal of an expression: its placeholder parameter name, text and type."""

    name: str
    text: str
    type: AttrType


def split_literals(
    trees: list[ast.Node], param_types: Mapping[str, AttrType]
) -> tuple[dict[str, AttrType], tuple[LiteralValue, ...]]:
    """The method's own parameters, and the literals (each checked against its type).
    Raises :class:`ExpressionError` at a literal that does not fit where it stands."""
    literals: dict[str, LiteralValue] = {}
    for tree in trees:
        for param in ast.params(tree):
            if param.literal is None:
                continue
            value = LiteralValue(param.name, param.literal, param_types[param.name])
            check_literal(value, param.offset)
            literals[param.name] = value
    params = {n: t for n, t in param_types.items() if n not in literals}
    return params, tuple(literals.values())


def check_literal(value: LiteralValue, offset: int) -> None:
    text, t = value.text, value.type
    if isinstance(t, JsonType):
        return
    if text in ("true", "false"):
        ok = t == ScalarType("bool")
    elif text.startswith("'"):
        if isinstance(t, EnumType):
            if text[1:-1] not in t.values:
                raise ExpressionError(
                    f"{text} is not a value of enum {t.name}",
                    offset,
                    f"its values: {', '.join(t.values)}",
                )
            return
        ok = t == STRING
    else:
        ok = isinstance(t, ScalarType) and t.name in _NUMBERS
        if ok and t == ScalarType("int") and "." in text:
            raise ExpressionError(f"{text} is not a whole number (an int)", offset)
    if not ok:
        raise ExpressionError(
            f"the literal {text} cannot stand for {t.describe()}",
            offset,
            "use a :parameter",
        )


def map_key_params(
    trees: list[ast.Node], param_types: Mapping[str, AttrType]
) -> dict[str, AttrType]:
    """The ``{name}`` map keys of the paths, as ``str`` parameters. Raises
    :class:`ExpressionError` where one names a parameter of another type."""
    found: dict[str, AttrType] = {}
    for tree in trees:
        for path in ast.paths(tree):
            for i, segment in enumerate(path.segments):
                if not (isinstance(segment, str) and segment.startswith("{")):
                    continue
                name = segment[1:-1]
                known = param_types.get(name)
                if known is not None and known != STRING:
                    raise ExpressionError(
                        f"parameter '{name}' is a map key (a string) here but "
                        f"{known.describe()} elsewhere",
                        path.segment_offset(i),
                        "use two parameters",
                    )
                found[name] = STRING
    return found
