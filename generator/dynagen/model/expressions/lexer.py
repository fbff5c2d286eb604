"""Tokens of the expression language, produced on demand.

The lexer knows no keywords: ``AND`` or ``SET`` is an identifier, and the parser decides
from context whether it is a keyword (so that, in an update, an attribute may be called
``set``). Tokens are made lazily so that the first error in reading order is the one
reported, whether the lexer or the parser finds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dynagen.model.expressions.errors import ExpressionError

TokenKind = Literal[
    "ident", "param", "number", "decimal", "string", "end", "(", ")", "[", "]",
    "{", "}", ",", ".", "+", "-", "=", "<>", "<", "<=", ">", ">=",
]  # fmt: skip

_PUNCTUATION: tuple[TokenKind, ...] = (
    # two-character operators first, so that "<=" is not read as "<" then "="
    "<>", "<=", ">=", "(", ")", "[", "]", "{", "}", ",", ".", "+", "-", "=", "<", ">",
)  # fmt: skip
_DIGITS = "0123456789"
LITERAL_MESSAGE = "a literal value cannot stand here"
LITERAL_HINT = (
    "use an attribute path, or a literal only where a value is compared or set"
)

#: Characters that start no token, with a hint for the common mistakes.
_BAD_CHARACTER_HINTS = {
    "#": "write the attribute's own name: dynagen adds the #placeholders itself",
    "&": "write AND",
    "|": "write OR",
    "!": "write <> for 'not equal'",
    "`": "write the attribute's name without quotes",
}


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, its text as written and where it starts."""

    kind: TokenKind
    text: str
    offset: int

    def describe(self) -> str:
        """The token as named in an error message."""
        return "the end of the expression" if self.kind == "end" else f"'{self.text}'"

    def is_word(self, *words: str) -> bool:
        """Whether this is an identifier spelling one of ``words`` (upper case), any
        case."""
        return self.kind == "ident" and self.text.upper() in words


def is_name_start(char: str) -> bool:
    return char.isidentifier()


def is_name_char(char: str) -> bool:
    return ("a" + char).isidentifier()


class Lexer:
    """Reads ``text`` one token at a time; ``next_token`` raises
    :class:`ExpressionError`."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def next_token(self) -> Token:
        text = self.text
        while self.pos < len(text) and text[self.pos].isspace():
            self.pos += 1
        start = self.pos
        if start >= len(text):
            return Token("end", "", start)
        char = text[start]
        if is_name_start(char):
            return Token("ident", self._name(start), start)
        if char == ":":
            return self._param(start)
        if char in _DIGITS:
            end = start
            while end < len(text) and text[end] in _DIGITS:
                end += 1
            kind: TokenKind = "number"
            if text[end : end + 1] == "." and text[end + 1 : end + 2].isdigit():
                kind, end = "decimal", end + 1
                while end < len(text) and text[end] in _DIGITS:
                    end += 1
            self.pos = end
            return Token(kind, text[start:end], start)
        if char == "'":
            end = text.find("'", start + 1)
            if end < 0:
                raise ExpressionError(
                    "unclosed string literal", start, "close it with '"
                )
            self.pos = end + 1
            return Token("string", text[start : end + 1], start)
        if char == '"':
            raise ExpressionError(
                "a string literal is written in single quotes", start, "as in 'closed'"
            )
        for kind in _PUNCTUATION:
            if text.startswith(kind, start):
                self.pos = start + len(kind)
                return Token(kind, kind, start)
        if text.startswith("!=", start):
            raise ExpressionError("unexpected '!='", start, _BAD_CHARACTER_HINTS["!"])
        raise ExpressionError(
            f"unexpected character {char!r}", start, _BAD_CHARACTER_HINTS.get(char)
        )

    def _name(self, start: int) -> str:
        end = start + 1
        while end < len(self.text) and is_name_char(self.text[end]):
            end += 1
        self.pos = end
        return self.text[start:end]

    def _param(self, start: int) -> Token:
        after = start + 1
        if after >= len(self.text) or not is_name_start(self.text[after]):
            raise ExpressionError(
                "expected a parameter name after ':'",
                after,
                "a parameter is ':' followed by a name, as in :status",
            )
        name = self._name(after)
        return Token("param", ":" + name, start)
