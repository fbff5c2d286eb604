"""The one error type of the expression compiler."""

from __future__ import annotations


class ExpressionError(Exception):
    """A problem in an expression string, located by a 0-based character offset.

    ``offset`` is always within ``0 <= offset <= len(text)`` of the text that was parsed
    (``len(text)`` means "at the end"), so the caller can turn it into a line and column
    inside the YAML string that held the expression. ``hint`` is a suggestion for the
    user ("did you mean 'status'?", "use a :parameter"), or None.
    """

    def __init__(self, message: str, offset: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.hint = hint

    def __repr__(self) -> str:
        return f"ExpressionError({self.message!r}, {self.offset}, {self.hint!r})"

    def __str__(self) -> str:
        text = f"{self.message} (at offset {self.offset})"
        return f"{text}; {self.hint}" if self.hint else text
