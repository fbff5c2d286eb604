"""Type checking of expressions against an entity, and inference of parameter types.

Each ``:param`` takes the type of what it meets (see the rules on each check below and
in :mod:`dynagen.model.expressions.kinds`). The checks return the type of every
parameter, in order of first use; a parameter used with two types is an error at its
second use. Expressions that share parameters (a query's key and filter, a declared
update and its condition) are checked one after the other, passing the first result as
``known``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from dynagen.model.expressions.ast import (
    AddAction,
    And,
    Arithmetic,
    AttributeExists,
    AttributeNotExists,
    AttributeType,
    BeginsWith,
    Between,
    Comparison,
    Condition,
    DeleteAction,
    IfNotExists,
    In,
    ListAppend,
    Not,
    Operand,
    Or,
    Param,
    Path,
    SetAction,
    SetOperand,
    SetValue,
    Size,
    Update,
)
from dynagen.model.expressions.errors import ExpressionError
from dynagen.model.expressions.kinds import (
    INT,
    arithmetic_type,
    assignable,
    assignable_by_arithmetic,
    compatible,
    element_type,
    has_size,
    is_number,
    orderable,
    text_part_type,
)
from dynagen.model.expressions.resolve import AttributeResolver, a_or_an, resolve_path
from dynagen.model.types import AttrType, JsonType, ListType, SetType, TypeNameType

_Rule = Callable[[AttrType], AttrType | None]

#: The type inferred for a parameter: the attribute type of the value it stands for.
ParamType = AttrType


def check_condition(
    condition: Condition,
    resolver: AttributeResolver,
    known: Mapping[str, ParamType] | None = None,
) -> dict[str, ParamType]:
    """Check a condition, filter or key condition; return every parameter's type.

    Rules: the operands of ``=``/``<>``/``IN`` must be compatible, those of ``<``,
    ``<=``, ``>``, ``>=`` and BETWEEN also orderable (numbers, strings, bytes); a
    parameter there takes the type of the first attribute or ``size()`` among the
    operands (two parameters alone are an error). ``size(x)`` is an int and needs a
    string, bytes, list, map or set. ``begins_with(x, :p)`` needs x stored as a string
    or bytes; ``:p`` is bytes for bytes and a string otherwise. ``contains(x, :p)``: an
    element of a set or list, a substring of a string. ``attribute_type(x, :t)``: ``:t``
    is one of DynamoDB's type names (:class:`~dynagen.model.types.TypeNameType`). Raises :class:`ExpressionError` at the offending node.
    """
    checker = _Checker(resolver, known)
    checker.condition(condition)
    return checker.types


def check_update(
    update: Update,
    resolver: AttributeResolver,
    known: Mapping[str, ParamType] | None = None,
) -> dict[str, ParamType]:
    """Check an update expression; return every parameter's type.

    Rules: ``SET x = :p`` gives ``:p`` the type of x, and a path or ``if_not_exists``
    operand must be assignable to x (:func:`~dynagen.model.expressions.kinds.assignable`:
    what x reads back, not merely comparable with it); ``+``/``-`` need a number target and number
    operands, a parameter there taking the target's type (an int for an ``epoch``);
    ``list_append`` needs a list target, its parameters taking the list type;
    ``if_not_exists(y, :d)`` gives ``:d`` the type of y. ``ADD x :p`` needs a number
    (``:p`` as for ``+``) or a set (``:p`` the set type); ``DELETE x :p`` needs a set.
    Raises :class:`ExpressionError` at the offending node.
    """
    checker = _Checker(resolver, known)
    checker.update(update)
    return checker.types


def check_projection(paths: Sequence[Path], resolver: AttributeResolver) -> None:
    """Check that every path of a projection exists. Raises :class:`ExpressionError`."""
    for path in paths:
        resolve_path(path, resolver)


def _describe(operand: Operand, t: AttrType) -> str:
    return f"'{_text(operand)}' ({t.describe()})"


class _Checker:
    def __init__(
        self, resolver: AttributeResolver, known: Mapping[str, ParamType] | None
    ):
        self.resolver = resolver
        self.types: dict[str, ParamType] = dict(known or {})

    # parameters -----------------------------------------------------------------------

    def bind(self, param: Param, t: ParamType) -> None:
        old = self.types.get(param.name)
        if old is None:
            self.types[param.name] = t
        elif old != t:
            raise ExpressionError(
                f"parameter ':{param.name}' is used as {t.describe()} here "
                f"but as {old.describe()} before",
                param.offset,
                "use two parameters",
            )

    def path(self, path: Path) -> AttrType:
        return resolve_path(path, self.resolver)

    # conditions -----------------------------------------------------------------------

    def condition(self, node: Condition) -> None:
        if isinstance(node, And | Or):
            kind = type(node)
            rights: list[Condition] = []
            current: Condition = node
            while isinstance(current, kind):
                assert isinstance(current, And | Or)
                rights.append(current.right)
                current = current.left
            self.condition(current)
            for right in reversed(rights):
                self.condition(right)
        elif isinstance(node, Not):
            self.condition(node.condition)
        elif isinstance(node, Comparison):
            ordering = None if node.op in ("=", "<>") else f"'{node.op}'"
            self.unify([node.left, node.right], ordering)
        elif isinstance(node, Between):
            self.unify([node.operand, node.low, node.high], "BETWEEN")
        elif isinstance(node, In):
            self.unify([node.operand, *node.choices], None)
        elif isinstance(node, AttributeExists | AttributeNotExists):
            self.path(node.path)
        elif isinstance(node, AttributeType):
            self.path(node.path)
            self.bind(node.type, TypeNameType())
        elif isinstance(node, BeginsWith):
            self.function_argument(
                node.path, node.prefix, "begins_with", text_part_type
            )
        else:
            self.function_argument(node.path, node.operand, "contains", element_type)

    def function_argument(
        self, path: Path, argument: Path | Param, name: str, rule: _Rule
    ) -> None:
        _distinct(path, [argument])
        t = self.path(path)
        wanted = rule(t)
        if wanted is None:
            needs = (
                "a string or bytes"
                if name == "begins_with"
                else "a string, set or list"
            )
            raise ExpressionError(
                f"{name}() needs {needs}; '{path.text}' is {a_or_an(t)}", path.offset
            )
        if isinstance(argument, Param):
            self.bind(argument, wanted)
            return
        found = self.path(argument)
        if not compatible(found, wanted):
            raise ExpressionError(
                f"{name}() on '{path.text}' needs {a_or_an(wanted)}, "
                f"but '{argument.text}' is {a_or_an(found)}",
                argument.offset,
            )

    def operand_type(self, operand: Operand) -> AttrType | None:
        if isinstance(operand, Param):
            return self.types.get(operand.name)
        if isinstance(operand, Size):
            t = self.path(operand.path)
            if not has_size(t):
                raise ExpressionError(
                    "size() needs a string, bytes, list, map or set; "
                    f"'{operand.path.text}' is {a_or_an(t)}",
                    operand.path.offset,
                )
            return INT
        return self.path(operand)

    def unify(self, operands: Sequence[Operand], ordering: str | None) -> None:
        """Operands that must be compatible (and orderable, given ``ordering``)."""
        _distinct(operands[0], operands[1:])
        types = [self.operand_type(o) for o in operands]
        anchors = [
            (o, t) for o, t in zip(operands, types, strict=True) if t is not None
        ]
        anchors.sort(key=lambda pair: isinstance(pair[0], Param))  # attributes first
        if not anchors:
            first = operands[0]
            raise ExpressionError(
                f"cannot infer the type of '{_text(first)}'",
                first.offset,
                "compare a parameter with an attribute or size()",
            )
        anchor, anchor_type = anchors[0]
        if ordering is not None and not orderable(anchor_type):
            raise ExpressionError(
                f"{ordering} needs numbers, strings or bytes; "
                f"'{_text(anchor)}' is {a_or_an(anchor_type)}",
                anchor.offset,
            )
        for operand, t in zip(operands, types, strict=True):
            if isinstance(operand, Param):
                self.bind(operand, anchor_type)
            elif t is not None and not compatible(t, anchor_type):
                raise ExpressionError(
                    f"cannot compare {_describe(anchor, anchor_type)} "
                    f"with {_describe(operand, t)}",
                    operand.offset,
                )

    # updates --------------------------------------------------------------------------

    def update(self, update: Update) -> None:
        for action in update.actions():
            if isinstance(action, SetAction):
                target = self.path(action.path)
                self.set_value(action.value, target, action.path)
            elif isinstance(action, Path):
                self.path(action)
            elif isinstance(action, AddAction):
                self.add(action)
            else:
                self.delete(action)

    def add(self, action: AddAction) -> None:
        t = self.path(action.path)
        if isinstance(t, SetType):
            self.bind(action.value, t)
            return
        added = arithmetic_type(t)
        if added is None:
            raise ExpressionError(
                f"ADD needs a number or a set; '{action.path.text}' is {a_or_an(t)}",
                action.path.offset,
                f"write SET {action.path.text} = :{action.value.name}",
            )
        self.bind(action.value, added)

    def delete(self, action: DeleteAction) -> None:
        t = self.path(action.path)
        if not isinstance(t, SetType):
            hint = (
                f"write REMOVE {action.path.text}[index]"
                if isinstance(t, ListType)
                else None
            )
            raise ExpressionError(
                "DELETE removes elements from a set; "
                f"'{action.path.text}' is {a_or_an(t)}",
                action.path.offset,
                hint,
            )
        self.bind(action.value, t)

    def set_value(self, node: SetValue, expected: AttrType, target: Path) -> None:
        if not isinstance(node, Arithmetic):
            self.set_operand(node, expected, target)
            return
        added = arithmetic_type(expected)
        if added is None:
            raise ExpressionError(
                f"'{node.op}' needs numbers, "
                f"but '{target.text}' is {a_or_an(expected)}",
                node.offset,
            )
        self.number_operand(node.left, added, node.op, expected, target)
        self.number_operand(node.right, added, node.op, expected, target)

    def number_operand(
        self,
        node: SetOperand,
        added: AttrType,
        op: str,
        expected: AttrType,
        target: Path,
    ) -> None:
        if isinstance(node, Param):
            self.bind(node, added)
            return
        if isinstance(node, ListAppend):
            raise ExpressionError(f"'{op}' needs numbers, not a list", node.offset)
        path = node if isinstance(node, Path) else node.path
        t = self.path(path)
        if not (is_number(t) or isinstance(t, JsonType)):
            raise ExpressionError(
                f"'{op}' needs numbers; '{path.text}' is {a_or_an(t)}", path.offset
            )
        if not assignable_by_arithmetic(expected, t):
            raise ExpressionError(
                f"cannot set '{target.text}' ({expected.describe()}) from a "
                f"'{op}' on '{path.text}' ({t.describe()}): "
                f"the result would not read back as {a_or_an(expected)}",
                path.offset,
            )
        if isinstance(node, IfNotExists):
            self.set_operand(node.default, t, node.path)

    def set_operand(self, node: SetOperand, expected: AttrType, target: Path) -> None:
        if isinstance(node, Param):
            self.bind(node, expected)
        elif isinstance(node, ListAppend):
            if not isinstance(expected, ListType | JsonType):
                raise ExpressionError(
                    "list_append() makes a list, "
                    f"but '{target.text}' is {a_or_an(expected)}",
                    node.offset,
                )
            self.set_operand(node.first, expected, target)
            self.set_operand(node.second, expected, target)
        else:
            path = node if isinstance(node, Path) else node.path
            t = self.path(path)
            if not assignable(expected, t):
                raise ExpressionError(
                    f"cannot set '{target.text}' ({expected.describe()}) "
                    f"from '{path.text}' ({t.describe()})",
                    path.offset,
                )
            if isinstance(node, IfNotExists):
                # a parameter default takes the type of the path it stands in for; a
                # path default is stored in the target, so it must be assignable to it
                default = node.default
                self.set_operand(
                    default, t if isinstance(default, Param) else expected, target
                )


def _distinct(first: Operand, others: Sequence[Operand]) -> None:
    """DynamoDB refuses an operator or function whose other operands repeat its first
    (``n < n``, ``contains(a, a)``): always true or always false, so surely a slip."""
    for other in others:
        if not isinstance(other, Param) and other == first:
            raise ExpressionError(
                f"'{_text(first)}' is compared with itself",
                other.offset,
                "DynamoDB refuses an operand repeated after the first one",
            )


def _text(operand: Operand) -> str:
    if isinstance(operand, Param):
        return ":" + operand.name
    if isinstance(operand, Size):
        return f"size({operand.path.text})"
    return operand.text
