"""Derived key attributes: the one rule every write follows (SPEC §4).

An entity derives an index key attribute from a key template over its fields. A write
writes every derived attribute whose template, or whose presence in a sparse index,
depends on a field the write sets, removes or steps (``auto: updated`` and the version
included), and writes or removes the key attributes of a sparse index together: all of
them when every field of that index's templates has a value after the write, none
otherwise. This module decides, from the entity alone, which attributes go together and
what each write must know; whole-item writes (``create``, ``put``, ``batch_put``),
``update`` and each declared update all take their derived writes from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from dynagen.model.schema import Entity, KeyAttribute, KeySource
from dynagen.model.templates import KeyTemplate


@dataclass(frozen=True, slots=True)
class DerivedKey:
    """An index key attribute an entity writes from a template (never a table key).

    ``presence``: when an item has the attribute. Empty: always (an index every item is
    in); else it is present when, for some alternative, every field named is set (the
    optional fields of a sparse index the attribute keys).
    """

    source: KeySource
    presence: tuple[tuple[str, ...], ...]

    @property
    def name(self) -> str:
        return self.source.attribute.name

    @property
    def template(self) -> KeyTemplate:
        assert self.source.template is not None
        return self.source.template

    @property
    def fields(self) -> tuple[str, ...]:
        return self.template.field_names

    @property
    def depends_on(self) -> tuple[str, ...]:
        """The fields its value or its presence follows."""
        names = [*self.fields, *(f for alt in self.presence for f in alt)]
        return tuple(dict.fromkeys(names))


@dataclass(frozen=True, slots=True)
class DerivedGroup:
    """Derived key attributes written or removed as a set: those of a sparse index
    (joined with those of any sparse index sharing one), or one attribute of an index
    that holds every item."""

    keys: tuple[DerivedKey, ...]

    @property
    def depends_on(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f for key in self.keys for f in key.depends_on))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(key.name for key in self.keys)


def derived_groups(entity: Entity) -> tuple[DerivedGroup, ...]:
    """Every derived key attribute of ``entity``, grouped, in key-source order."""
    table_keys = {k.name for k in entity.table.key_attributes}
    optional = {a.name for a in entity.attributes if a.optional}
    keys: dict[str, DerivedKey] = {}
    # Union-find over attribute names: the key attributes of one sparse index go together.
    parent: dict[str, str] = {}

    def find(name: str) -> str:
        while parent[name] != name:
            name = parent[name]
        return name

    for source in entity.key_sources:
        if source.template is None or source.attribute.name in table_keys:
            continue
        name = source.attribute.name
        alternatives: list[tuple[str, ...]] = []
        always = False
        for index in entity.indexes:
            if name not in {k.name for k in index.key_attributes}:
                continue
            fields = sparse_fields(entity, index.key_attributes, optional)
            if fields:
                alternatives.append(fields)
            else:
                always = True
        keys[name] = DerivedKey(source, () if always else tuple(alternatives))
        parent[name] = name
    for index in entity.indexes:
        names = [k.name for k in index.key_attributes if k.name in keys]
        if not sparse_fields(entity, index.key_attributes, optional):
            continue
        for other in names[1:]:
            parent[find(other)] = find(names[0])
    groups: dict[str, list[DerivedKey]] = {}
    for name, key in keys.items():
        groups.setdefault(find(name), []).append(key)
    return tuple(DerivedGroup(tuple(group)) for group in groups.values())


def sparse_fields(
    entity: Entity, key_attributes: Iterable[KeyAttribute], optional: set[str]
) -> tuple[str, ...]:
    """The optional fields an item needs to be in the index with these key attributes."""
    found: list[str] = []
    for key in key_attributes:
        source = entity.key_source(key.name)
        if source is None:
            continue
        found += [f for f in source.field_names if f in optional]
    return tuple(dict.fromkeys(found))


def touched_groups(entity: Entity, touched: Iterable[str]) -> tuple[DerivedGroup, ...]:
    """The groups a write that sets, removes or steps the fields ``touched`` rewrites."""
    names = set(touched)
    return tuple(g for g in derived_groups(entity) if names & set(g.depends_on))


#: Where a write takes a field's value after it from: the key arguments, a value the
#: caller gives, the repository's clock, the next version, version 1 or the default (a
#: new item's); ``absent`` a field the write removes; ``unknown`` one it leaves as stored
#: (the client does not know it).
Known = Literal["key", "given", "now", "version", "one", "default", "absent", "unknown"]


def field_knowledge(entity: Entity, given: Mapping[str, Known]) -> dict[str, Known]:
    """What a write knows of every field after it: ``given`` for the fields it writes
    (or removes, or steps); key fields are known, everything else is ``unknown``."""
    key_fields = {a.name for a in entity.key_fields}
    result: dict[str, Known] = {}
    for attribute in entity.attributes:
        if attribute.name in given:
            result[attribute.name] = given[attribute.name]
        elif attribute.name in key_fields:
            result[attribute.name] = "key"
        else:
            result[attribute.name] = "unknown"
    return result


def stepped_fields(entity: Entity) -> dict[str, Known]:
    """The fields every write that touches the item steps: ``auto: updated`` and the
    version."""
    stepped: dict[str, Known] = {}
    for attribute in entity.attributes:
        if attribute.auto == "updated":
            stepped[attribute.name] = "now"
        elif attribute.version:
            stepped[attribute.name] = "version"
    return stepped


@dataclass(frozen=True, slots=True)
class UpdateRewrite:
    """How the generic ``update`` keeps one group in step.

    The group is rewritten when any of ``triggers`` (argument fields) is given, or on
    every call when ``always`` (it follows the stepped ``auto: updated`` time or the
    version). It then needs every field of ``required`` given, the next version when
    ``needs_version`` (``expected_version``), and cannot be written at all when it names
    ``unknown`` fields (values only the stored item holds, such as ``auto: created``).
    """

    group: DerivedGroup
    triggers: tuple[str, ...]
    always: bool
    required: tuple[str, ...]
    needs_version: bool
    unknown: tuple[str, ...]


def update_rewrites(
    entity: Entity, arguments: Iterable[str]
) -> tuple[UpdateRewrite, ...]:
    """The groups the generic ``update`` (one optional argument per field of
    ``arguments``) may rewrite, and what each needs."""
    arguments = tuple(arguments)
    stepped = stepped_fields(entity)
    known = field_knowledge(entity, {**dict.fromkeys(arguments, "given"), **stepped})
    result = []
    for group in derived_groups(entity):
        depends = group.depends_on
        triggers = tuple(f for f in depends if f in arguments)
        always = any(f in stepped for f in depends)
        if not triggers and not always:
            continue
        result.append(
            UpdateRewrite(
                group=group,
                triggers=triggers,
                always=always,
                required=triggers,
                needs_version=any(known[f] == "version" for f in depends),
                unknown=tuple(f for f in depends if known[f] == "unknown"),
            )
        )
    return tuple(result)
