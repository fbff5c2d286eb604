"""Print a syntax tree as expression text.

One printer serves two purposes: with :data:`SOURCE` it prints the schema's own language
(the parser reads it back to an equal tree), and the compiler passes a formatter that
prints placeholders instead of names. The output is canonical: keywords upper case,
function names lower case (DynamoDB's function names are case-sensitive), one space
around operators, a space after each comma, parentheses only where the grouping needs
them, update clauses in the order SET, REMOVE, ADD, DELETE.

Formatters are called in the order their output appears in the text, so a formatter that
allocates placeholders numbers them by first appearance.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

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


class Formatter(Protocol):
    """How the printer writes the leaves of a tree."""

    def path(self, path: Path) -> str:
        """A path that is tested, compared, written or removed."""
        ...

    def read(self, path: Path) -> str:
        """A path whose value a SET action reads (an operand of the new value)."""
        ...

    def param(self, param: Param) -> str: ...


class _Source:
    def path(self, path: Path) -> str:
        return path.text

    def read(self, path: Path) -> str:
        return path.text

    def param(self, param: Param) -> str:
        return ":" + param.name


#: Prints the schema's own expression language.
SOURCE: Formatter = _Source()

_OR, _AND, _NOT, _ATOM = 1, 2, 3, 4


def _precedence(node: Condition) -> int:
    if isinstance(node, Or):
        return _OR
    if isinstance(node, And):
        return _AND
    if isinstance(node, Not):
        return _NOT
    return _ATOM


def render_condition(node: Condition, fmt: Formatter = SOURCE) -> str:
    """A condition as text, parenthesized so that it parses back to the same tree."""
    if isinstance(node, And | Or):
        # Walk the left spine iteratively: a long AND chain must not recurse per term.
        kind = type(node)
        rights: list[Condition] = []
        current: Condition = node
        while isinstance(current, kind):
            assert isinstance(current, And | Or)
            rights.append(current.right)
            current = current.left
        level = _precedence(node)
        parts = [_grouped(current, fmt, _precedence(current) < level)]
        for right in reversed(rights):
            parts.append(_grouped(right, fmt, _precedence(right) <= level))
        return f" {'AND' if kind is And else 'OR'} ".join(parts)
    if isinstance(node, Not):
        # DynamoDB's grammar takes NOT before a comparison, a function or a group, not
        # before another NOT: a nested NOT is parenthesized (``NOT (NOT a = :v)``).
        inner = node.condition
        return "NOT " + _grouped(inner, fmt, _precedence(inner) <= _NOT)
    if isinstance(node, Comparison):
        left = render_operand(node.left, fmt)
        return f"{left} {node.op} {render_operand(node.right, fmt)}"
    if isinstance(node, Between):
        operand = render_operand(node.operand, fmt)
        low = render_operand(node.low, fmt)
        return f"{operand} BETWEEN {low} AND {render_operand(node.high, fmt)}"
    if isinstance(node, In):
        first = render_operand(node.operand, fmt)
        return f"{first} IN ({', '.join(render_operand(c, fmt) for c in node.choices)})"
    if isinstance(node, AttributeExists):
        return f"attribute_exists({fmt.path(node.path)})"
    if isinstance(node, AttributeNotExists):
        return f"attribute_not_exists({fmt.path(node.path)})"
    if isinstance(node, AttributeType):
        return f"attribute_type({fmt.path(node.path)}, {fmt.param(node.type)})"
    if isinstance(node, BeginsWith):
        return f"begins_with({fmt.path(node.path)}, {render_operand(node.prefix, fmt)})"
    return f"contains({fmt.path(node.path)}, {render_operand(node.operand, fmt)})"


def _grouped(node: Condition, fmt: Formatter, parenthesize: bool) -> str:
    text = render_condition(node, fmt)
    return f"({text})" if parenthesize else text


def render_operand(node: Operand, fmt: Formatter = SOURCE) -> str:
    if isinstance(node, Path):
        return fmt.path(node)
    if isinstance(node, Param):
        return fmt.param(node)
    assert isinstance(node, Size)
    return f"size({fmt.path(node.path)})"


def render_set_value(node: SetValue, fmt: Formatter = SOURCE) -> str:
    if isinstance(node, Arithmetic):
        left = _set_operand(node.left, fmt)
        return f"{left} {node.op} {_set_operand(node.right, fmt)}"
    return _set_operand(node, fmt)


def _set_operand(node: SetOperand, fmt: Formatter) -> str:
    if isinstance(node, Path):
        return fmt.read(node)
    if isinstance(node, Param):
        return fmt.param(node)
    if isinstance(node, IfNotExists):
        # The default is written as is: a read through if_not_exists cannot nest here.
        path = fmt.path(node.path)
        return f"if_not_exists({path}, {render_operand(node.default, fmt)})"
    first = _set_operand(node.first, fmt)
    return f"list_append({first}, {_set_operand(node.second, fmt)})"


def render_set_action(action: SetAction, fmt: Formatter = SOURCE) -> str:
    target = fmt.path(action.path)
    return f"{target} = {render_set_value(action.value, fmt)}"


def render_add_action(action: AddAction | DeleteAction, fmt: Formatter = SOURCE) -> str:
    """An ADD or DELETE action (both are ``path :value``)."""
    target = fmt.path(action.path)
    return f"{target} {fmt.param(action.value)}"


def join_update(
    set_actions: Sequence[str] = (),
    remove_actions: Sequence[str] = (),
    add_actions: Sequence[str] = (),
    delete_actions: Sequence[str] = (),
) -> str:
    """Join rendered actions into an update expression; empty clauses are left out.

    Generated code and the repository generator use this to add their own actions
    (version, timestamps, derived keys) to a compiled update.
    """
    clauses = (
        ("SET", set_actions),
        ("REMOVE", remove_actions),
        ("ADD", add_actions),
        ("DELETE", delete_actions),
    )
    return " ".join(
        f"{word} {', '.join(actions)}" for word, actions in clauses if actions
    )


def render_update(update: Update, fmt: Formatter = SOURCE) -> str:
    """An update as text, clauses in the order SET, REMOVE, ADD, DELETE."""
    return join_update(
        [render_set_action(a, fmt) for a in update.set],
        [fmt.path(p) for p in update.remove],
        [render_add_action(a, fmt) for a in update.add],
        [render_add_action(a, fmt) for a in update.delete],
    )


def render_projection(paths: Sequence[Path], fmt: Formatter = SOURCE) -> str:
    return ", ".join(fmt.path(p) for p in paths)
