"""A recursive-descent parser of DynamoDB's condition, update and projection
expressions.

Grammar (keywords and function names in any case; no literal values anywhere)::

    condition  := or
    or         := and ( OR and )*
    and        := not ( AND not )*
    not        := NOT not | primary
    primary    := '(' condition ')' | function | operand predicate
    predicate  := comparator operand
                | BETWEEN operand AND operand
                | IN '(' operand ( ',' operand )* ')'
    function   := attribute_exists '(' path ')' | attribute_not_exists '(' path ')'
                | attribute_type '(' path ',' param ')'
                | begins_with '(' path ',' (path | param) ')'
                | contains '(' path ',' (path | param) ')'
    operand    := path | param | size '(' path ')'

    update     := clause+            each of SET, REMOVE, ADD, DELETE at most once
    clause     := SET set_action ( ',' set_action )*
                | REMOVE path ( ',' path )*
                | ADD path param ( ',' path param )*
                | DELETE path param ( ',' path param )*
    set_action := path '=' value
    value      := set_operand ( ('+' | '-') set_operand )?
    set_operand:= path | param | if_not_exists '(' path ',' (path | param) ')'
                | list_append '(' set_operand ',' set_operand ')'

    projection := path ( ',' path )*
    path       := name ( '.' name | '[' digits ']' )*

Precedence, as DynamoDB defines it: comparisons, IN, BETWEEN, functions, parentheses,
NOT, AND, OR. ``AND``/``OR`` group to the left. In a condition, ``AND OR NOT BETWEEN
IN`` are keywords and cannot name an attribute; in an update the clause words are
keywords only where a clause may start, so an attribute may be called ``set`` or
``add``.
"""

from __future__ import annotations

