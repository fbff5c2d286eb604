"""Key templates: literal text with ``{field}`` and ``{field:N}`` placeholders (SPEC §3 Keys)."""

from __future__ import annotations

import re
from dataclasses import dataclass

SEPARATOR = "#"
_FIELD = re.compile(r"\{([^{}]*)\}")
_FIELD_SPEC = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?::([0-9]+))?$")


@dataclass(frozen=True, slots=True)
class TemplateField:
    """A ``{name}`` or ``{name:width}`` placeholder; ``offset`` is where it starts."""

    name: str
    width: int | None
    offset: int


@dataclass(frozen=True, slots=True)
class KeyTemplate:
    """A parsed key template: literal text and fields, in order."""

    text: str
    parts: tuple[str | TemplateField, ...]

    @property
    def fields(self) -> tuple[TemplateField, ...]:
        return tuple(p for p in self.parts if isinstance(p, TemplateField))

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def is_constant(self) -> bool:
        return not self.fields

    @property
    def literal_prefix(self) -> str:
        """The literal text before the first field (all of it for a constant template)."""
        first = self.parts[0] if self.parts else ""
        return first if isinstance(first, str) else ""


class TemplateSyntaxError(ValueError):
    def __init__(self, message: str, offset: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.offset = offset
        self.hint = hint


def parse_template(text: str) -> KeyTemplate:
    """Parse ``text``; raise :class:`TemplateSyntaxError` with an offset when malformed.

    A field must be followed by the separator ``#`` or end the template, so that range
    bounds on composite keys stay exact.
    """
    parts: list[str | TemplateField] = []
    position = 0
    for match in _FIELD.finditer(text):
        literal = text[position : match.start()]
        _check_literal(literal, position)
        if literal:
            parts.append(literal)
        spec = _FIELD_SPEC.match(match.group(1))
        if spec is None:
            raise TemplateSyntaxError(
                f"'{{{match.group(1)}}}' is not a field placeholder",
                match.start(),
                "write {attribute} or {attribute:width} for a zero-padded int",
            )
        width = int(spec.group(2)) if spec.group(2) is not None else None
        if width is not None and not 1 <= width <= 38:
            raise TemplateSyntaxError(
                "a padding width is between 1 and 38", match.start()
            )
        parts.append(TemplateField(spec.group(1), width, match.start()))
        after = text[match.end() : match.end() + 1]
        if after not in ("", SEPARATOR):
            raise TemplateSyntaxError(
                f"field '{spec.group(1)}' must be followed by '#' or end the template",
                match.end(),
                "separate fields with '#' so that key range bounds stay exact",
            )
        position = match.end()
    tail = text[position:]
    _check_literal(tail, position)
    if tail:
        parts.append(tail)
    if not parts:
        raise TemplateSyntaxError("a key template cannot be empty", 0)
    return KeyTemplate(text, tuple(parts))


def _check_literal(literal: str, offset: int) -> None:
    for index, char in enumerate(literal):
        if char in "{}":
            raise TemplateSyntaxError(
                f"unbalanced '{char}' in key template", offset + index
            )


def templates_may_overlap(first: KeyTemplate, second: KeyTemplate) -> bool:
    """Whether two templates could render one string.

    Field values never contain the separator ``#`` (the key escape guarantees it), so both
    renderings split into the same number of ``#``-separated segments, and each segment is
    a literal, optionally followed by one field's free text.
    """
    a, b = segments(first), segments(second)
    if len(a) != len(b):
        return False
    for (literal_a, open_a), (literal_b, open_b) in zip(a, b, strict=True):
        if open_a and open_b:
            if not (literal_a.startswith(literal_b) or literal_b.startswith(literal_a)):
                return False
        elif open_a:
            if not literal_b.startswith(literal_a):
                return False
        elif open_b:
            if not literal_a.startswith(literal_b):
                return False
        elif literal_a != literal_b:
            return False
    return True


def segments(template: KeyTemplate) -> list[tuple[str, bool]]:
    """The ``#``-separated segments of any text ``template`` renders: each the literal
    text it starts with, and whether a field's value follows it (``open``)."""
    result: list[tuple[str, bool]] = [("", False)]
    for part in template.parts:
        if isinstance(part, str):
            pieces = part.split(SEPARATOR)
            literal, is_open = result[-1]
            result[-1] = (literal + pieces[0], is_open)
            result.extend((piece, False) for piece in pieces[1:])
        else:
            literal, _ = result[-1]
            result[-1] = (literal, True)
    return result
