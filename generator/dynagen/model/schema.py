"""The resolved, immutable model of a schema: tables, indexes, entities and their parts.

Built by :mod:`dynagen.model.build` from a validated document; read by the renderer. Every
name here is already final (Python identifiers, stored attribute names), so nothing
downstream re-derives a decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from dynagen.model.literals import LiteralValue
from dynagen.model.templates import KeyTemplate
from dynagen.model.types import AttrType

if TYPE_CHECKING:
    from dynagen.model.collections import Collection

KeyType = Literal["S", "N", "B"]
Projection = Literal["ALL", "KEYS_ONLY", "INCLUDE"]


@dataclass(frozen=True, slots=True)
class KeyAttribute:
    """A physical key attribute of a table or index: its name and DynamoDB type."""

    name: str
    type: KeyType


@dataclass(frozen=True, slots=True)
class Index:
    name: str
    local: bool
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None
    projection: Projection
    include: tuple[str, ...] = ()

    @property
    def key_attributes(self) -> tuple[KeyAttribute, ...]:
        """The index's own key attributes (an LSI's partition key is the table's)."""
        own = (self.sort_key,) if self.local else (self.partition_key, self.sort_key)
        return tuple(k for k in own if k is not None)


@dataclass(frozen=True, slots=True)
class Billing:
    mode: Literal["PAY_PER_REQUEST", "PROVISIONED"]
    read: int | None = None
    write: int | None = None


@dataclass(frozen=True, slots=True)
class Table:
    id: str
    name: str
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None
    billing: Billing
    type_attribute: str
    indexes: tuple[Index, ...]
    ttl: str | None = None
    stream: str | None = None
    point_in_time_recovery: bool = False
    replicas: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    table_class: str | None = None
    deletion_protection: bool = False

    @property
    def key_attributes(self) -> tuple[KeyAttribute, ...]:
        return tuple(k for k in (self.partition_key, self.sort_key) if k is not None)

    def projected_by(self, index: Index) -> frozenset[str] | None:
        """The stored names ``index`` holds: None for all (``projection: all``), else the
        table's and the index's key attributes and the ``include`` list."""
        if index.projection == "ALL":
            return None
        names = {k.name for k in self.key_attributes}
        names |= {
            k.name for k in (index.partition_key, index.sort_key) if k is not None
        }
        return frozenset(names | set(index.include))

    @property
    def all_key_attributes(self) -> tuple[KeyAttribute, ...]:
        """Table and index key attributes, each once, in declaration order."""
        seen: dict[str, KeyAttribute] = {}
        for key in self.key_attributes:
            seen.setdefault(key.name, key)
        for index in self.indexes:
            for index_key in (index.partition_key, index.sort_key):
                if index_key is not None:
                    seen.setdefault(index_key.name, index_key)
        return tuple(seen.values())


@dataclass(frozen=True, slots=True)
class EnumDef:
    """An enum: its class name and its members as (Python member name, stored value)."""

    name: str
    members: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Attribute:
    """An attribute of an entity or a field of a named type."""

    name: str  # the schema name, used in expressions and as the dataclass field
    py_name: str  # the Python identifier (a keyword gets a trailing underscore)
    stored_name: str  # the attribute name in DynamoDB (``column:``)
    type: AttrType
    optional: bool = False
    has_default: bool = False
    default: object = None
    auto: Literal["created", "updated"] | None = None
    version: bool = False
    doc: str | None = None

    @property
    def nullable(self) -> bool:
        """Whether the Python field admits None (optional, auto and version attributes)."""
        return self.optional or self.auto is not None or self.version


@dataclass(frozen=True, slots=True)
class TypeDef:
    """A named map type from ``types:``."""

    name: str
    fields: tuple[Attribute, ...]


@dataclass(frozen=True, slots=True)
class KeySource:
    """How an entity fills one physical key attribute: a template or a plain attribute."""

    attribute: KeyAttribute
    template: KeyTemplate | None = None
    plain: str | None = None  # entity attribute name

    @property
    def field_names(self) -> tuple[str, ...]:
        if self.template is not None:
            return self.template.field_names
        return (self.plain,) if self.plain is not None else ()


