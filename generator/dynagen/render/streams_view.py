"""The view of ``streams.py``: typed change events of every table with a ``stream:``.

Everything the module needs is decided here: the event class and function names, the
unions ``new``/``old``/``key`` are typed with, how each entity's key is read back from a
record's ``Keys`` (the same recovery from key text the index projections use), which
literal key text tells the table's entities apart when a record carries no type
attribute, and whether a boto3 record's binary values need converting.
"""

from __future__ import annotations

from dataclasses import dataclass

from dynagen.model.naming import snake_case
from dynagen.model.schema import Entity, Model, Table
from dynagen.model.templates import segments as template_segments
from dynagen.model.types import (
    AttrType,
    EnumType,
    ListType,
    MapType,
    NamedType,
    ScalarType,
    SetType,
)
from dynagen.render import codecs
from dynagen.render.layout import stream_event_class, stream_exports, stream_tables
from dynagen.render.python import (
    DECODE_FAILURES,
    decoder,
    import_block,
    key_class,
    key_text_recovery,
    literal,
)

#: The fields of every ``<Table>Event``, in order (SPEC §4 "Streams").
EVENT_FIELDS = (
    "event_name",
    "entity",
    "key",
    "new",
    "old",
    "sequence_number",
    "created_at",
    "raw",
)


@dataclass(frozen=True, slots=True)
class StreamEntityView:
    name: str
    snake: str
    key_steps: tuple[tuple[str, str, str], ...]  # (attribute, local, expression)
    key_constructor: tuple[tuple[str, str], ...]  # (py_name, local)
    key_names: tuple[str, ...]  # the table's key attributes, named in decode errors
    patterns: str  # a Python literal: tuple of srt.KeyPattern


@dataclass(frozen=True, slots=True)
class StreamTableView:
    table_id: str
    snake: str
    event_class: str
    constant: str  # prefix of the module-level dispatch tables (``_SHOP``)
    view_type: str
    type_attribute: str
    convert_bytes: bool
    entities: tuple[StreamEntityView, ...]  # plain-key entities last

    @property
    def entity_type(self) -> str:
        names = ", ".join(literal(e.name) for e in self.entities)
        return f"Literal[{names}] | None" if self.entities else "None"

    @property
    def key_type(self) -> str:
        return " | ".join([*(f"{e.name}Key" for e in self.entities), "None"])

    @property
    def item_type(self) -> str:
        return " | ".join([*(e.name for e in self.entities), "None"])

    @property
    def entry_type(self) -> str:
        """The type of one dispatch entry: (entity name, key decoder, image decoder)."""
        name = self.entity_type.removesuffix(" | None")
        key = self.key_type.removesuffix(" | None")
        item = self.item_type.removesuffix(" | None")
        return (
            f"tuple[{name}, Callable[[Mapping[str, Any]], {key}], "
            f"Callable[[Mapping[str, Any]], {item}], Callable[[Any], {key}]]"
        )


@dataclass(frozen=True, slots=True)
class StreamsView:
    package: str
    imports: tuple[str, ...]
    model_imports: tuple[str, ...]  # names imported from .models
    tables: tuple[StreamTableView, ...]
    all_names: tuple[str, ...]
    decode_failures: str = DECODE_FAILURES
    event_fields: tuple[str, ...] = EVENT_FIELDS

    @property
    def uses_runtime(self) -> bool:
        """Whether any key decoder is written (they use ``_runtime``)."""
        return any(t.entities for t in self.tables)


def streams_view(model: Model) -> StreamsView:
    tables = tuple(_table_view(model, t) for t in stream_tables(model))
    model_names: set[str] = set()
    for table in tables:
        for entity in table.entities:
            model_names |= {entity.name, key_class(entity.name), decoder(entity.name)}
    for member in _entities_of(model, stream_tables(model)):
        for attribute in member.key_fields:
            if isinstance(attribute.type, EnumType):
                model_names.add(attribute.type.name)
    imports = {
        "from collections.abc import Callable, Iterable, Mapping",
        "from dataclasses import dataclass",
        "from datetime import datetime",
        "from typing import Any, Literal, TypeAlias, overload",
    }
    return StreamsView(
        package=model.package,
        imports=import_block(imports),
        model_imports=tuple(sorted(model_names, key=lambda n: (n[:1].islower(), n))),
        tables=tables,
        all_names=stream_exports(model),
    )


def _entities_of(model: Model, tables: tuple[Table, ...]) -> list[Entity]:
    ids = {t.id for t in tables}
    return [e for e in model.entities if e.table.id in ids]


def _table_view(model: Model, table: Table) -> StreamTableView:
    entities = [e for e in model.entities if e.table.id == table.id]
    # An entity whose key has a plain attribute matches more keys: try it last.
    entities.sort(key=lambda e: sum(s.template is None for s in e.primary_sources))
    assert table.stream is not None
    return StreamTableView(
        table_id=table.id,
        snake=snake_case(table.id),
        event_class=stream_event_class(table),
        constant=f"_{snake_case(table.id).upper()}",
        view_type=table.stream,
        type_attribute=table.type_attribute,
        convert_bytes=any(k.type == "B" for k in table.key_attributes)
        or any(_holds_bytes(a.type, model) for e in entities for a in e.attributes),
        entities=tuple(_entity_view(e) for e in entities),
    )


def _entity_view(entity: Entity) -> StreamEntityView:
    recovery = key_text_recovery(entity)
    steps = []
    for attribute in entity.key_fields:
        expression = recovery.get(attribute.name) or codecs.decode(
            attribute.type, f"item[{literal(attribute.stored_name)}]"
        )
        steps.append((attribute.name, f"{attribute.py_name}_", expression))
    patterns = []
    for source in entity.primary_sources:
        shape = (
            None
            if source.template is None
            else tuple(template_segments(source.template))
        )
        patterns.append((source.attribute.name, source.attribute.type, shape))
    return StreamEntityView(
        name=entity.name,
        snake=entity.snake,
        key_steps=tuple(steps),
        key_constructor=tuple((s[1][:-1], s[1]) for s in steps),
        key_names=tuple(k.name for k in entity.table.key_attributes),
        patterns=repr(tuple(patterns)),
    )


def _holds_bytes(
    attr_type: AttrType, model: Model, seen: frozenset[str] = frozenset()
) -> bool:
    """Whether a value of ``attr_type`` can hold a binary (B or BS) value."""
    if isinstance(attr_type, ScalarType):
        return attr_type.name == "bytes"
    if isinstance(attr_type, SetType):
        return _holds_bytes(attr_type.item, model, seen)
    if isinstance(attr_type, ListType):
        return _holds_bytes(attr_type.item, model, seen)
    if isinstance(attr_type, MapType):
        return _holds_bytes(attr_type.value, model, seen)
    if isinstance(attr_type, NamedType) and attr_type.name not in seen:
        type_def = next(t for t in model.types if t.name == attr_type.name)
        inner = seen | {attr_type.name}
        return any(_holds_bytes(f.type, model, inner) for f in type_def.fields)
    return False
