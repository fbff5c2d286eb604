"""Resolving document paths to attribute types, with located errors and hints.

The type checker knows nothing of entities: it asks an :class:`AttributeResolver`, which
the caller implements over an entity's attributes and the schema's named types.
:class:`SchemaResolver` is a ready implementation over plain mappings.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Protocol

from dynagen.model.expressions.ast import Path, Segment, path_text
from dynagen.model.expressions.errors import ExpressionError
from dynagen.model.types import AttrType, JsonType, ListType, MapType, NamedType


class AttributeResolver(Protocol):
    """What the type checker needs to know about an entity.

    ``resolve(path)`` is the type of the attribute at ``path`` (names and list indexes,
    starting at a top-level attribute), or None when there is no such attribute. The
    checker walks lists, maps and ``json`` itself, so it only asks for paths that end in
    a top-level attribute name or in a field of a named type (``("address", "city")``,
    ``("lines", 0, "sku")``); a resolver that answers every path is fine too.

    ``names(prefix)`` lists the attribute names available right under ``prefix``: the
    entity's attributes for ``()``, a named type's fields for a path of that type. It
    only feeds "did you mean" hints.
    """

    def resolve(self, path: tuple[Segment, ...]) -> AttrType | None: ...

    def names(self, prefix: tuple[Segment, ...]) -> list[str]: ...


class SchemaResolver:
    """An :class:`AttributeResolver` over an entity's attribute types and the named
    types.

    ``attributes`` maps each attribute name to its type; ``types`` maps each named type
    to its fields' types. ``columns`` and ``type_columns`` give stored names where they
    differ (``column:``), for :meth:`stored_name`, which the compiler takes as its
    ``stored_name``.
    """

    def __init__(
        self,
        attributes: Mapping[str, AttrType],
        types: Mapping[str, Mapping[str, AttrType]] | None = None,
        *,
        columns: Mapping[str, str] | None = None,
        type_columns: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self._attributes = attributes
        self._types = types or {}
        self._columns = columns or {}
        self._type_columns = type_columns or {}

    def resolve(self, path: tuple[Segment, ...]) -> AttrType | None:
        if not path or not isinstance(path[0], str):
            return None
        current: AttrType | None = self._attributes.get(path[0])
        for segment in path[1:]:
            current = _step(current, segment, self._types)
        return current

    def names(self, prefix: tuple[Segment, ...]) -> list[str]:
        if not prefix:
            return list(self._attributes)
        parent = self.resolve(prefix)
        if isinstance(parent, NamedType):
            return list(self._types.get(parent.name, {}))
        return []

    def stored_name(self, path: tuple[Segment, ...]) -> str:
        """The stored name of the last segment of ``path`` (which must be a name)."""
        name = path[-1]
        assert isinstance(name, str)
        if len(path) == 1:
            return self._columns.get(name, name)
        parent = self.resolve(path[:-1])
        if isinstance(parent, NamedType):
            return self._type_columns.get(parent.name, {}).get(name, name)
        return name


def _step(
    current: AttrType | None,
    segment: Segment,
    types: Mapping[str, Mapping[str, AttrType]],
) -> AttrType | None:
    if isinstance(current, JsonType):
        return current
    if isinstance(segment, int):
        return current.item if isinstance(current, ListType) else None
    if isinstance(current, MapType):
        return current.value
    if isinstance(current, NamedType):
        return types.get(current.name, {}).get(segment)
    return None


def did_you_mean(name: str, options: list[str]) -> str | None:
    """A "did you mean" hint for ``name`` among ``options``, or None."""
    match = difflib.get_close_matches(name, options, n=1)
    return f"did you mean '{match[0]}'?" if match else None


def a_or_an(type_: AttrType) -> str:
    """``a string``, ``an int``, ``a list<OrderLine>``: a type named in a sentence."""
    text = type_.describe()
    vowel = text[:1].lower() in "aeiou" and not text.startswith("uuid")
    return ("an " if vowel else "a ") + text


def resolve_path(path: Path, resolver: AttributeResolver) -> AttrType:
    """The type of ``path``; raises :class:`ExpressionError` at the offending segment.

    Errors: an unknown attribute or named-type field (with a "did you mean" hint), a
    list index on something that is not a list, a field of something that is not a map.
    """
    first = path.top
    current = resolver.resolve((first,))
    if current is None:
        hint = did_you_mean(first, resolver.names(()))
        raise ExpressionError(f"unknown attribute '{first}'", path.offset, hint)
    for i, segment in enumerate(path.segments[1:], start=1):
        prefix = path.segments[:i]
        offset = path.segment_offset(i)
        parent = current
        if isinstance(parent, JsonType):
            continue
        if isinstance(segment, int):
            if not isinstance(parent, ListType):
                raise ExpressionError(
                    f"'{path_text(prefix)}' is {a_or_an(parent)}, not a list: "
                    f"it has no element [{segment}]",
                    offset,
                )
            current = parent.item
        elif isinstance(parent, MapType):
            current = parent.value
        elif isinstance(parent, NamedType):
            field_type = resolver.resolve((*prefix, segment))
            if field_type is None:
                hint = did_you_mean(segment, resolver.names(prefix))
                raise ExpressionError(
                    f"'{path_text(prefix)}' ({parent.name}) has no field '{segment}'",
                    offset,
                    hint,
                )
            current = field_type
        else:
            raise ExpressionError(
                f"'{path_text(prefix)}' is {a_or_an(parent)}, not a map: "
                f"it has no field '{segment}'",
                offset,
            )
    return current