@dataclass(frozen=True, slots=True)
class Entity:
    name: str
    snake: str
    table: Table
    attributes: tuple[Attribute, ...]
    key_sources: tuple[KeySource, ...]  # table key first, then index keys, each once
    indexes: tuple[Index, ...]  # the indexes this entity's items appear in
    doc: str | None = None
    updates: tuple[DeclaredUpdate, ...] = ()
    queries: tuple[QueryPlan, ...] = ()
    views: tuple[View, ...] = ()
    table_shared: bool = False  # other entities live on the same table

    def attribute(self, name: str) -> Attribute:
        for attribute in self.attributes:
            if attribute.name == name:
                return attribute
        raise KeyError(name)

    def key_source(self, attribute_name: str) -> KeySource | None:
        for source in self.key_sources:
            if source.attribute.name == attribute_name:
                return source
        return None

    @property
    def primary_sources(self) -> tuple[KeySource, ...]:
        names = {k.name for k in self.table.key_attributes}
        return tuple(s for s in self.key_sources if s.attribute.name in names)

    @property
    def key_fields(self) -> tuple[Attribute, ...]:
        """The attributes that identify an item: the fields of its table key, in order."""
        names: list[str] = []
        for source in self.primary_sources:
            for field_name in source.field_names:
                if field_name not in names:
                    names.append(field_name)
        return tuple(self.attribute(n) for n in names)

    @property
    def version_attribute(self) -> Attribute | None:
        return next((a for a in self.attributes if a.version), None)


@dataclass(frozen=True, slots=True)
class Model:
    """A whole schema, resolved."""

    source_name: str
    package: str
    enums: tuple[EnumDef, ...]
    types: tuple[TypeDef, ...]
    tables: tuple[Table, ...]
    entities: tuple[Entity, ...]
    collections: tuple[Collection, ...] = ()


@dataclass(frozen=True, slots=True)
class Parameter:
    """A ``:name`` parameter of a declared expression, with its inferred type."""

    name: str  # without the colon
    py_name: str
    type: AttrType


@dataclass(frozen=True, slots=True)
class DerivedKeyWrite:
    """An index key attribute a declared update rewrites: set from values, or removed."""

    source: KeySource
    placeholder: str  # the attribute's name placeholder
    value_placeholder: str | None  # None: the update removes it
    fields: tuple[
        tuple[str, str], ...
    ]  # template field → "param:<name>" or "<Known>:<field>" (see model.derived)
    keep: bool = False  # if_not_exists: an upsert's value for a new item only


@dataclass(frozen=True, slots=True)
class SetParamClauses:
    """The clauses of a declared update that write one set parameter as it is
    (``ADD a :p``, ``DELETE a :p``, ``SET a = :p``): DynamoDB refuses an empty set, so
    for an empty one the ADD/DELETE clauses are left out (with the names only they use)
    and each SET becomes ``REMOVE`` of its path."""

    param: str  # the schema parameter, without its colon
    value_placeholder: str
    adds: tuple[str, ...]  # actions, as in the expression
    deletes: tuple[str, ...]
    sets: tuple[tuple[str, str], ...]  # (SET action, its path for REMOVE)
    # name placeholders no other part of the request uses
    dropped_names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DeclaredUpdate:
    """An ``updates:`` entry, compiled: the whole request but its values is constant."""

    name: str
    py_name: str
    doc: str | None
    source: str
    condition_source: str | None
    params: tuple[Parameter, ...]
    update_expression: str  # with the repository's own actions joined in
    condition: (
        str | None
    )  # the schema's condition, compiled (without existence/version)
    names: tuple[tuple[str, str], ...]  # every name placeholder the request uses
    values: tuple[tuple[str, str], ...]  # value placeholder → parameter name
    defaults: tuple[
        tuple[str, str], ...
    ]  # value placeholder → attribute with a default
    derived: tuple[DerivedKeyWrite, ...]
    key_placeholder: str
    version_placeholder: str | None
    updated: tuple[
        tuple[str, str], ...
    ]  # (value placeholder, attribute) of auto: updated
    # (low, high) value placeholders of each BETWEEN of the condition between two
    # parameters: reversed bounds raise ValueError before the request (DynamoDB refuses)
    between: tuple[tuple[str, str], ...] = ()
    needs_version: bool = False  # a derived key names the version: expected_version
    fills: tuple[
        tuple[str, str, str], ...
    ] = ()  # (name placeholder, value placeholder, attribute): defaults it writes into
    touch: bool = True  # steps the version and auto: updated
    upsert: bool = False  # creates a missing item
    upsert_values: tuple[
        tuple[str, str], ...
    ] = ()  # value placeholder → "type", "<Known>:<attribute>"
    literals: tuple[LiteralValue, ...] = ()  # literal values, sent as placeholders
    # set parameters written as they are; with any, the expression is joined at run
    # time from ``actions`` (SET, REMOVE, ADD, DELETE without these clauses) and them
    set_params: tuple[SetParamClauses, ...] = ()
    actions: tuple[
        tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]
    ] = (
        (),
        (),
        (),
        (),
    )


