"""The syntax tree of DynamoDB expressions written over entity attribute names.

Every node is a frozen dataclass carrying ``offset``, the 0-based character offset in
the source string where the node starts, so that later phases can locate their errors.
Offsets are excluded from equality and hashing: two trees are equal when they have the
same shape and names, wherever they were written (this is what the render-then-parse
round trip relies on).

Binary ``AND``/``OR`` nodes nest to the left, as the parser groups them:
``a AND b AND c`` is ``And(And(a, b), c)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Literal

Comparator = Literal["=", "<>", "<", "<=", ">", ">="]
COMPARATORS: tuple[Comparator, ...] = ("=", "<>", "<", "<=", ">", ">=")
Segment = str | int


def path_text(segments: tuple[Segment, ...]) -> str:
    """A path as written in the schema: ``lines[0].sku``."""
    out: list[str] = []
    for segment in segments:
        if isinstance(segment, int):
            out.append(f"[{segment}]")
        else:
            out.append(f".{segment}" if out else segment)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Path:
    """A document path: attribute names and list indexes, the first always a name.

    ``segment_offsets`` holds where each segment starts (a name's first character, or
    the ``[`` of an index); it may be left empty for hand-built trees, in which case
    every segment is located at ``offset``.
    """

    segments: tuple[Segment, ...]
    offset: int = field(compare=False)
    segment_offsets: tuple[int, ...] = field(compare=False, default=())

    @property
    def text(self) -> str:
        return path_text(self.segments)

    @property
    def top(self) -> str:
        """The top-level attribute name."""
        first = self.segments[0]
        assert isinstance(first, str)
        return first

    def segment_offset(self, index: int) -> int:
        if index < len(self.segment_offsets):
            return self.segment_offsets[index]
        return self.offset


@dataclass(frozen=True, slots=True)
class Param:
    """A ``:name`` parameter; ``name`` is stored without the colon.

    A literal value (``1``, ``-2.5``, ``'closed'``, ``true``) is a parameter too, typed
    like one and sent as a placeholder: ``literal`` holds it as written and ``name`` is
    ``literal@<offset>``, which no ``:name`` can spell.
    """

    name: str
    offset: int = field(compare=False)
    literal: str | None = None


@dataclass(frozen=True, slots=True)
class Size:
    """``size(path)``, an operand of a condition."""

    path: Path
    offset: int = field(compare=False)


Operand = Path | Param | Size


@dataclass(frozen=True, slots=True)
class Comparison:
    op: Comparator
    left: Operand
    right: Operand
    offset: int = field(compare=False)


@dataclass(frozen=True, slots=True)
class Between:
    operand: Operand
    low: Operand
    high: Operand
    offset: int = field(compare=False)


@dataclass(frozen=True, slots=True)
class In:
    operand: Operand
    choices: tuple[Operand, ...]
    offset: int = field(compare=False)


@dataclass(frozen=True, slots=True)
class And:
    left: Condition
    right: Condition
    offset: int = field(compare=False)


@dataclass(frozen=True, slots=True)
class Or:
    left: Condition
    right: Condition
    offset: int = field(compare=False)


@dataclass(frozen=True, slots=True)
class Not:
    condition: Condition
    offset: int = field(compare=False)


@dataclass(frozen=True, slots=True)
class AttributeExists:
    path: Path
    offset: int = field(compare=False)


@dataclass(frozen=True, slots=True)
class AttributeNotExists:
    path: Path
    offset: int = field(compare=False)


@dataclass(frozen=True, slots=True)
class AttributeType:
    path: Path
    type: Param
    offset: int = field(compare=False)


@dataclass(frozen=True, slots=True)
class BeginsWith:
    path: Path
    prefix: Path | Param
    offset: int = field(compare=False)


@dataclass(frozen=True, slots=True)
class Contains:
    path: Path
    operand: Path | Param
    offset: int = field(compare=False)


Condition = (
    Comparison
    | Between
    | In
    | And
    | Or
    | Not
    | AttributeExists
    | AttributeNotExists
    | AttributeType
    | BeginsWith
    | Contains
)


@dataclass(frozen=True, slots=True)
class IfNotExists:
    """``if_not_exists(path, default)``: the value at ``path``, else ``default``.

    ``default`` is a path or a parameter, not a nested function (moto refuses one, and
    DynamoDB's grammar is unclear about it).
    """

    path: Path
    default: Path | Param
    offset: int = field(compare=False)


@dataclass(frozen=True, slots=True)
class ListAppend:
    first: SetOperand
    second: SetOperand
    offset: int = field(compare=False)


SetOperand = Path | Param | IfNotExists | ListAppend


@dataclass(frozen=True, slots=True)
class Arithmetic:
    """``left + right`` or ``left - right`` (one operator per action, as DynamoDB)."""

    op: Literal["+", "-"]
    left: SetOperand
    right: SetOperand
    offset: int = field(compare=False)


SetValue = SetOperand | Arithmetic


@dataclass(frozen=True, slots=True)
class SetAction:
    path: Path
    value: SetValue
    offset: int = field(compare=False)


@dataclass(frozen=True, slots=True)
class AddAction:
    path: Path
    value: Param
    offset: int = field(compare=False)


@dataclass(frozen=True, slots=True)
class DeleteAction:
    path: Path
    value: Param
    offset: int = field(compare=False)


Action = SetAction | Path | AddAction | DeleteAction


@dataclass(frozen=True, slots=True)
class Update:
    """An update expression. An absent clause is an empty tuple; a present one is not.

    The order the clauses were written in is not kept (it has no meaning); use
    :meth:`actions` for every action in source order.
    """

    set: tuple[SetAction, ...] = ()
    remove: tuple[Path, ...] = ()
    add: tuple[AddAction, ...] = ()
    delete: tuple[DeleteAction, ...] = ()
    offset: int = field(compare=False, default=0)

    def actions(self) -> list[Action]:
        """Every action of every clause, in the order they appear in the source."""
        every: list[Action] = [*self.set, *self.remove, *self.add, *self.delete]
        return sorted(every, key=lambda action: action.offset)


Node = Operand | Condition | SetValue | SetAction | AddAction | DeleteAction | Update
_NODE_TYPES = (
    Path,
    Param,
    Size,
    Comparison,
    Between,
    In,
    And,
    Or,
    Not,
    AttributeExists,
    AttributeNotExists,
    AttributeType,
    BeginsWith,
    Contains,
    IfNotExists,
    ListAppend,
    Arithmetic,
    SetAction,
    AddAction,
    DeleteAction,
    Update,
)


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree under ``node`` (itself included), parents before children.

    Children come in field order, which for conditions is source order. Iterative, so
    that deep trees never hit the recursion limit.
    """
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        yield current
        children: list[Node] = []
        for f in fields(current):
            value = getattr(current, f.name)
            items = value if isinstance(value, tuple) else (value,)
            children.extend(item for item in items if isinstance(item, _NODE_TYPES))
        stack.extend(reversed(children))


def paths(node: Node) -> list[Path]:
    """Every path in the tree (``size``'s and functions' included), in walk order."""
    return [n for n in walk(node) if isinstance(n, Path)]


def params(node: Node) -> list[Param]:
    """Every parameter occurrence in the tree, in walk order."""
    return [n for n in walk(node) if isinstance(n, Param)]
