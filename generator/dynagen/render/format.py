"""Lay out rendered Python the way ``ruff format`` does, with no tool outside dynagen.

Templates write each statement on one line or split it by hand; this pass re-flows
every logical line so that generated files pass ``ruff format --check`` (line length 88)
untouched, while the bytes depend only on dynagen itself (no formatter is run, so the
user's installed tools never change the output). It is the line-splitting algorithm
of black, which ruff's formatter follows, for the shapes of code that dynagen emits:

- a line that fits (88 columns; a trailing comment does not count) and has no magic
  trailing comma is joined onto one line;
- otherwise it is split at its last bracket pair (its *right-hand side*; optional
  parentheses around an assigned or returned value are used only where splitting
  inside the value reads worse), a ``def`` at its parameters, and a bracket's body at
  its delimiters of the highest priority (commas, then ternaries, ``and``/``or``,
  comparisons, arithmetic, method-chain dots), one per line with a trailing comma where
  the delimiter is a comma;
- single-quoted strings become double-quoted where that needs no more escapes.

Whitespace inside a line, blank lines, comments and docstrings are the templates' own
(they write them as ruff does); ``tests/style/`` checks the result with the pinned
ruff over every case and over generated schemas with long and short names.
"""

from __future__ import annotations

import io
import keyword
import tokenize
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from dynagen.resources import RUNTIME_PACKAGE

LINE_LENGTH = 88
INDENT = "    "

COMMA_PRIORITY = 18
COMPREHENSION_PRIORITY = 20
TERNARY_PRIORITY = 16
LOGIC_PRIORITY = 14
STRING_PRIORITY = 12
COMPARATOR_PRIORITY = 10
MATH_PRIORITIES = {
    "|": 9,
    "^": 8,
    "&": 7,
    "<<": 6,
    ">>": 6,
    "+": 5,
    "-": 5,
    "*": 4,
    "/": 4,
    "//": 4,
    "%": 4,
    "@": 4,
    "**": 1,
}
DOT_PRIORITY = 1
COMPARATORS = {"<", ">", "==", "!=", "<=", ">=", "in", "is"}
OPENING = {"(": ")", "[": "]", "{": "}"}
CLOSING = {")", "]", "}"}
#: Statements whose value (after the keyword) sits in optional parentheses.
VALUE_KEYWORDS = {"return", "if", "elif", "while", "assert", "del", "in"}
PRAGMAS = ("# noqa", "# type:", "# pyright:", "# pylint:", "# ruff:", "# nosec")
ASSIGNMENTS = {"=", "+=", "-=", "*=", "/=", "//=", "%=", "|=", "&=", "^=", "**=", "@="}


class CannotSplit(Exception):
    """A split that does not apply to this line."""


@dataclass(slots=True, eq=False)
class Leaf:
    """One token of a logical line, with the whitespace before it on a joined line."""

    kind: int  # a ``tokenize`` token type
    value: str
    prefix: str = ""
    invisible: bool = False  # an optional parenthesis, "" unless the line splits there
    best_fit: bool = False  # optional parentheses around a value, not an annotation
    assigned: bool = False  # optional parentheses around an assigned value
    is_opening: bool = field(init=False)
    is_closing: bool = field(init=False)

    def __post_init__(self) -> None:
        self.is_opening = self.kind == tokenize.OP and self.value in OPENING
        self.is_closing = self.kind == tokenize.OP and self.value in CLOSING

    @property
    def text(self) -> str:
        return "" if self.invisible else self.value

    def is_word(self, *words: str) -> bool:
        return self.kind == tokenize.NAME and self.value in words


