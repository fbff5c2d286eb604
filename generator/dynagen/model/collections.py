"""Collections (``collections:``): several entities read in one Query (SPEC §3).

A collection names member entities that share a partition on the table or one index,
and a ``key`` that is an equality on every field of that shared partition template. The
builder checks, each with a located error, that the members render the same partition
key from the collection's parameters, that the index projects all of their attributes,
and that their items can be told apart; it decides, here at build time, how a read item
is dispatched to its member's decoder:

- ``type``: by the table's type attribute, where the index projects it;
- ``sort_key``: otherwise by the shape of the sort-key text (its ``#``-separated
  segments and their literal text), which must then differ between every two members.

Items of non-member entities whose partition template could render the same value are
filtered out on the server by the type attribute (an index that does not project it is
then a build error: such items could neither be filtered nor told apart).
"""

from __future__ import annotations

import difflib
import keyword
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from dynagen.load import PathKey
from dynagen.model.expressions import (
    ExpressionError,
    check_condition,
    parse_condition,
)
from dynagen.model.naming import pascal_case, py_identifier, snake_case
from dynagen.model.queries import _equality, key_terms
from dynagen.model.schema import (
    Entity,
    Index,
    KeyCondition,
    KeySource,
    Parameter,
    Table,
    TypeDef,
)
from dynagen.model.templates import KeyTemplate, segments, templates_may_overlap
from dynagen.model.updates import resolver_for

Dispatch = Literal["type", "sort_key"]

#: Names a ``Database`` has (or will have) of its own; a collection may not take them.
DATABASE_NAMES = frozenset({"cursor_secret", "transact_get", "transact_write"})
#: Classes the collections module defines besides the grouped dataclasses.
COLLECTION_CLASS_NAMES = frozenset({"DatabaseCollections", "CollectionQuery"})


@dataclass(frozen=True, slots=True)
class Member:
    entity: Entity
    plural: str  # the grouped dataclass's field: snake_case name, pluralised
    #: For ``sort_key`` dispatch: the ``#``-separated segments of the member's sort-key
    #: text, each the literal text it starts with and whether a field's value follows.
    sort_segments: tuple[tuple[str, bool], ...] | None


@dataclass(frozen=True, slots=True)
class Collection:
    """A compiled ``collections:`` entry."""

    name: str  # the Database method
    class_name: str  # the grouped dataclass
    doc: str | None
    source: str  # the key condition as written
    table: Table
    index: Index | None
    members: tuple[Member, ...]
    params: tuple[Parameter, ...]
    partition: KeyCondition  # the shared partition key's value, from the parameters
    dispatch: Dispatch
    sort_key: str | None  # the stored sort-key attribute ``sort_key`` dispatch reads
    filter_members: bool  # a non-member's items may share the partition
    descending: bool = False
    consistent: bool = False

    @property
    def key_names(self) -> tuple[str, ...]:
        """The key attributes a read item carries (named in a ``DecodeError``)."""
        names = [k.name for k in self.table.key_attributes]
        if self.index is not None:
            names += [k.name for k in self.index.key_attributes]
        return tuple(dict.fromkeys(names))


class Reporter(Protocol):
    """Where located errors go (the model builder)."""

    def error_at_value(
        self, path: PathKey, message: str, hint: str | None = None
    ) -> None: ...

    def error_at_key(
        self, path: PathKey, message: str, hint: str | None = None
    ) -> None: ...

    def error_in_string(
        self, path: PathKey, offset: int, message: str, hint: str | None = None
    ) -> None: ...


def plural(name: str) -> str:
    """SPEC §3: snake_case plus ``s``; ``es`` after s, x, z, ch or sh; ``ies`` for a
    final consonant + y (``Order`` → ``orders``, ``Address`` → ``addresses``,
    ``Category`` → ``categories``, ``Day`` → ``days``)."""
    snake = snake_case(name)
    if snake.endswith(("s", "x", "z", "ch", "sh")):
        return py_identifier(snake + "es")
    if snake.endswith("y") and len(snake) > 1 and snake[-2] not in "aeiou":
        return py_identifier(snake[:-1] + "ies")
    return py_identifier(snake + "s")


