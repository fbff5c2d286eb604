"""The parser's token cursor and the pieces every expression kind shares: paths,
parameters, limits and error messages.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from contextlib import contextmanager

from dynagen.model.expressions.ast import Param, Path, Segment
from dynagen.model.expressions.errors import ExpressionError
from dynagen.model.expressions.lexer import LITERAL_HINT, LITERAL_MESSAGE, Lexer, Token

CONDITION_FUNCTIONS = (
    "attribute_exists",
    "attribute_not_exists",
    "attribute_type",
    "begins_with",
    "contains",
)
UPDATE_FUNCTIONS = ("if_not_exists", "list_append")
ALL_FUNCTIONS = (*CONDITION_FUNCTIONS, "size", *UPDATE_FUNCTIONS)
#: Keywords anywhere in a condition, so no attribute there may be named so.
CONDITION_KEYWORDS = ("AND", "OR", "NOT", "BETWEEN", "IN")
CLAUSES = ("SET", "REMOVE", "ADD", "DELETE")

#: DynamoDB's limit on operators and functions in one expression.
MAX_OPERATORS = 300
#: DynamoDB's limit on the values of one IN.
MAX_IN_VALUES = 100
#: dynagen's own limit on nesting (parentheses, NOT, function arguments).
MAX_DEPTH = 50


class Reader:
    """A cursor over the tokens of one expression, with the shared grammar rules.

    ``reserved`` lists the words (upper case) that cannot start a path in this kind of
    expression: the condition keywords in a condition, nothing in an update or
    projection.
    """

    def __init__(self, text: str, reserved: tuple[str, ...] = ()) -> None:
        self.text = text
        self.reserved = reserved
        self._lexer = Lexer(text)
        self._tokens: list[Token] = []
        self._pos = 0
        self._depth = 0
        self._operators = 0

    def peek(self, ahead: int = 0) -> Token:
        """The token ``ahead`` tokens on (0: the current one); the end token repeats."""
        while len(self._tokens) <= self._pos + ahead:
            if self._tokens and self._tokens[-1].kind == "end":
                return self._tokens[-1]
            self._tokens.append(self._lexer.next_token())
        return self._tokens[self._pos + ahead]

    def advance(self) -> Token:
        token = self.peek()
        if token.kind != "end":
            self._pos += 1
        return token

    def expect(self, kind: str, message: str, hint: str | None = None) -> Token:
        """Consume a token of ``kind``, or fail with ``message`` + ", found <token>"."""
        token = self.peek()
        if token.kind != kind:
            raise ExpressionError(
                f"{message}, found {token.describe()}", token.offset, hint
            )
        return self.advance()

    def expect_end(self, what: str) -> None:
        token = self.peek()
        if token.kind != "end":
            raise ExpressionError(
                f"expected {what} or the end of the expression, "
                f"found {token.describe()}",
                token.offset,
            )

    def count_operator(self, token: Token) -> None:
        """Count one operator or function against DynamoDB's limit of 300."""
        self._operators += 1
        if self._operators > MAX_OPERATORS:
            raise ExpressionError(
                f"more than {MAX_OPERATORS} operators and functions in one expression",
                token.offset,
                "DynamoDB refuses longer expressions; split the work",
            )

    @contextmanager
    def nested(self, token: Token) -> Iterator[None]:
        """Enter one level of nesting (a parenthesis, NOT or a function's arguments)."""
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise ExpressionError(
                    f"expression nested more than {MAX_DEPTH} levels deep", token.offset
                )
            yield
        finally:
            self._depth -= 1

    def at_literal(self) -> bool:
        """Whether a literal value starts here: a number (``-`` included), a
        single-quoted string, ``true`` or ``false``."""
        token = self.peek()
        if token.kind in ("number", "decimal", "string"):
            return True
        if token.kind == "-":
            after = self.peek(1)
            return (
                after.kind in ("number", "decimal") and after.offset == token.offset + 1
            )
        return (
            token.kind == "ident"
            and token.text in ("true", "false")
            and self.peek(1).kind not in (".", "[", "(")
        )

    def literal(self) -> Param:
        """A literal value, as a parameter (see :class:`Param`)."""
        token = self.advance()
        text = token.text
        if token.kind == "-":
            text += self.advance().text
        return Param(f"literal@{token.offset}", token.offset, text)

    def not_expected(self, what: str, token: Token) -> ExpressionError:
        """The error for ``token`` where ``what`` (an operand of some kind) was
        expected."""
        if token.kind in ("number", "decimal", "string"):
            return ExpressionError(LITERAL_MESSAGE, token.offset, LITERAL_HINT)
        hint = None
        if token.kind == "ident" and token.text.upper() in self.reserved:
            hint = f"'{token.text}' is a keyword, so no attribute can be named so here"
        elif token.kind == "=":
            hint = "'=' is written once"
        return ExpressionError(
            f"expected {what}, found {token.describe()}", token.offset, hint
        )

    def unknown_function(self, token: Token) -> ExpressionError:
        match = difflib.get_close_matches(token.text.lower(), ALL_FUNCTIONS, n=1)
        hint = f"did you mean '{match[0]}'?" if match else None
        return ExpressionError(f"unknown function '{token.text}'", token.offset, hint)

    def path(self, what: str = "an attribute path") -> Path:
        """``name ( '.' name | '[' digits ']' )*``."""
        first = self.peek()
        if first.kind != "ident" or first.text.upper() in self.reserved:
            raise self.not_expected(what, first)
        self.advance()
        segments: list[Segment] = [first.text]
        offsets = [first.offset]
        while True:
            token = self.peek()
            if token.kind == "." and self.peek(1).kind == "{":
                # a map key from a parameter: ``counts.{kind}``
                self.advance()
                self.advance()
                name = self.expect("ident", "expected a parameter name after '{'")
                self.expect("}", f"expected '}}' after '{{{name.text}'")
                segments.append(f"{{{name.text}}}")
                offsets.append(name.offset - 1)
            elif token.kind == ".":
                self.advance()
                name = self.expect("ident", "expected an attribute name after '.'")
                segments.append(name.text)
                offsets.append(name.offset)
            elif token.kind == "[":
                self.advance()
                index = self.expect(
                    "number",
                    "expected a list index",
                    "a list index is a whole number from 0, as in lines[0]",
                )
                self.expect("]", f"expected ']' after '[{index.text}'")
                segments.append(int(index.text))
                offsets.append(token.offset)
            else:
                return Path(tuple(segments), first.offset, tuple(offsets))

    def param(self, message: str) -> Param:
        """A ``:parameter``, or fail with ``message`` (a literal gets the literal
        error)."""
        token = self.peek()
        if self.at_literal():
            return self.literal()
        self.expect("param", message)
        return Param(token.text[1:], token.offset)

    def path_or_param(self, what: str) -> Path | Param:
        token = self.peek()
        if self.at_literal():
            return self.literal()
        if token.kind == "param":
            self.advance()
            return Param(token.text[1:], token.offset)
        if token.kind == "ident" and self.peek(1).kind == "(":
            raise self.not_expected(what, token)
        return self.path(what)