@dataclass(slots=True)
class Line:
    depth: int
    leaves: list[Leaf]
    comment: str = ""
    inside_brackets: bool = False
    should_split: bool = False
    is_def: bool = False
    matching: dict[int, int] = field(default_factory=dict)  # bracket index → partner

    def __post_init__(self) -> None:
        stack: list[int] = []
        self.matching = {}
        for index, leaf in enumerate(self.leaves):
            if leaf.is_opening:
                stack.append(index)
            elif leaf.is_closing and stack:
                start = stack.pop()
                self.matching[start] = index
                self.matching[index] = start

    def render(self) -> str:
        """The line as text. Optional parentheses print nothing, and the whitespace
        before one carries over to the leaf after it."""
        parts = [INDENT * self.depth]
        started = False
        carried: str | None = None
        for leaf in self.leaves:
            if leaf.invisible:
                if leaf.is_opening and started and carried is None:
                    carried = leaf.prefix
                continue
            if started:
                parts.append(leaf.prefix if carried is None else carried)
            carried = None
            started = True
            parts.append(leaf.value)
        if self.comment:
            parts.append(f"  {self.comment}")
        return "".join(parts)

    def fits(self, length: int = LINE_LENGTH) -> bool:
        """Whether the line is at most ``length`` columns, not counting a trailing
        pragma comment (``# noqa``, ``# type:``...), which ruff does not count."""
        if any(leaf.kind == tokenize.COMMENT for leaf in self.leaves):
            return False  # a comment on a line of its own inside brackets
        text = self.render()
        if "\n" in text:
            return False
        width = len(text)
        if self.comment and self.comment.startswith(PRAGMAS):
            width -= len(self.comment) + 2
        return width <= length

    @property
    def magic_trailing_comma(self) -> bool:
        for index, leaf in enumerate(self.leaves):
            if (
                leaf.is_closing
                and index > 0
                and self.leaves[index - 1].value == ","
                and self._is_magic(self.matching.get(index), index)
            ):
                return True
        return False

    def _is_magic(self, opening: int | None, closing: int) -> bool:
        if opening is None:
            return True
        bracket = self.leaves[opening].value
        if opening > 0 and self.leaves[opening - 1].is_word("import"):
            return True
        commas = sum(
            1 for i in range(opening + 1, closing) if self._depth_between(opening, i)
        )
        if bracket == "(" and not self.is_trailer(opening) and commas == 1:
            return False  # a one-tuple
        return not (bracket == "[" and self.is_trailer(opening) and commas == 1)

    def _depth_between(self, opening: int, index: int) -> bool:
        """Whether leaf ``index`` is a comma directly inside bracket ``opening``."""
        if self.leaves[index].value != ",":
            return False
        depth = 0
        for i in range(opening + 1, index):
            if self.leaves[i].is_opening:
                depth += 1
            elif self.leaves[i].is_closing:
                depth -= 1
        return depth == 0

    def is_trailer(self, opening: int) -> bool:
        """Whether the bracket at ``opening`` calls or subscripts what precedes it."""
        if opening == 0:
            return False
        before = self.leaves[opening - 1]
        if before.invisible:
            return False
        if before.kind == tokenize.NAME:
            return not keyword.iskeyword(before.value) or before.value in (
                "True",
                "False",
                "None",
            )
        return before.is_closing or before.kind == tokenize.STRING

    @property
    def is_import(self) -> bool:
        return bool(self.leaves) and self.leaves[0].is_word("from", "import")


# -- delimiters ------------------------------------------------------------------------


def delimiters(line: Line) -> dict[int, int]:
    """Priority of splitting after each leaf at bracket depth 0 of ``line``."""
    leaves = line.leaves
    result: dict[int, int] = {}
    depth = 0
    seen_for = False
    # Commas between ``for`` and ``in`` (targets) or ``lambda`` and ``:`` (parameters)
    # are not delimiters.
    in_targets = False
    in_lambda = False
    for index, leaf in enumerate(leaves):
        if leaf.is_closing:
            depth -= 1
        if depth == 0:
            if index > 0:
                priority = _before(leaves, index, seen_for)
                if leaf.is_word("in") and in_targets:
                    priority = 0  # the ``in`` of a ``for``
                if priority:
                    result[index - 1] = max(result.get(index - 1, 0), priority)
            if leaf.is_word("for"):
                seen_for = in_targets = True
            elif leaf.is_word("in") and in_targets:
                in_targets = False
            elif leaf.is_word("lambda"):
                in_lambda = True
            elif leaf.value == ":" and in_lambda:
                in_lambda = False
            elif leaf.value == "," and not (in_targets or in_lambda):
                result[index] = COMMA_PRIORITY
        if leaf.is_opening:
            depth += 1
    return result


def _before(leaves: list[Leaf], index: int, seen_for: bool) -> int:
    """The priority of splitting before ``leaves[index]``."""
    leaf, previous = leaves[index], leaves[index - 1]
    if leaf.kind == tokenize.NAME:
        if leaf.value in ("for",) or (
            leaf.value == "async" and _next_is(leaves, index, "for")
        ):
            return COMPREHENSION_PRIORITY
        if leaf.value == "if":
            return COMPREHENSION_PRIORITY if seen_for else TERNARY_PRIORITY
        if leaf.value == "else":
            return TERNARY_PRIORITY
        if leaf.value in ("and", "or"):
            return LOGIC_PRIORITY
        if leaf.value == "not" and _next_is(leaves, index, "in"):
            return COMPARATOR_PRIORITY
        if leaf.value == "in" and not previous.is_word("not"):
            return COMPARATOR_PRIORITY
        if leaf.value == "is":
            return COMPARATOR_PRIORITY
        return 0
    if leaf.kind == tokenize.STRING and previous.kind == tokenize.STRING:
        return STRING_PRIORITY
    if leaf.kind != tokenize.OP:
        return 0
    if leaf.value in COMPARATORS:
        return COMPARATOR_PRIORITY
    if leaf.value in MATH_PRIORITIES and not _is_unary(leaves, index):
        return MATH_PRIORITIES[leaf.value]
    if leaf.value == "." and previous.is_closing and not previous.invisible:
        return DOT_PRIORITY
    return 0