from dynagen.model.expressions.ast import (
    COMPARATORS,
    AddAction,
    And,
    Arithmetic,
    AttributeExists,
    AttributeNotExists,
    AttributeType,
    BeginsWith,
    Between,
    Comparator,
    Comparison,
    Condition,
    Contains,
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
from dynagen.model.expressions.lexer import Token
from dynagen.model.expressions.reader import (
    CLAUSES,
    CONDITION_FUNCTIONS,
    CONDITION_KEYWORDS,
    MAX_IN_VALUES,
    UPDATE_FUNCTIONS,
    Reader,
)

_OPERAND = "an attribute path, a :parameter or size()"
_SET_OPERAND = "an attribute path, a :parameter, if_not_exists() or list_append()"
_COMPARATORS: dict[str, Comparator] = {op: op for op in COMPARATORS}


def parse_condition(text: str) -> Condition:
    """Parse a condition, filter or key condition expression.

    Raises :class:`ExpressionError` at the first offending character.
    """
    reader = _ConditionReader(text)
    condition = reader.condition()
    reader.expect_end("AND, OR")
    return condition


def parse_update(text: str) -> Update:
    """Parse an update expression. Raises :class:`ExpressionError`."""
    return _UpdateReader(text).update()


def parse_projection(text: str) -> list[Path]:
    """Parse a projection expression: comma-separated paths. Raises
    :class:`ExpressionError`."""
    reader = Reader(text)
    paths = [reader.path()]
    while reader.peek().kind == ",":
        reader.advance()
        paths.append(reader.path())
    reader.expect_end("','")
    return paths


class _ConditionReader(Reader):
    def __init__(self, text: str) -> None:
        super().__init__(text, reserved=CONDITION_KEYWORDS)

    def condition(self) -> Condition:
        left = self._and()
        while self.peek().is_word("OR"):
            self.count_operator(self.advance())
            left = Or(left, self._and(), left.offset)
        return left

    def _and(self) -> Condition:
        left = self._not()
        while self.peek().is_word("AND"):
            self.count_operator(self.advance())
            left = And(left, self._not(), left.offset)
        return left

    def _not(self) -> Condition:
        token = self.peek()
        if not token.is_word("NOT"):
            return self._primary()
        self.advance()
        self.count_operator(token)
        with self.nested(token):
            return Not(self._not(), token.offset)

    def _primary(self) -> Condition:
        token = self.peek()
        if token.kind == "(":
            self.advance()
            with self.nested(token):
                inner = self.condition()
            self.expect(")", "expected AND, OR or ')'")
            return inner
        function = token.kind == "ident" and self.peek(1).kind == "("
        if function and token.text.lower() in CONDITION_FUNCTIONS:
            return self._function(token)
        if self.at_literal():
            return self._predicate(self.literal())
        if token.kind not in ("ident", "param", "number") or token.is_word(
            *self.reserved
        ):
            raise self.not_expected("a condition", token)
        return self._predicate(self.operand())

    def operand(self) -> Operand:
        token = self.peek()
        if self.at_literal():
            return self.literal()
        if token.kind == "param":
            self.advance()
            return Param(token.text[1:], token.offset)
        if token.kind == "ident" and self.peek(1).kind == "(":
            return self._size(token)
        return self.path(_OPERAND)

    def _size(self, token: Token) -> Size:
        name = token.text.lower()
        if name in CONDITION_FUNCTIONS:
            raise ExpressionError(
                f"{name}() is a condition, not a value",
                token.offset,
                "compare size() instead",
            )
        if name in UPDATE_FUNCTIONS:
            raise ExpressionError(
                f"{name}() can only be used in an update's SET action", token.offset
            )
        if name != "size":
            raise self.unknown_function(token)
        self.count_operator(self.advance())
        self.advance()
        with self.nested(token):
            path = self.path()
        self.expect(")", "expected ')' to close size(")
        return Size(path, token.offset)

    def _predicate(self, left: Operand) -> Condition:
        token = self.peek()
        if token.kind in _COMPARATORS:
            self.count_operator(self.advance())
            return Comparison(
                _COMPARATORS[token.kind], left, self.operand(), left.offset
            )
        if token.is_word("BETWEEN"):
            self.count_operator(self.advance())
            low = self.operand()
            self.expect_word("AND", "expected AND between the bounds of BETWEEN")
            return Between(left, low, self.operand(), left.offset)
        if token.is_word("IN"):
            self.count_operator(self.advance())
            self.expect("(", "expected '(' after IN")
            choices = [self.operand()]
            while self.peek().kind == ",":
                self.advance()
                if len(choices) == MAX_IN_VALUES:
                    raise ExpressionError(
                        f"IN takes at most {MAX_IN_VALUES} values", self.peek().offset
                    )
                choices.append(self.operand())
            self.expect(")", "expected ',' or ')' in the IN list")
            return In(left, tuple(choices), left.offset)
        hint = None
        if isinstance(left, Path) and (
            token.kind in ("end", ")") or token.is_word("AND", "OR")
        ):
            hint = f"to test whether it is there, write attribute_exists({left.text})"
        raise ExpressionError(
            f"expected a comparison (=, <>, <, <=, >, >=), BETWEEN or IN, found "
            f"{token.describe()}",
            token.offset,
            hint,
        )

    def expect_word(self, word: str, message: str) -> None:
        token = self.peek()
        if not token.is_word(word):
            raise ExpressionError(f"{message}, found {token.describe()}", token.offset)
        self.advance()

    def _function(self, token: Token) -> Condition:
        name = token.text.lower()
        self.count_operator(self.advance())
        self.advance()
        with self.nested(token):
            path = self.path(f"an attribute path as the first argument of {name}()")
            result: Condition
            if name == "attribute_exists":
                result = AttributeExists(path, token.offset)
            elif name == "attribute_not_exists":
                result = AttributeNotExists(path, token.offset)
            else:
                self.expect(",", f"expected ',' and a second argument to {name}()")
                if name == "attribute_type":
                    message = (
                        "expected a :parameter holding a DynamoDB type name (S, N, ...)"
                    )
                    result = AttributeType(path, self.param(message), token.offset)
                else:
                    second = self.path_or_param("an attribute path or a :parameter")
                    if name == "begins_with":
                        result = BeginsWith(path, second, token.offset)
                    else:
                        result = Contains(path, second, token.offset)
        self.expect(")", f"expected ')' to close {name}(")
        return result


class _UpdateReader(Reader):
    def update(self) -> Update:
        first = self.peek()
        if not first.is_word(*CLAUSES):
            raise self.not_expected("SET, REMOVE, ADD or DELETE", first)
        sets: list[SetAction] = []
        removes: list[Path] = []
        adds: list[AddAction] = []
        deletes: list[DeleteAction] = []
        seen: set[str] = set()
        while self.peek().kind != "end":
            token = self.peek()
            if not token.is_word(*CLAUSES):
                raise ExpressionError(
                    "expected ',', SET, REMOVE, ADD, DELETE or the end of the "
                    f"expression, found {token.describe()}",
                    token.offset,
                )
            keyword = token.text.upper()
            if keyword in seen:
                raise ExpressionError(
                    f"{keyword} appears twice",
                    token.offset,
                    f"write every {keyword} action in one clause, separated by commas",
                )
            seen.add(keyword)
            self.advance()
            while True:
                if keyword == "SET":
                    sets.append(self._set_action())
                elif keyword == "REMOVE":
                    removes.append(self.path())
                else:
                    path = self.path()
                    value = self.param(f"expected a :parameter after '{path.text}'")
                    if keyword == "ADD":
                        adds.append(AddAction(path, value, path.offset))
                    else:
                        deletes.append(DeleteAction(path, value, path.offset))
                if self.peek().kind != ",":
                    break
                self.advance()
        return Update(
            tuple(sets), tuple(removes), tuple(adds), tuple(deletes), first.offset
        )

    def _set_action(self) -> SetAction:
        path = self.path()
        self.expect("=", f"expected '=' after '{path.text}'")
        return SetAction(path, self._value(), path.offset)

    def _value(self) -> SetValue:
        left = self._operand()
        token = self.peek()
        if token.kind not in ("+", "-"):
            return left
        self.count_operator(self.advance())
        right = self._operand()
        again = self.peek()
        if again.kind in ("+", "-"):
            raise ExpressionError(
                "only one '+' or '-' is allowed in a SET action",
                again.offset,
                "compute the value in Python and pass it as a :parameter",
            )
        return Arithmetic("+" if token.kind == "+" else "-", left, right, left.offset)

    def _operand(self) -> SetOperand:
        token = self.peek()
        if self.at_literal():
            return self.literal()
        if token.kind == "param":
            self.advance()
            return Param(token.text[1:], token.offset)
        if token.kind != "ident" or self.peek(1).kind != "(":
            return self.path(_SET_OPERAND)
        name = token.text.lower()
        if name not in UPDATE_FUNCTIONS:
            if name in CONDITION_FUNCTIONS or name == "size":
                raise ExpressionError(
                    f"{name}() cannot be used in an update", token.offset
                )
            raise self.unknown_function(token)
        self.count_operator(self.advance())
        self.advance()
        with self.nested(token):
            if name == "if_not_exists":
                path = self.path(
                    "an attribute path as the first argument of if_not_exists()"
                )
                self.expect(",", "expected ',' and a default value in if_not_exists()")
                default = self.path_or_param("an attribute path or a :parameter")
                result: SetOperand = IfNotExists(path, default, token.offset)
            else:
                first = self._operand()
                self.expect(",", "expected ',' and a second list in list_append()")
                result = ListAppend(first, self._operand(), token.offset)
        self.expect(")", f"expected ')' to close {name}(")
        return result