Op = Literal["=", "<", "<=", ">", ">=", "BETWEEN", "begins_with"]


@dataclass(frozen=True, slots=True)
class Piece:
    """A piece of a key value: literal text, or a field's text from a parameter."""

    literal: str = ""
    field: str | None = None  # entity attribute name
    param: str | None = None  # parameter name
    step: int = 0  # -1: the adjacent smaller value, +1: the adjacent larger one
    width: int | None = None  # zero-padding width of an int field


Bound = tuple[Piece, ...]


@dataclass(frozen=True, slots=True)
class KeyCondition:
    """One physical key attribute's condition: ``pk = ...``, ``sk BETWEEN ... AND ...``."""

    attribute: KeyAttribute
    op: Op
    bounds: tuple[Bound, ...]  # one or two values
    plain: str | None = None  # for a plain key attribute: the entity attribute it is


@dataclass(frozen=True, slots=True)
class TypeFilter:
    """``<name> = <value>``: keeps a read of a table several entities share to one
    entity's items, by the table's type attribute (see ``model.queries.type_filter``)."""

    name_placeholder: str
    attribute: str  # the table's type attribute
    value_placeholder: str
    entity: str  # the value: the entity's name

    @property
    def expression(self) -> str:
        return f"{self.name_placeholder} = {self.value_placeholder}"


@dataclass(frozen=True, slots=True)
class KeyRange:
    """A query's KeyConditionExpression as its pieces. The generated code sends ``text``
    and hands the pieces to the run time (``rt.KeyRange``), which settles key values
    DynamoDB would refuse (empty strings, reversed bounds) without parsing the text."""

    partition: str  # "#n0 = :__k0": the partition key's condition alone
    partition_value: str  # ":__k0"
    sort: str | None = None  # the sort key's name placeholder, "#n1"
    op: str | None = None  # "=", "<", "<=", ">", ">=", "BETWEEN" or "begins_with"
    bounds: tuple[str, ...] = ()  # the sort key's value placeholders

    @property
    def text(self) -> str:
        """The KeyConditionExpression."""
        if self.sort is None:
            return self.partition
        if self.op == "BETWEEN":
            low, high = self.bounds
            return f"{self.partition} AND {self.sort} BETWEEN {low} AND {high}"
        if self.op == "begins_with":
            return f"{self.partition} AND begins_with({self.sort}, {self.bounds[0]})"
        return f"{self.partition} AND {self.sort} {self.op} {self.bounds[0]}"


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """A compiled ``queries:`` entry: a Query (with ``partition``) or a Scan."""

    name: str
    doc: str | None
    source: str | None  # the key condition as written
    index: Index | None
    params: tuple[Parameter, ...]
    partition: KeyCondition | None
    sort: KeyCondition | None
    key_expression: str | None
    filter: str | None
    names: tuple[tuple[str, str], ...]
    values: tuple[tuple[str, str], ...]  # filter value placeholder → parameter
    key_values: tuple[
        tuple[str, int], ...
    ]  # key value placeholder → (0: pk, 1+: sk bound)
    type_filter: TypeFilter | None  # keeps it to its entity's items of a shared table
    descending: bool
    consistent: bool
    view: str | None = None  # a ``views:`` name: the query returns that view
    key_prefix: tuple[str, str] | None = (
        None  # (key attribute, literal) a scan filters on
    )
    # (low, high) value placeholders of each BETWEEN of the filter between two
    # parameters: reversed bounds raise ValueError before the request (DynamoDB refuses)
    between: tuple[tuple[str, str], ...] = ()
    literals: tuple[LiteralValue, ...] = ()  # literal values of key and filter
    key_range: KeyRange | None = None  # key_expression's pieces, for the run time


@dataclass(frozen=True, slots=True)
class View:
    """A ``views:`` entry: a typed partial read of an entity."""

    name: str
    class_name: str  # <Entity><View>
    attributes: tuple[str, ...]  # entity attribute names, key fields excluded