def _next_is(leaves: list[Leaf], index: int, word: str) -> bool:
    return index + 1 < len(leaves) and leaves[index + 1].is_word(word)


def _is_unary(leaves: list[Leaf], index: int) -> bool:
    if index == 0:
        return True
    previous = leaves[index - 1]
    if previous.kind == tokenize.OP:
        return not previous.is_closing
    return (
        previous.kind == tokenize.NAME
        and keyword.iskeyword(previous.value)
        and (previous.value not in ("True", "False", "None"))
    )


# -- splitting -------------------------------------------------------------------------


def transform(line: Line, force: bool = False) -> list[Line]:
    """``line`` as the lines ruff would lay it out (``force``: split at optional
    parentheses rather than inside the value)."""
    if line.fits() and not line.should_split and not line.magic_trailing_comma:
        return [line]
    if len(line.leaves) > 1 and line.leaves[0].kind == tokenize.COMMENT:
        # A comment on its own line, before the rest of a bracket's body.
        rest = Line(
            line.depth,
            [_strip(line.leaves[1]), *line.leaves[2:]],
            comment=line.comment,
            inside_brackets=line.inside_brackets,
            should_split=line.should_split,
        )
        return [Line(line.depth, line.leaves[:1]), *transform(rest, force)]
    attempts = []
    if line.is_def:
        attempts.append(left_hand_split)
    else:
        if line.inside_brackets:
            attempts.append(delimiter_split)
        attempts.append(rhs)
    original = line.render()
    for attempt in attempts:
        try:
            produced = rhs(line, force) if attempt is rhs else attempt(line)
        except CannotSplit:
            continue
        if len(produced) == 1 and produced[0].render() == original:
            continue
        result: list[Line] = []
        for piece in produced:
            result.extend(transform(piece, force))
        if (
            attempt is rhs
            and not force
            and not result[0].fits()
            and (mode := _optional_parentheses_mode(line))
        ):
            # The value does not fit even split inside: ruff then uses its optional
            # parentheses (a value that is one call or literal keeps none).
            try:
                second = [
                    piece
                    for produced_line in rhs(line, True)
                    for piece in transform(produced_line, True)
                ]
            except CannotSplit:
                second = []
            if second and (mode == "always" or all(p.fits() for p in second)):
                result = second
        return result
    return [line]


def _optional_parentheses_mode(line: Line) -> str:
    """When ruff falls back to the optional parentheses of a value whose split inside
    leaves a first line too long: "always" for a value with delimiters (``a or b``),
    "if all fit" for a call or literal (assigned, returned...), "" (never) for an
    annotation."""
    mode = ""
    for index, leaf in enumerate(line.leaves):
        if not (leaf.invisible and leaf.is_opening and index in line.matching):
            continue
        body = line.leaves[index + 1 : line.matching[index]]
        priorities = delimiters(Line(0, [_strip(body[0]), *body[1:]])) if body else {}
        top = max(priorities.values(), default=0)
        dots = sum(1 for p in priorities.values() if p == DOT_PRIORITY)
        if top > DOT_PRIORITY or dots > 1:  # an operator, or a chain of calls
            return "always"
        if leaf.best_fit:
            mode = "if all fit"
    return mode


def rhs(line: Line, force: bool = False) -> list[Line]:
    """Split at the last bracket pair whose split makes the first line fit."""
    for omit in trailers_to_omit(line):
        try:
            lines = right_hand_split(line, omit, force)
        except CannotSplit:
            continue
        if lines[0].fits():
            return lines
    return right_hand_split(line, frozenset(), force)


def trailers_to_omit(line: Line) -> Iterator[frozenset[int]]:
    """Sets of closing brackets to skip, growing from the right while the skipped
    trailers fit on one line (black's ``generate_trailers_to_omit``)."""
    omit: set[int] = set()
    if not line.magic_trailing_comma:
        yield frozenset(omit)
    length = len(INDENT) * line.depth
    opening: int | None = None
    closing: int | None = None
    inner: set[int] = set()
    leaves = line.leaves
    for index in range(len(leaves) - 1, -1, -1):
        leaf = leaves[index]
        length += len(leaf.text) + (len(leaf.prefix) if leaf.text else 0)
        if length > LINE_LENGTH:
            break
        if opening is not None:
            if index == opening:
                opening = None
            elif leaf.is_closing:
                inner.add(index)
        elif leaf.is_closing:
            previous = leaves[index - 1] if index > 0 else None
            if previous is not None and previous.is_opening:
                inner.add(index)
                continue
            if closing is not None:
                omit.add(closing)
                omit |= inner
                inner.clear()
                yield frozenset(omit)
            if previous is not None and previous.value == ",":
                break
            if not leaf.invisible:
                opening = line.matching.get(index)
                closing = index