def _did_you_mean(name: str, options: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f"did you mean '{close[0]}'?" if close else None


def _partition_source(entity: Entity, index: Index | None) -> KeySource | None:
    name = (
        index.partition_key if index is not None else entity.table.partition_key
    ).name
    return entity.key_source(name)


def _sort_source(entity: Entity, index: Index | None) -> KeySource | None:
    key = index.sort_key if index is not None else entity.table.sort_key
    return entity.key_source(key.name) if key is not None else None


def _sort_key_name(table: Table, index: Index | None) -> str | None:
    key = index.sort_key if index is not None else table.sort_key
    return key.name if key is not None else None


def _same_partition(first: KeySource, second: KeySource) -> bool:
    if first.template is not None and second.template is not None:
        return first.template.text == second.template.text
    return first.plain is not None and first.plain == second.plain


def _describe(source: KeySource) -> str:
    if source.template is not None:
        return f"'{source.template.text}'"
    return f"attribute '{source.plain}'"


def _may_share(collection: KeySource, other: KeySource | None) -> bool:
    """Whether a non-member's partition value could equal the collection's."""
    if other is None:
        return False
    if collection.template is None or other.template is None:
        return True
    return templates_may_overlap(collection.template, other.template)


class CollectionBuilder:
    """Builds the collections of a schema whose entities are already resolved."""

    def __init__(
        self,
        report: Reporter,
        entities: Iterable[Entity],
        types: tuple[TypeDef, ...],
        taken_classes: Iterable[str],
        declared: Iterable[str] = (),
    ) -> None:
        self.report = report
        self.entities = {e.name: e for e in entities}
        #: every entity the schema declares, built or not (one that failed to build
        #: has its own errors: a collection naming it adds none)
        self.declared = set(declared) | set(self.entities)
        self.types = types
        self.taken_classes = set(taken_classes) | COLLECTION_CLASS_NAMES
        self.taken_methods = DATABASE_NAMES | {e.snake for e in self.entities.values()}

    def build(self, specs: dict[str, Any]) -> tuple[Collection, ...]:
        result = []
        for name, spec in specs.items():
            collection = self.collection(name, spec, ("collections", name))
            if collection is not None:
                result.append(collection)
        return tuple(result)

    def collection(
        self, name: str, spec: dict[str, Any], path: PathKey
    ) -> Collection | None:
        ok = self.check_names(name, path)
        members = self.members(spec["entities"], (*path, "entities"))
        if members is None:
            return None
        table = members[0].table
        index = self.index(spec.get("index"), table, (*path, "index"))
        if index is False:
            return None
        ok = self.check_in_index(members, index, path) and ok
        consistent = bool(spec.get("consistent", False))
        if consistent and index is not None and not index.local:
            self.report.error_at_value(
                (*path, "consistent"),
                "a global index cannot be read consistently",
                "remove `consistent: true`, or read the collection from the table or "
                "a local index",
            )
            ok = False
        if not ok:
            return None
        sources = self.partition_sources(members, index, path)
        if sources is None:
            return None
        params_and_partition = self.key(spec["key"], members[0], sources[0], path)
        if params_and_partition is None:
            return None
        params, partition = params_and_partition
        projected = table.projected_by(index) if index is not None else None
        projects_type = projected is None or table.type_attribute in projected
        filter_members = self.non_member_shares(members, index, sources[0])
        if filter_members is not None and not projects_type:
            self.report.error_at_key(
                path,
                f"'{filter_members}' items could share the partition of collection "
                f"'{name}', and index '{index.name if index else ''}' does not project "
                f"the type attribute '{table.type_attribute}' to filter them out",
                "project the type attribute, or give the partition key templates "
                "literal text that tells the entities apart",
            )
            return None
        dispatch: Dispatch = "type"
        sort_segments: list[tuple[tuple[str, bool], ...] | None] = [None] * len(members)
        sort_key = None
        if not projects_type:
            found = self.sort_segments(members, index, path)
            if found is None:
                return None
            dispatch = "sort_key"
            sort_segments = list(found)
            sort_key = _sort_key_name(table, index)
        plurals = self.plurals(members, (*path, "entities"))
        if plurals is None:
            return None
        return Collection(
            name=name,
            class_name=pascal_case(name),
            doc=spec.get("doc"),
            source=spec["key"],
            table=table,
            index=index,
            members=tuple(
                Member(entity, name, segments_)
                for entity, name, segments_ in zip(
                    members, plurals, sort_segments, strict=True
                )
            ),
            params=params,
            partition=partition,
            dispatch=dispatch,
            sort_key=sort_key,
            filter_members=filter_members is not None,
            descending=spec.get("order") == "desc",
            consistent=consistent,
        )

    # -- the parts -------------------------------------------------------------------------

    def check_names(self, name: str, path: PathKey) -> bool:
        ok = True
        owner = next((e.name for e in self.entities.values() if e.snake == name), None)
        if keyword.iskeyword(name) or name in self.taken_methods:
            self.report.error_at_key(
                path,
                f"collection '{name}' would be `Database.{name}`, which "
                + (
                    f"is entity '{owner}'s repository"
                    if owner is not None
                    else "is taken"
                ),
                "choose another name",
            )
            ok = False
        class_name = pascal_case(name)
        if class_name in self.taken_classes:
            self.report.error_at_key(
                path,
                f"collection '{name}' would define class '{class_name}', a name the "
                "package already uses",
                "choose another name",
            )
            ok = False
        self.taken_classes.add(class_name)
        return ok

    def members(self, names: list[str], path: PathKey) -> list[Entity] | None:
        found: list[Entity] = []
        ok = True
        for position, entity_name in enumerate(names):
            entity = self.entities.get(entity_name)
            if entity is None and entity_name in self.declared:
                ok = False
                continue
            if entity is None:
                self.report.error_at_value(
                    (*path, position),
                    f"unknown entity '{entity_name}'",
                    _did_you_mean(entity_name, self.entities),
                )
                ok = False
                continue
            if found and entity.table.id != found[0].table.id:
                self.report.error_at_value(
                    (*path, position),
                    f"'{entity_name}' lives on table '{entity.table.id}', but "
                    f"'{found[0].name}' on table '{found[0].table.id}'",
                    "the members of a collection share one table",
                )
                ok = False
                continue
            found.append(entity)
        return found if ok and found else None

    def index(
        self, index_name: str | None, table: Table, path: PathKey
    ) -> Index | Literal[False] | None:
        if index_name is None:
            return None
        index = next((i for i in table.indexes if i.name == index_name), None)
        if index is None:
            self.report.error_at_value(
                path,
                f"table '{table.id}' has no index '{index_name}'",
                _did_you_mean(index_name, [i.name for i in table.indexes]),
            )
            return False
        return index

    def check_in_index(
        self, members: list[Entity], index: Index | None, path: PathKey
    ) -> bool:
        ok = True
        for position, entity in enumerate(members):
            where = (*path, "entities", position)
            if index is None:
                continue
            if index not in entity.indexes:
                self.report.error_at_value(
                    where,
                    f"'{entity.name}' items are not in index '{index.name}'",
                    f"give '{entity.name}' the index's key attributes under `key:`",
                )
                ok = False
                continue
            if index.projection == "KEYS_ONLY":
                self.report.error_at_value(
                    where,
                    f"index '{index.name}' projects keys only, so '{entity.name}' items "
                    "cannot be read from it",
                    "project all attributes (`projection: all`), or read the collection "
                    "from another index",
                )
                ok = False
                continue
            projected = entity.table.projected_by(index)
            if projected is None:
                continue
            missing = [
                a.name for a in entity.attributes if a.stored_name not in projected
            ]
            if missing:
                self.report.error_at_value(
                    where,
                    f"index '{index.name}' does not project {', '.join(missing)} of "
                    f"'{entity.name}'",
                    "add them to the index's `projection: {include: [...]}`",
                )
                ok = False
        return ok

    def partition_sources(
        self, members: list[Entity], index: Index | None, path: PathKey
    ) -> list[KeySource] | None:
        sources = [_partition_source(e, index) for e in members]
        first, first_source = members[0], sources[0]
        if first_source is None:  # pragma: no cover - the table key always has one
            return None
        ok = True
        where = "the table" if index is None else f"index '{index.name}'"
        for position, (entity, source) in enumerate(zip(members, sources, strict=True)):
            if position == 0 or source is None:
                continue
            if _same_partition(first_source, source):
                for name in source.field_names:
                    mine, theirs = (
                        entity.attribute(name).type,
                        first.attribute(name).type,
                    )
                    if mine != theirs:
                        self.report.error_at_value(
                            (*path, "entities", position),
                            f"'{entity.name}' renders the partition key of {where} "
                            f"from '{name}' as {mine.describe()}, but '{first.name}' "
                            f"from {theirs.describe()}",
                            "members must render the same partition key (same "
                            "literal text, same fields of the same types)",
                        )
                        ok = False
                        break
            else:
                self.report.error_at_value(
                    (*path, "entities", position),
                    f"'{entity.name}' renders the partition key of {where} as "
                    f"{_describe(source)}, not {_describe(first_source)} like "
                    f"'{first.name}'",
                    "members must render the same partition key (same literal text, "
                    "same fields of the same types)",
                )
                ok = False
        return [s for s in sources if s is not None] if ok else None

    def key(
        self, text: str, first: Entity, source: KeySource, path: PathKey
    ) -> tuple[tuple[Parameter, ...], KeyCondition] | None:
        """The parameters and the partition key's value of the collection's ``key``:
        equalities on exactly the fields of the shared partition template."""
        key_path = (*path, "key")
        fields = source.field_names
        written = " and ".join(f"{f} = :{f}" for f in fields)
        try:
            tree = parse_condition(text)
            terms = key_terms(tree)
        except ExpressionError as error:
            self.report.error_in_string(
                key_path, error.offset, error.message, error.hint
            )
            return None
        if terms.range is not None:
            self.report.error_in_string(
                key_path,
                terms.range[3],
                "a collection reads its whole partition: its key takes equalities only",
                f"write {written}",
            )
            return None
        extra = [(n, o) for n, (_, o) in terms.equalities.items() if n not in fields]
        for name, offset in extra:
            self.report.error_in_string(
                key_path,
                offset,
                f"'{name}' is not a field of the shared partition key {_describe(source)}",
                _did_you_mean(name, fields) or f"write {written}",
            )
        missing = [f for f in fields if f not in terms.equalities]
        if missing and not extra:
            self.report.error_in_string(
                key_path,
                0,
                f"the shared partition key {_describe(source)} needs "
                f"{', '.join(missing)}",
                f"write {written}",
            )
        if extra or missing:
            return None
        try:
            param_types = check_condition(
                tree, resolver_for(first.attributes, self.types)
            )
        except ExpressionError as error:
            self.report.error_in_string(
                key_path, error.offset, error.message, error.hint
            )
            return None
        params = tuple(
            Parameter(p, py_identifier(p), t) for p, t in param_types.items()
        )
        return params, _equality(first, source, terms.equalities)

    def non_member_shares(
        self, members: list[Entity], index: Index | None, source: KeySource
    ) -> str | None:
        """The first non-member entity whose items could share the partition."""
        names = {m.name for m in members}
        for other in self.entities.values():
            if other.name in names or other.table.id != members[0].table.id:
                continue
            if index is not None and index not in other.indexes:
                continue
            if _may_share(source, _partition_source(other, index)):
                return other.name
        return None

    def sort_segments(
        self, members: list[Entity], index: Index | None, path: PathKey
    ) -> list[tuple[tuple[str, bool], ...] | None] | None:
        """Each member's sort-key segments, where the index does not project the type
        attribute; None (after located errors) when two members could look alike."""
        where = "the table" if index is None else f"index '{index.name}'"
        type_attribute = members[0].table.type_attribute
        templates: list[KeyTemplate] = []
        ok = True
        for position, entity in enumerate(members):
            source = _sort_source(entity, index)
            template = source.template if source is not None else None
            if template is None:
                if len(members) > 1:
                    self.report.error_at_value(
                        (*path, "entities", position),
                        f"{where} does not project the type attribute "
                        f"'{type_attribute}', and '{entity.name}' has no sort-key "
                        "template to tell its items apart by",
                        "project the type attribute",
                    )
                    ok = False
                continue
            for earlier, other in zip(members, templates, strict=False):
                if templates_may_overlap(template, other):
                    self.report.error_at_value(
                        (*path, "entities", position),
                        f"'{entity.name}' and '{earlier.name}' cannot be told apart on "
                        f"{where}: it does not project the type attribute "
                        f"'{type_attribute}', and their sort-key templates could render "
                        "the same text",
                        "project the type attribute, or give the sort-key templates "
                        'literal text that tells them apart, e.g. "ITEM#{id}" and '
                        '"SHIPMENT#{id}"',
                    )
                    ok = False
                    break
            templates.append(template)
        if not ok:
            return None
        if len(templates) < len(members):  # one member without a sort-key template
            return [None] * len(members)
        return [tuple(segments(t)) for t in templates]

    def plurals(self, members: list[Entity], path: PathKey) -> list[str] | None:
        seen: dict[str, str] = {}
        ok = True
        names = [plural(entity.name) for entity in members]
        for position, (entity, name) in enumerate(zip(members, names, strict=True)):
            if name in seen:
                self.report.error_at_value(
                    (*path, position),
                    f"'{entity.name}' and '{seen[name]}' both become field '{name}' of "
                    "the grouped dataclass",
                    "rename one of the entities, or read them in two collections",
                )
                ok = False
            seen[name] = entity.name
        return names if ok else None