def first_right_hand_split(
    line: Line, omit: frozenset[int]
) -> tuple[list[Leaf], list[Leaf], list[Leaf], int, int]:
    leaves = line.leaves
    closing = None
    index = len(leaves) - 1
    while index >= 0:
        leaf = leaves[index]
        if leaf.is_closing and index not in omit and index in line.matching:
            opening = line.matching[index]
            if opening + 1 < index:  # empty brackets do not split
                closing = index
                break
        index -= 1
    if closing is None:
        raise CannotSplit("no brackets")
    opening = line.matching[closing]
    head, body, tail = (
        leaves[: opening + 1],
        leaves[opening + 1 : closing],
        leaves[closing:],
    )
    if not [leaf for leaf in head if leaf.text or leaf is leaves[opening]]:
        raise CannotSplit("no head")
    return head, body, tail, opening, closing


def right_hand_split(
    line: Line, omit: frozenset[int], force: bool = False
) -> list[Line]:
    head, body, tail, opening, closing = first_right_hand_split(line, omit)
    bracket = line.leaves[opening]
    if (
        bracket.invisible
        and not force
        and not line.is_import
        and _can_omit_optional_parens(line, body)
    ):
        try:
            alternative = right_hand_split(line, omit | {closing})
            if _prefer_omitting(alternative[0], line, head, opening):
                return alternative
        except CannotSplit as error:
            if not any(leaf.is_opening for leaf in body):
                # A value with no brackets of its own (a name, an attribute, a
                # constant): ruff wraps it in parentheses only where that makes it fit;
                # an annotation like that, never.
                if not bracket.best_fit or line.comment:
                    # (parentheses never help a line whose trailing comment is long)
                    raise CannotSplit("an annotation without brackets") from error
                lines = _build(line, head, body, tail, opening)
                if not all(piece.fits() for piece in lines):
                    raise CannotSplit("parentheses would not make it fit") from error
                return lines
    return _build(line, head, body, tail, opening)


def _prefer_omitting(
    alt_head: Line, line: Line, head: list[Leaf], opening: int
) -> bool:
    """Whether a split inside the value beats one at its optional parentheses
    (black's ``_prefer_split_rhs_oop_over_rhs``, for assignments)."""
    visible = [leaf for leaf in head if leaf.text]
    if not visible or visible[-1].value not in ASSIGNMENTS:
        return True
    if not any(leaf.is_opening or leaf.is_closing for leaf in head[:-1]):
        return True
    bracket = line.leaves[opening]
    head_line = Line(
        line.depth, [*head[:-1], Leaf(bracket.kind, bracket.value, bracket.prefix)]
    )
    if not head_line.fits(LINE_LENGTH):
        return True
    for leaf in reversed(alt_head.leaves):
        if leaf.value in ASSIGNMENTS:
            break
        if leaf.is_closing and not leaf.invisible:
            return True
    return (
        any(leaf.value in ASSIGNMENTS for leaf in alt_head.leaves) and alt_head.fits()
    )


def _build(
    line: Line, head: list[Leaf], body: list[Leaf], tail: list[Leaf], opening: int
) -> list[Line]:
    bracket = line.leaves[opening]
    closing = line.matching[opening]
    visible_open = Leaf(bracket.kind, bracket.value, bracket.prefix)
    visible_close = Leaf(line.leaves[closing].kind, line.leaves[closing].value)
    head_line = Line(
        line.depth,
        [*head[:-1], visible_open],
        inside_brackets=line.inside_brackets,
    )
    tail_line = Line(
        line.depth,
        [visible_close, *tail[1:]],
        comment=line.comment,
        inside_brackets=line.inside_brackets,
    )
    body_line = Line(line.depth + 1, list(body), inside_brackets=True)
    if body and line.is_import and body[-1].value != ",":
        body_line.leaves.append(Leaf(tokenize.OP, ","))
    if body:
        body_line.leaves[0] = _strip(body_line.leaves[0])
        is_collection = not line.is_trailer(opening)
        priorities = delimiters(body_line)
        last = len(body) - 1
        top = max((p for i, p in priorities.items() if i != last), default=0)
        trailing = body[-1].value == ","
        if top == COMMA_PRIORITY and (trailing or is_collection):
            body_line.should_split = True
        if line.is_import and any(p == COMMA_PRIORITY for p in priorities.values()):
            body_line.should_split = True
    lines = [head_line]
    if body:
        lines.append(body_line)
    lines.append(tail_line)
    if not tail_line.fits() and len(tail) > 1 and not _splittable(tail_line):
        raise CannotSplit("the tail would be too long")
    return lines


def _splittable(line: Line) -> bool:
    return any(leaf.is_opening for leaf in line.leaves[1:])


def _strip(leaf: Leaf) -> Leaf:
    """``leaf`` with no whitespace before it (it starts a line)."""
    return Leaf(leaf.kind, leaf.value, "", leaf.invisible, leaf.best_fit, leaf.assigned)


def _can_omit_optional_parens(line: Line, body: list[Leaf]) -> bool:
    """black's ``can_omit_invisible_parens``: whether to try splitting inside the value
    before splitting at its optional parentheses."""
    body_line = Line(line.depth + 1, [_strip(body[0]), *body[1:]] if body else [])
    depth = 0
    for leaf in body:
        depth += leaf.is_opening - leaf.is_closing
        if depth == 0 and leaf.kind == tokenize.COMMENT:
            return False  # the parentheses hold a comment on its own line
    priorities = delimiters(body_line)
    if not priorities:
        return True
    top = max(priorities.values())
    if sum(1 for p in priorities.values() if p == top) > 1:
        return False
    if top == DOT_PRIORITY:
        return True
    leaves = body_line.leaves
    if len(leaves) < 2:
        return False
    first, second = leaves[0], leaves[1]
    if first.is_opening and not second.is_closing and _can_omit_opening(body_line):
        return True
    last, penultimate = leaves[-1], leaves[-2]
    if last.value in (")", "}") or (
        last.value == "]"
        and not body_line.is_trailer(body_line.matching.get(len(leaves) - 1, 0))
    ):
        if penultimate.is_opening:
            return False
        return _can_omit_closing(body_line)
    return False


def _lengths(line: Line) -> Iterator[tuple[int, Leaf, int]]:
    for index, leaf in enumerate(line.leaves):
        yield (
            index,
            leaf,
            len(leaf.text) + (len(leaf.prefix) if index and leaf.text else 0),
        )


def _can_omit_opening(line: Line) -> bool:
    remainder = False
    length = len(INDENT) * line.depth
    index = -1
    for index, leaf, leaf_length in _lengths(line):
        if leaf.is_closing and line.matching.get(index) == 0:
            remainder = True
        if remainder:
            length += leaf_length
            if length > LINE_LENGTH:
                return False
            if leaf.is_opening:
                remainder = False
    return len(line.leaves) == index + 1


def _can_omit_closing(line: Line) -> bool:
    length = len(INDENT) * line.depth
    last_opening = line.matching.get(len(line.leaves) - 1)
    seen_other = False
    for index, leaf, leaf_length in _lengths(line):
        length += leaf_length
        if index == last_opening:
            if seen_other or length <= LINE_LENGTH:
                return True
        elif leaf.is_opening:
            seen_other = True
    return False


def delimiter_split(line: Line) -> list[Line]:
    priorities = delimiters(line)
    priorities.pop(len(line.leaves) - 1, None)  # a trailing comma is not a delimiter
    if not priorities:
        raise CannotSplit("no delimiters")
    top = max(priorities.values())
    if top == DOT_PRIORITY and sum(1 for p in priorities.values() if p == top) == 1:
        raise CannotSplit("a single attribute")
    result: list[Line] = []
    current: list[Leaf] = []
    for index, leaf in enumerate(line.leaves):
        if leaf.kind == tokenize.COMMENT:
            if current:
                result.append(Line(line.depth, current, inside_brackets=True))
                current = []
            result.append(Line(line.depth, [_strip(leaf)], inside_brackets=True))
            continue
        current.append(_strip(leaf) if not current else leaf)
        if priorities.get(index) == top:
            result.append(Line(line.depth, current, inside_brackets=True))
            current = []
    if current:
        if top == COMMA_PRIORITY and current[-1].value != ",":
            current.append(Leaf(tokenize.OP, ","))
        result.append(Line(line.depth, current, inside_brackets=True))
    result[-1].comment = line.comment
    return result


def left_hand_split(line: Line) -> list[Line]:
    """Split a ``def`` at its parameters; a body without commas gets one."""
    leaves = line.leaves
    opening = next((i for i, leaf in enumerate(leaves) if leaf.is_opening), None)
    if opening is None or opening not in line.matching:
        raise CannotSplit("no brackets")
    closing = line.matching[opening]
    head = Line(line.depth, leaves[: opening + 1])
    body_leaves = (
        [_strip(leaves[opening + 1]), *leaves[opening + 2 : closing]]
        if closing > opening + 1
        else []
    )
    if body_leaves and not any(leaf.value == "," for leaf in body_leaves):
        body_leaves.append(Leaf(tokenize.OP, ","))
    elif body_leaves:
        depth = 0
        top_commas = False
        for leaf in body_leaves:
            if leaf.is_opening:
                depth += 1
            elif leaf.is_closing:
                depth -= 1
            elif leaf.value == "," and depth == 0:
                top_commas = True
        if not top_commas:
            body_leaves.append(Leaf(tokenize.OP, ","))
    body = Line(line.depth + 1, body_leaves, inside_brackets=True)
    if body_leaves and body_leaves[-1].value == "," and line.magic_trailing_comma:
        priorities = delimiters(body)
        priorities.pop(len(body_leaves) - 1, None)
        body.should_split = COMMA_PRIORITY in priorities.values()
    tail = Line(
        line.depth,
        [Leaf(leaves[closing].kind, leaves[closing].value), *leaves[closing + 1 :]],
        comment=line.comment,
    )
    return [head, body, tail] if body_leaves else [head, tail]


# -- reading the templates' output -----------------------------------------------------


@dataclass(slots=True)
class _Logical:
    depth: int
    tokens: list[tokenize.TokenInfo]
    comment: str
    verbatim: bool  # a comment inside brackets, or a multi-line string: keep as written


def format_source(text: str) -> str:
    """``text`` (a whole Python module) laid out as ruff would."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    depth = 0
    current: list[tokenize.TokenInfo] = []
    comment = ""
    verbatim = False
    bracket_depth = 0
    start_row = 0
    for token in _tokens(text):
        kind = token.type
        if kind == tokenize.INDENT:
            depth += 1
            continue
        if kind == tokenize.DEDENT:
            depth -= 1
            continue
        if kind in (tokenize.ENCODING, tokenize.ENDMARKER):
            continue
        if kind == tokenize.NL and not current:
            if token.line.strip() == "":
                out.append("\n")
            continue
        if kind == tokenize.COMMENT and not current:
            out.append(token.line.rstrip() + "\n")
            continue
        if kind == tokenize.NL:
            continue
        if kind == tokenize.COMMENT:
            if token.string.replace(" ", "") == "#fmt:skip":
                verbatim = True
            elif bracket_depth == 1 and not token.line[: token.start[1]].strip():
                current.append(token)  # a comment on its own line in a bracket's body
            elif bracket_depth:
                verbatim = True
            else:
                comment = token.string
            continue
        if kind == tokenize.NEWLINE:
            logical = _Logical(depth, current, comment, verbatim)
            if len(current) == 1 and current[0].type == tokenize.STRING:
                out.append(_docstring(current[0], depth))
            elif logical.verbatim:
                out.extend(lines[start_row - 1 : token.end[0]])
            else:
                out.extend(_format_cached(logical, lines, start_row, token.end[0]))
            current, comment, verbatim = [], "", False
            continue
        if not current:
            start_row = token.start[0]
        if kind == tokenize.STRING and token.start[0] != token.end[0]:
            verbatim = True
        if kind == tokenize.OP and token.string in OPENING:
            bracket_depth += 1
        elif kind == tokenize.OP and token.string in CLOSING:
            bracket_depth -= 1
        current.append(token)
    return "".join(out)


def _tokens(text: str) -> Iterator[tokenize.TokenInfo]:
    """``text``'s tokens, an f-string as one STRING token on every Python version
    (3.12 splits it into parts), so that the output does not depend on the version."""
    start_kind = getattr(tokenize, "FSTRING_START", None)
    end_kind = getattr(tokenize, "FSTRING_END", None)
    pending: list[tokenize.TokenInfo] = []
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if start_kind is not None and token.type == start_kind:
            pending.append(token)
            continue
        if pending:
            if token.type == end_kind:
                first = pending.pop()
                if not pending:
                    yield _joined(first, token)
            continue
        yield token


def _joined(first: tokenize.TokenInfo, last: tokenize.TokenInfo) -> tokenize.TokenInfo:
    if first.start[0] == last.end[0]:
        string = first.line[first.start[1] : last.end[1]]
    else:  # pragma: no cover - dynagen writes f-strings on one line
        lines = first.line.splitlines(keepends=True)
        string = first.line[first.start[1] :] + "".join(lines[1:])
    return tokenize.TokenInfo(
        tokenize.STRING, string, first.start, last.end, first.line
    )


#: Tokens after which an opening parenthesis may be redundant (ruff removes it).
_BEFORE_OPTIONAL = {*ASSIGNMENTS, *VALUE_KEYWORDS, "import", ":", "->"}


def _unchanged(logical: _Logical) -> str | None:
    """The line as written, when ruff would leave it so: one physical line that fits,
    with no trailing comma before a bracket, no parentheses that could be optional, and
    strings and numbers already as ruff writes them. (Most lines: this skips the
    splitting machinery.)"""
    tokens = logical.tokens
    first, last = tokens[0], tokens[-1]
    if logical.comment or first.start[0] != last.end[0]:
        return None
    text = first.line[first.start[1] : last.end[1]]
    indent = INDENT * logical.depth
    if len(indent) + len(text) > LINE_LENGTH:
        return None
    previous = ""
    for token in tokens:
        value = token.string
        kind = token.type
        if kind == tokenize.STRING:
            if normalize_string(value) != value:
                return None
        elif kind == tokenize.NUMBER:
            if normalize_number(value) != value:
                return None
        elif kind == tokenize.OP:
            if value in CLOSING and previous == ",":
                return None
            if value == "(" and previous in _BEFORE_OPTIONAL:
                return None
        previous = value
    return f"{indent}{text}\n"


#: Laid-out lines of logical lines already formatted, by depth and source text (which
#: alone decide the layout). Generated modules repeat many lines, across entities too.
_LAID_OUT: dict[tuple[int, str], list[str]] = {}
_LAID_OUT_LIMIT = 65_536


def _format_cached(
    logical: _Logical, lines: list[str], first_row: int, last_row: int
) -> list[str]:
    """:func:`_format_logical` of a logical line spanning rows ``first_row`` to
    ``last_row``, remembered by its text (the fast path is not worth a lookup)."""
    unchanged = _unchanged(logical)
    if unchanged is not None:
        return [unchanged]
    key = (logical.depth, "".join(lines[first_row - 1 : last_row]))
    laid_out = _LAID_OUT.get(key)
    if laid_out is None:
        if len(_LAID_OUT) >= _LAID_OUT_LIMIT:
            _LAID_OUT.clear()
        laid_out = _LAID_OUT[key] = _format_logical(logical)
    return laid_out


def _format_logical(logical: _Logical) -> list[str]:
    """The laid-out lines of a logical line that :func:`_unchanged` did not keep."""
    leaves: list[Leaf] = []
    previous: tokenize.TokenInfo | None = None
    for token in logical.tokens:
        if previous is None:
            prefix = ""
        elif token.start[0] == previous.end[0]:
            prefix = token.line[previous.end[1] : token.start[1]]
        elif (previous.type == tokenize.OP and previous.string in OPENING) or (
            token.type == tokenize.OP and token.string in CLOSING
        ):
            prefix = ""
        else:
            prefix = " "
        value = token.string
        if token.type == tokenize.STRING:
            value = normalize_string(value)
        elif token.type == tokenize.NUMBER:
            value = normalize_number(value)
        leaves.append(Leaf(token.type, value, prefix))
        previous = token
    leaves = _optional_parentheses(leaves)
    is_def = bool(leaves) and (
        leaves[0].is_word("def")
        or (leaves[0].is_word("async") and len(leaves) > 1 and leaves[1].is_word("def"))
    )
    line = Line(logical.depth, leaves, comment=logical.comment, is_def=is_def)
    return [piece.render().rstrip() + "\n" for piece in transform(line)]


def _docstring(token: tokenize.TokenInfo, depth: int) -> str:
    """A string statement (a docstring) as ruff lays it out: trailing whitespace and
    blank lines before the closing quotes removed, one line when one line is left."""
    value = token.string
    indent = INDENT * depth
    quote = value[-3:] if value[-3:] in ('"""', "'''") else None
    if quote is None or not value.startswith(quote):
        return f"{indent}{normalize_string(value)}\n"
    body = value[3:-3]
    lines = [line.rstrip() for line in body.split("\n")]
    closing_alone = len(lines) > 1 and not lines[-1].strip()
    while len(lines) > 1 and not lines[-1].strip():
        lines.pop()
    lines[0] = lines[0].lstrip()
    if lines[0].startswith('"'):
        lines[0] = " " + lines[0]  # """ "quoted" ...""" keeps its space
    if len(lines) == 1:
        text = lines[0]
        if text.endswith('"'):
            text += " "
        return f'{indent}"""{text}"""\n'
    rest = "\n".join(
        (indent + line[_common_indent(lines[1:]) :]) if line else ""
        for line in lines[1:]
    )
    closing = f"\n{indent}" if closing_alone else ""
    return f'{indent}"""{lines[0]}\n{rest}{closing}"""\n'


def _common_indent(lines: list[str]) -> int:
    widths = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    return min(widths, default=0)


def _optional_parentheses(leaves: list[Leaf]) -> list[Leaf]:
    """Wrap a statement's value in optional (invisible) parentheses: after ``=`` of an
    assignment and after ``return``, ``if``, ``while``, ``for ... in``, ..."""
    if not leaves:
        return leaves
    start = None
    end = len(leaves)
    first = leaves[0]
    if first.is_word("return", "del", "assert") and len(leaves) > 1:
        start = 1
    elif first.is_word("if", "elif", "while") and leaves[-1].value == ":":
        start, end = 1, len(leaves) - 1
    elif first.is_word("for") and leaves[-1].value == ":":
        in_at = _top_level(leaves, lambda leaf: leaf.is_word("in"))
        if in_at is not None:
            start, end = in_at + 1, len(leaves) - 1
    elif first.is_word("from"):
        at = _top_level(leaves, lambda leaf: leaf.is_word("import"))
        if at is not None and leaves[-1].value != "*":
            start = at + 1
    elif first.kind == tokenize.NAME and not keyword.iskeyword(first.value):
        at = _top_level(leaves, lambda leaf: leaf.value in ASSIGNMENTS, last=True)
        if at is not None:
            start = at + 1
        elif len(leaves) > 2 and leaves[1].value == ":":
            start = 2  # a bare annotation
    annotated_value = (
        first.kind == tokenize.NAME
        and not keyword.iskeyword(first.value)
        and len(leaves) > 2
        and leaves[1].value == ":"
        and start is not None
        and start > 3
    )
    if annotated_value and start is not None:
        # ``name: annotation = value``: the annotation has optional parentheses too
        annotated = _wrap(leaves, 2, start - 1, value=False)
        return _wrap(annotated, start + 2, len(annotated), assigned=True)
    if first.is_word("def", "async"):
        arrow = _top_level(leaves, lambda leaf: leaf.value == "->")
        if arrow is not None and leaves[-1].value == ":":
            return _wrap(leaves, arrow + 1, len(leaves) - 1)
        return leaves
    assigned = start is not None and leaves[start - 1].value in ASSIGNMENTS
    return _wrap(leaves, start, end, assigned=assigned)


def _wrap(
    leaves: list[Leaf],
    start: int | None,
    end: int,
    *,
    value: bool = True,
    assigned: bool = False,
) -> list[Leaf]:
    """``leaves`` with ``leaves[start:end]`` in optional parentheses."""
    if start is None or start >= end:
        return leaves
    first = leaves[0]
    inner = leaves[start:end]
    if first.is_word("from") and inner[0].value == "(" and inner[-1].value == ")":
        own = inner[0].prefix  # an import's own parentheses become the optional ones
        inner = [Leaf(inner[1].kind, inner[1].value, own), *inner[2:-1]]
    inner = _unwrap_redundant(inner)
    open_paren = Leaf(
        tokenize.OP, "(", inner[0].prefix, True, best_fit=value, assigned=assigned
    )
    inner = [_strip(inner[0]), *inner[1:]]
    close_paren = Leaf(tokenize.OP, ")", "", invisible=True, best_fit=value)
    return [*leaves[:start], open_paren, *inner, close_paren, *leaves[end:]]


def _unwrap_redundant(inner: list[Leaf]) -> list[Leaf]:
    """``(value)`` → value, when the parentheses only group (not a tuple, not empty)."""
    if len(inner) < 3 or inner[0].value != "(" or inner[-1].value != ")":
        return inner
    line = Line(0, inner)
    if line.matching.get(0) != len(inner) - 1:
        return inner
    content = inner[1:-1]
    body = Line(0, content)
    priorities = delimiters(body)
    if (
        any(p == COMMA_PRIORITY for p in priorities.values())
        or content[-1].value == ","
    ):
        return inner
    if (
        content[0].is_word("yield")
        or _top_level(content, lambda leaf: leaf.is_word("for") or leaf.value == ":=")
        is not None
    ):
        return inner  # a generator expression or an assignment expression
    content = [Leaf(content[0].kind, content[0].value, inner[0].prefix), *content[1:]]
    return content


def _top_level(
    leaves: list[Leaf], test: Callable[[Leaf], bool], last: bool = False
) -> int | None:
    depth = 0
    found = None
    for index, leaf in enumerate(leaves):
        if leaf.is_opening:
            depth += 1
        elif leaf.is_closing:
            depth -= 1
        elif depth == 0 and test(leaf):
            if not last:
                return index
            found = index
    return found


def normalize_string(value: str) -> str:
    """Quotes as ruff chooses them: double, unless the text holds more double quotes
    than single ones; escapes of the quote not used are dropped."""
    prefix_end = 0
    while value[prefix_end] not in "'\"":
        prefix_end += 1
    prefix, body = value[:prefix_end], value[prefix_end:]
    if body.startswith(("'''", '"""')) or "f" in prefix.lower():
        return value
    inner = body[1:-1]
    chosen = "'" if inner.count('"') > inner.count("'") else '"'
    other = "'" if chosen == '"' else '"'
    if "r" in prefix.lower():
        return value if chosen in inner else f"{prefix}{chosen}{inner}{chosen}"
    out = []
    index = 0
    while index < len(inner):
        char = inner[index]
        if char == "\\" and index + 1 < len(inner):
            nxt = inner[index + 1]
            out.append(nxt if nxt == other else char + nxt)
            index += 2
            continue
        out.append("\\" + char if char == chosen else char)
        index += 1
    return f"{prefix}{chosen}{''.join(out)}{chosen}"


def normalize_number(value: str) -> str:
    """Numeric literals as ruff writes them: lower-case prefixes and exponents, no ``+``
    in an exponent, upper-case hex digits."""
    lower = value.lower()
    if lower.startswith(("0x", "0o", "0b")):
        return lower[:2] + value[2:].upper()
    if "e" in lower and not lower.startswith("0x"):
        mantissa, exponent = lower.split("e", 1)
        return f"{mantissa}e{exponent.lstrip('+')}"
    return lower


def format_python(files: dict[str, str]) -> dict[str, str]:
    """Return ``files`` with every ``.py`` and ``.pyi`` file laid out (``_runtime/`` is
    a copy of a package that is formatted in dynagen's own repository)."""
    return {
        path: format_source(text)
        if path.endswith((".py", ".pyi")) and not path.startswith(f"{RUNTIME_PACKAGE}/")
        else text
        for path, text in files.items()
    }
