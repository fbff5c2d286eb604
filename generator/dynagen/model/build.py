"""Phase 3, model: resolve a structurally valid document into a :class:`Model`.

Semantic rules live here, each reporting a located diagnostic; the builder collects every
error before giving up, so one run shows them all. Knows nothing of YAML syntax, Jinja or
the CLI: it reads the plain data and asks the document only for locations.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import replace
from typing import Any, Literal, cast

from dynagen.diagnostics import Diagnostic
from dynagen.load import Document, PathKey
from dynagen.model.collections import Collection, CollectionBuilder
from dynagen.model.expressions import ExpressionError
from dynagen.model.expressions.compile import check_length
from dynagen.model.expressions.lexer import Lexer
from dynagen.model.naming import (
    enum_member_name,
    pascal_case,
    py_identifier,
    snake_case,
)
from dynagen.model.queries import (
    ABOVE_TEXT,
    AFTER_SEPARATOR,
    QueryError,
    plan_query,
    sent_filter,
    without_type_filter,
)
from dynagen.model.schema import (
    Attribute,
    Billing,
    DeclaredUpdate,
    Entity,
    EnumDef,
    Index,
    KeyAttribute,
    KeySource,
    KeyType,
    Model,
    QueryPlan,
    Table,
    TypeDef,
    View,
)
from dynagen.model.templates import (
    SEPARATOR,
    KeyTemplate,
    TemplateSyntaxError,
    parse_template,
    templates_may_overlap,
)
from dynagen.model.types import (
    AttrType,
    EnumType,
    ListType,
    MapType,
    ScalarType,
    SetType,
    TypeSyntaxError,
    parse_type,
    type_names,
)
from dynagen.model.updates import GENERATED_METHODS, Located, build_update, resolver_for
from dynagen.resources import runtime_public

MAX_GSI = 20
MAX_LSI = 5
MAX_INCLUDE = 100
_STREAM_VIEWS = {
    "keys_only": "KEYS_ONLY",
    "new_image": "NEW_IMAGE",
    "old_image": "OLD_IMAGE",
    "new_and_old_images": "NEW_AND_OLD_IMAGES",
}
_TABLE_CLASSES = {
    "standard": "STANDARD",
    "standard_infrequent_access": "STANDARD_INFREQUENT_ACCESS",
}
#: Names the generated package defines itself; a schema class may not take them: its
#: ``Database``, what it re-exports from ``_runtime`` (read from that package), the run-time
#: types models annotate with, and the stream runtime's classes.
RESERVED_CLASS_NAMES = frozenset(
    {"Database", "Key", "Json", *runtime_public(), "StreamBatch", "StreamFailure"}
)


def did_you_mean(name: str, options: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f"did you mean '{close[0]}'?" if close else None


class ModelBuilder:
    """Builds a :class:`Model`, collecting diagnostics instead of raising.

    Error recovery: ``broken`` holds the paths of units already reported as wrong (cut
    out of ``data`` by structural validation, or found wrong here: an attribute whose
    type does not resolve, a key template that does not parse). Whatever depends on a
    broken unit is left out without a message of its own, so that one mistake is one
    error; everything else is still checked.
    """

    def __init__(
        self,
        document: Document,
        data: dict[str, Any] | None = None,
        broken: Iterable[PathKey] = (),
    ) -> None:
        self.doc = document
        self.data: dict[str, Any] = document.data if data is None else data
        self.broken: set[PathKey] = set(broken)
        #: Field names of named types that are broken (expressions naming them are
        #: left out).
        self.broken_fields: set[str] = set()
        #: Per entity: the key attributes whose template or plain attribute is broken.
        self.broken_keys: dict[str, set[str]] = {}
        self.diagnostics: list[Diagnostic] = []
        self.enum_values: dict[str, tuple[str, ...]] = {
            name: tuple(values)
            for name, values in (self.data.get("enums") or {}).items()
        }
        self.type_names: set[str] = set(self.data.get("types") or {})
        self.inline_enums: dict[str, EnumDef] = {}
        self.inline_enum_owners: dict[str, str] = {}
        self.types: tuple[TypeDef, ...] = ()

    # -- error recovery ----------------------------------------------------------------

    def is_broken(self, path: PathKey) -> bool:
        """Whether ``path`` or a unit holding it is broken."""
        return any(path[:end] in self.broken for end in range(1, len(path) + 1))

    def broken_children(self, path: PathKey) -> set[str]:
        """The names of the broken units directly under ``path``."""
        return {
            str(p[len(path)])
            for p in self.broken
            if len(p) == len(path) + 1 and p[: len(path)] == path
        }

    def table_incomplete(self, table_id: str) -> bool:
        """Whether some index of the table is broken (its key attributes are unknown)."""
        path: PathKey = ("tables", table_id, "indexes")
        return self.is_broken(path) or bool(self.broken_children(path))

    def entity_broken(self, entity: Entity) -> bool:
        """Whether some key source of ``entity`` is broken."""
        return bool(self.broken_keys.get(entity.name))

    # -- diagnostics -------------------------------------------------------------------

    def error_at_value(
        self, path: PathKey, message: str, hint: str | None = None
    ) -> None:
        self.diagnostics.append(
            Diagnostic.at(self.doc.file, self.doc.value_location(path), message, hint)
        )

    def error_at_key(
        self, path: PathKey, message: str, hint: str | None = None
    ) -> None:
        self.diagnostics.append(
            Diagnostic.at(self.doc.file, self.doc.key_location(path), message, hint)
        )

    def error_in_string(
        self, path: PathKey, offset: int, message: str, hint: str | None = None
    ) -> None:
        self.diagnostics.append(
            Diagnostic.at(
                self.doc.file, self.doc.string_location(path, offset), message, hint
            )
        )

    # -- the whole model -------------------------------------------------------------------

    def build(self) -> Model | None:
        enums = self.build_enums()
        types = self.build_types()
        self.types = tuple(types)
        tables = self.build_tables()
        tables_by_id = {t.id: t for t in tables}
        entities = [
            entity
            for name, spec in (self.data.get("entities") or {}).items()
            if (entity := self.build_entity(name, spec, tables_by_id)) is not None
        ]
        per_table: dict[str, int] = {}
        for entity in entities:
            per_table[entity.table.id] = per_table.get(entity.table.id, 0) + 1
        entities = [
            replace(e, table_shared=per_table[e.table.id] > 1) for e in entities
        ]
        entities = [self.isolate_queries(e, entities) for e in entities]
        for entity in entities:
            self.check_sent_filters(entity)
        self.check_primary_key_clashes(entities)
        self.check_ttl(tables, entities)
        all_enums = (*enums, *self.inline_enums.values())
        self.check_class_names(all_enums, types, entities)
        collections = self.build_collections(all_enums, entities)
        self.check_stream_names(tables, entities, collections)
        if self.diagnostics or self.broken or "package" not in self.data:
            return None  # (a missing package is a structural error, reported there)
        return Model(
            source_name=self.doc.file.rsplit("/", 1)[-1],
            package=self.data["package"],
            enums=tuple(all_enums),
            types=tuple(types),
            tables=tuple(tables),
            entities=tuple(entities),
            collections=collections,
        )

    def build_collections(
        self, enums: Iterable[EnumDef], entities: list[Entity]
    ) -> tuple[Collection, ...]:
        """``collections:`` (SPEC §3 Collections), once every entity is resolved."""
        specs = self.data.get("collections") or {}
        if not specs:
            return ()
        taken = {*RESERVED_CLASS_NAMES, *(e.name for e in enums), *self.type_names}
        for entity in entities:
            taken |= {entity.name, f"{entity.name}Key", f"{entity.name}Repository"}
            taken |= {v.class_name for v in entity.views}
            taken |= {
                f"{entity.name}{pascal_case(i.name)}Projection" for i in entity.indexes
            }
        declared = self.data.get("entities") or {}
        builder = CollectionBuilder(self, entities, self.types, taken, declared)
        return builder.build(specs)

    # -- enums and types -------------------------------------------------------------------

    def build_enums(self) -> list[EnumDef]:
        return [
            self.enum_def(name, values, ("enums", name))
            for name, values in (self.data.get("enums") or {}).items()
        ]

    def enum_def(self, class_name: str, values: list[str], path: PathKey) -> EnumDef:
        members: list[tuple[str, str]] = []
        seen: dict[str, str] = {}
        for index, value in enumerate(values):
            member = enum_member_name(value)
            if member in seen:
                self.error_at_value(
                    (*path, index),
                    f"enum values '{seen[member]}' and '{value}' both become member "
                    f"{class_name}.{member}",
                    "rename one of the values",
                )
                continue
            seen[member] = value
            members.append((member, value))
        return EnumDef(class_name, tuple(members))

    def build_types(self) -> list[TypeDef]:
        result = []
        for name, fields in (self.data.get("types") or {}).items():
            attributes = []
            for field, spec in fields.items():
                attribute = self.attribute(
                    field, spec, ("types", name, field), owner=name, in_type=True
                )
                if attribute is None:
                    self.broken.add(("types", name, field))
                else:
                    attributes.append(attribute)
            self.broken_fields |= self.broken_children(("types", name))
            result.append(TypeDef(name, tuple(attributes)))
        self.check_type_cycles()
        return result

    def check_type_cycles(self) -> None:
        types: dict[str, Any] = self.data.get("types") or {}

        def refs(name: str) -> set[str]:
            found = set()
            for spec in types[name].values():
                text = spec if isinstance(spec, str) else spec.get("type", "")
                optional = isinstance(spec, dict) and spec.get("optional", False)
                if text in types and not optional:
                    found.add(text)
            return found

        for start in types:
            stack, seen = [start], set()
            while stack:
                current = stack.pop()
                for ref in refs(current):
                    if ref == start:
                        self.error_at_key(
                            ("types", start),
                            f"type '{start}' requires itself through required fields",
                            "make one field of the cycle optional",
                        )
                        stack.clear()
                        break
                    if ref not in seen:
                        seen.add(ref)
                        stack.append(ref)

    # -- attributes ------------------------------------------------------------------------

    def attribute(
        self, name: str, spec: Any, path: PathKey, *, owner: str, in_type: bool = False
    ) -> Attribute | None:
        options: dict[str, Any] = (
            {"type": spec} if isinstance(spec, str) else dict(spec)
        )
        type_path = path if isinstance(spec, str) else (*path, "type")
        attr_type = self.resolve_type(options["type"], options, type_path, owner, name)
        if attr_type is None:
            return None
        auto = options.get("auto")
        version = bool(options.get("version", False))
        optional = bool(options.get("optional", False))
        if auto is not None and not (
            isinstance(attr_type, ScalarType)
            and attr_type.name in ("datetime", "epoch")
        ):
            self.error_at_value(
                (*path, "auto"), "`auto` is for datetime or epoch attributes"
            )
        if version and attr_type != ScalarType("int"):
            self.error_at_value(
                (*path, "version"), "the `version` attribute must be an int"
            )
        if in_type and (auto is not None or version):
            self.error_at_key(path, "`auto` and `version` belong on entity attributes")
        if version and optional:
            self.error_at_value(
                (*path, "optional"), "the `version` attribute cannot be optional"
            )
        has_default = "default" in options
        default = options.get("default")
        if has_default:
            problem = default_problem(
                attr_type, default, self.enum_values, self.inline_enums
            )
            if problem is not None:
                self.error_at_value((*path, "default"), problem)
            if auto is not None or version:
                self.error_at_value(
                    (*path, "default"),
                    "an `auto` or `version` attribute takes no default",
                )
        return Attribute(
            name=name,
            py_name=py_identifier(name),
            stored_name=options.get("column", name),
            type=attr_type,
            optional=optional,
            has_default=has_default,
            default=default,
            auto=auto,
            version=version,
            doc=options.get("doc"),
        )

    def resolve_type(
        self, text: str, options: dict[str, Any], path: PathKey, owner: str, name: str
    ) -> AttrType | None:
        if text == "enum":
            values = options.get("values")
            if not values:
                self.error_at_value(path, "an inline enum needs `values: [...]`")
                return None
            class_name = f"{owner}{pascal_case(name)}"
            taken = self.inline_enum_owners.get(class_name)
            if taken is not None or class_name in self.enum_values:
                self.error_at_key(
                    path[:-1],
                    f"the inline enum of '{owner}.{name}' is named {class_name}, which "
                    + (f"the inline enum of '{taken}'" if taken else "an enum")
                    + " already is",
                    "declare one named enum under `enums:` and use it in both places",
                )
                return None
            self.inline_enum_owners[class_name] = f"{owner}.{name}"
            enum_def = self.enum_def(class_name, list(values), (*path[:-1], "values"))
            self.inline_enums[class_name] = enum_def
            return EnumType(class_name, tuple(values))
        if "values" in options:
            self.error_at_key((*path[:-1], "values"), "`values` goes with `type: enum`")
        try:
            return parse_type(text, self.enum_values, self.type_names)
        except TypeSyntaxError as exc:
            word = text[exc.offset :].split("<")[0].split(">")[0].strip()
            if any(self.is_broken((group, word)) for group in ("types", "enums")):
                return None  # a broken type or enum, already reported
            hint = did_you_mean(word, type_names(self.enum_values, self.type_names))
            self.error_in_string(path, exc.offset, str(exc), hint)
            return None

    # -- tables ----------------------------------------------------------------------------

    def build_tables(self) -> list[Table]:
        tables = []
        names: dict[str, str] = {}
        for table_id, spec in (self.data.get("tables") or {}).items():
            table = self.build_table(table_id, spec)
            if table.name in names:
                self.error_at_key(
                    ("tables", table_id),
                    f"tables '{names[table.name]}' and '{table_id}' share the name '{table.name}'",
                )
            names[table.name] = table_id
            tables.append(table)
        return tables

    def build_table(self, table_id: str, spec: dict[str, Any]) -> Table:
        path: PathKey = ("tables", table_id)
        pk = key_attribute(spec["partition_key"])
        sk = key_attribute(spec["sort_key"]) if "sort_key" in spec else None
        indexes = [
            self.build_index(name, index_spec, pk, sk, (*path, "indexes", name))
            for name, index_spec in (spec.get("indexes") or {}).items()
        ]
        self.check_index_limits(indexes, path)
        key_types: dict[str, KeyType] = {}
        for index in indexes:
            for key in (pk, sk, index.partition_key, index.sort_key):
                if key is None:
                    continue
                if key_types.setdefault(key.name, key.type) != key.type:
                    self.error_at_key(
                        (*path, "indexes", index.name),
                        f"key attribute '{key.name}' is {key_types[key.name]} elsewhere "
                        f"on this table but {key.type} here",
                    )
        billing_spec = spec.get("billing", "on_demand")
        if isinstance(billing_spec, dict):
            provisioned = billing_spec["provisioned"]
            billing = Billing("PROVISIONED", provisioned["read"], provisioned["write"])
        else:
            billing = Billing("PAY_PER_REQUEST")
        stream = _STREAM_VIEWS[spec["stream"]] if "stream" in spec else None
        replicas = tuple(spec.get("replicas") or ())
        if (
            replicas
            and stream != "NEW_AND_OLD_IMAGES"
            and not self.is_broken((*path, "stream"))
        ):
            self.error_at_key(
                (*path, "replicas"),
                "replicas need the table's stream to be new_and_old_images",
                "add `stream: new_and_old_images` to the table",
            )
        return Table(
            id=table_id,
            name=spec.get("name", table_id),
            partition_key=pk,
            sort_key=sk,
            billing=billing,
            type_attribute=spec.get("type_attribute", "_type"),
            indexes=tuple(indexes),
            ttl=spec.get("ttl"),
            stream=stream,
            point_in_time_recovery=bool(spec.get("point_in_time_recovery", False)),
            replicas=replicas,
            tags=tuple(sorted((spec.get("tags") or {}).items())),
            table_class=_TABLE_CLASSES[spec["table_class"]]
            if "table_class" in spec
            else None,
            deletion_protection=bool(spec.get("deletion_protection", False)),
        )

    def build_index(
        self,
        name: str,
        spec: dict[str, Any],
        table_pk: KeyAttribute,
        table_sk: KeyAttribute | None,
        path: PathKey,
    ) -> Index:
        local = bool(spec.get("local", False))
        projection_spec = spec.get("projection", "all")
        include: tuple[str, ...] = ()
        if isinstance(projection_spec, dict):
            projection: Literal["ALL", "KEYS_ONLY", "INCLUDE"] = "INCLUDE"
            include = tuple(projection_spec["include"])
        else:
            projection = "ALL" if projection_spec == "all" else "KEYS_ONLY"
        if local:
            if table_sk is None:
                self.error_at_key(
                    path, f"local index '{name}' needs a table with a sort key"
                )
            if (
                "partition_key" in spec
                and key_attribute(spec["partition_key"]) != table_pk
            ):
                self.error_at_key(
                    (*path, "partition_key"),
                    "a local index shares the table's partition key",
                    "leave `partition_key` out of a local index",
                )
            if "sort_key" not in spec:
                self.error_at_key(path, f"local index '{name}' needs a sort_key")
            sort_key = key_attribute(spec["sort_key"]) if "sort_key" in spec else None
            return Index(name, True, table_pk, sort_key, projection, include)
        if "partition_key" not in spec:
            self.error_at_key(path, f"global index '{name}' needs a partition_key")
            return Index(name, False, table_pk, None, projection, include)
        sort_key = key_attribute(spec["sort_key"]) if "sort_key" in spec else None
        return Index(
            name,
            False,
            key_attribute(spec["partition_key"]),
            sort_key,
            projection,
            include,
        )

    def check_index_limits(self, indexes: list[Index], path: PathKey) -> None:
        globals_ = [i for i in indexes if not i.local]
        locals_ = [i for i in indexes if i.local]
        if len(globals_) > MAX_GSI:
            self.error_at_key(
                (*path, "indexes", globals_[MAX_GSI].name),
                f"a table has at most {MAX_GSI} global indexes",
            )
        if len(locals_) > MAX_LSI:
            self.error_at_key(
                (*path, "indexes", locals_[MAX_LSI].name),
                f"a table has at most {MAX_LSI} local indexes",
            )
        total = 0
        for index in indexes:
            total += len(index.include)
            if total > MAX_INCLUDE:
                self.error_at_key(
                    (*path, "indexes", index.name, "projection"),
                    f"a table's indexes project at most {MAX_INCLUDE} `include` attributes "
                    "in all",
                )
                break

    # -- entities --------------------------------------------------------------------------

    def build_entity(
        self, name: str, spec: dict[str, Any], tables: dict[str, Table]
    ) -> Entity | None:
        path: PathKey = ("entities", name)
        resolved_list = []
        for attr_name, attr_spec in spec["attributes"].items():
            attr_path = (*path, "attributes", attr_name)
            attribute = self.attribute(attr_name, attr_spec, attr_path, owner=name)
            if attribute is None:
                self.broken.add(attr_path)
            else:
                resolved_list.append(attribute)
        resolved = tuple(resolved_list)
        table = tables.get(spec["table"])
        if table is None:
            if not self.is_broken(("tables", spec["table"])):
                self.error_at_value(
                    (*path, "table"),
                    f"unknown table '{spec['table']}'",
                    did_you_mean(spec["table"], tables),
                )
            return None
        self.check_entity_attributes(name, resolved, table, path)
        broken_keys = self.broken_keys.setdefault(name, set())
        if self.is_broken((*path, "key")):
            broken_keys.update(k.name for k in table.all_key_attributes)
        broken_keys |= self.broken_children((*path, "key"))
        sources, indexes = self.key_sources(
            name, spec.get("key") or {}, resolved, table, path
        )
        entity = Entity(
            name=name,
            snake=snake_case(name),
            table=table,
            attributes=resolved,
            key_sources=tuple(sources),
            indexes=tuple(indexes),
            doc=spec.get("doc"),
        )
        covered = {s.attribute.name for s in sources}
        if all(k.name in covered for k in table.key_attributes):
            entity = replace(entity, updates=self.build_updates(entity, spec, path))
            entity = replace(entity, views=self.build_views(entity, spec, path))
            entity = replace(entity, queries=self.build_queries(entity, spec, path))
        else:
            # Without its table key an entity has no reads or writes to plan; its views
            # and queries on an index the table does not have are still checked.
            entity = replace(entity, views=self.build_views(entity, spec, path))
            self.build_queries(entity, spec, path)
        return entity

    def depends_on_broken(self, entity: Entity, *texts: object) -> bool:
        """Whether one of the expressions ``texts`` names a broken attribute or field."""
        names = self.broken_children(("entities", entity.name, "attributes"))
        names |= self.broken_fields
        return bool(names) and any(mentions(text, names) for text in texts)

    def query_depends_on_broken(
        self, entity: Entity, name: str, spec: dict[str, Any]
    ) -> bool:
        """Whether a query reads a broken attribute, view, index or key template.

        A query without ``index:`` depends on every key of the entity (any of them could
        be the one that serves it); one with ``index:`` on that index and the table key.
        """
        path = ("entities", entity.name)
        if self.is_broken((*path, "queries", name)):
            return True
        if self.depends_on_broken(entity, spec.get("key"), spec.get("filter")):
            return True
        view = spec.get("view")
        if view is not None and self.is_broken((*path, "views", str(view))):
            return True
        table = entity.table
        covered = {s.attribute.name for s in entity.key_sources}
        primary_ok = all(k.name in covered for k in table.key_attributes)
        index_name = spec.get("index")
        index = next((i for i in table.indexes if i.name == index_name), None)
        if index_name is None:
            return (
                not primary_ok
                or self.entity_broken(entity)
                or self.table_incomplete(table.id)
            )
        if index is None:
            # An index the table does not have: an error of its own, unless it may be
            # one of the table's broken indexes.
            return self.table_incomplete(table.id)
        needed = {k.name for k in (*table.key_attributes, *index.key_attributes)}
        return not primary_ok or bool(needed & self.broken_keys.get(entity.name, set()))

    def build_views(
        self, entity: Entity, spec: dict[str, Any], path: PathKey
    ) -> tuple[View, ...]:
        by_name = {a.name: a for a in entity.attributes}
        methods = {u.name for u in entity.updates} | set(spec.get("queries") or {})
        views = []
        for name, names in (spec.get("views") or {}).items():
            view_path = (*path, "views", name)
            if f"get_{name}" in methods or name in methods:
                self.error_at_key(
                    view_path,
                    f"view '{name}' (method get_{name}) clashes with another method",
                    "choose another name",
                )
                continue
            broken_names = self.broken_children((*path, "attributes"))
            if any(n in broken_names for n in names):
                self.broken.add(view_path)
                continue
            unknown = [n for n in names if n not in by_name]
            for index, attr_name in enumerate(names):
                if attr_name not in by_name:
                    self.error_at_value(
                        (*view_path, index),
                        f"unknown attribute '{attr_name}' in view '{name}'",
                        did_you_mean(attr_name, by_name),
                    )
            if unknown:
                continue
            views.append(View(name, f"{entity.name}{pascal_case(name)}", tuple(names)))
        return tuple(views)

    def build_queries(
        self, entity: Entity, spec: dict[str, Any], path: PathKey
    ) -> tuple[QueryPlan, ...]:
        resolver = resolver_for(entity.attributes, self.types)
        sharing = sum(
            1
            for other in (self.data.get("entities") or {}).values()
            if other.get("table") == entity.table.id
        )
        taken = {u.name for u in entity.updates}
        result = []
        for name, query_spec in (spec.get("queries") or {}).items():
            query_path = (*path, "queries", name)
            if self.query_depends_on_broken(entity, name, query_spec):
                continue
            if name in GENERATED_METHODS or name in taken:
                self.error_at_key(
                    query_path,
                    f"query '{name}' is named like another method of the repository",
                    "choose another name",
                )
                continue
            view_name = query_spec.get("view")
            view = next((v for v in entity.views if v.name == view_name), None)
            if view_name is not None and view is None:
                self.error_at_value(
                    (*query_path, "view"),
                    f"unknown view '{view_name}'",
                    did_you_mean(view_name, [v.name for v in entity.views]),
                )
                continue
            try:
                plan = plan_query(entity, resolver, name, query_spec, sharing)
            except QueryError as error:
                if error.field in ("key", "filter"):
                    self.error_in_string(
                        (*query_path, error.field), error.offset, str(error), error.hint
                    )
                else:
                    self.error_at_value(
                        (*query_path, error.field), str(error), error.hint
                    )
                continue
            if view is not None:
                missing = unprojected(entity, plan.index, view.attributes)
                if missing:
                    self.error_at_value(
                        (*query_path, "view"),
                        f"index '{plan.index.name if plan.index else ''}' does not project "
                        f"{', '.join(missing)} of view '{view.name}'",
                    )
                    continue
                plan = replace(plan, view=view.name)
            result.append(plan)
        return tuple(result)

    def build_updates(
        self, entity: Entity, spec: dict[str, Any], path: PathKey
    ) -> tuple[DeclaredUpdate, ...]:
        result = []
        key_params = {a.py_name for a in entity.key_fields} | {"expected_version"}
        for name, update_spec in (spec.get("updates") or {}).items():
            update_path = (*path, "updates", name)
            if name in GENERATED_METHODS:
                self.error_at_key(
                    update_path,
                    f"update '{name}' is named like a generated repository method",
                    "choose another name",
                )
                continue
            if self.entity_broken(entity) or self.depends_on_broken(
                entity, update_spec["update"], update_spec.get("condition")
            ):
                continue
            compiled = build_update(
                entity,
                self.types,
                name,
                update_spec["update"],
                update_spec.get("condition"),
                update_spec.get("doc"),
                touch=update_spec.get("touch", True),
                upsert=update_spec.get("upsert", False),
            )
            if isinstance(compiled, Located):
                self.error_in_string(
                    (*update_path, compiled.field),
                    compiled.offset,
                    compiled.message,
                    compiled.hint,
                )
                continue
            clashes = [p.name for p in compiled.params if p.py_name in key_params]
            if clashes:
                self.error_at_key(
                    update_path,
                    f"parameter ':{clashes[0]}' of update '{name}' clashes with a key "
                    "field or `expected_version` of the method",
                    "rename the parameter",
                )
                continue
            result.append(compiled)
        return tuple(result)

    def check_entity_attributes(
        self, name: str, attributes: tuple[Attribute, ...], table: Table, path: PathKey
    ) -> None:
        versions = [a for a in attributes if a.version]
        for extra in versions[1:]:
            self.error_at_key(
                (*path, "attributes", extra.name),
                f"entity '{name}' has more than one `version` attribute",
            )
        stored: dict[str, str] = {}
        py_names: dict[str, str] = {}
        for attribute in attributes:
            attr_path = (*path, "attributes", attribute.name)
            if attribute.stored_name == table.type_attribute:
                self.error_at_key(
                    attr_path,
                    f"'{attribute.stored_name}' is the table's type attribute",
                    "rename the attribute, or set the table's `type_attribute`",
                )
            if attribute.stored_name in stored:
                self.error_at_key(
                    attr_path,
                    f"attributes '{stored[attribute.stored_name]}' and '{attribute.name}' are "
                    f"both stored as '{attribute.stored_name}'",
                )
            stored[attribute.stored_name] = attribute.name
            if attribute.py_name in py_names:
                self.error_at_key(
                    attr_path,
                    f"attributes '{py_names[attribute.py_name]}' and '{attribute.name}' are "
                    f"both named '{attribute.py_name}' in Python",
                )
            py_names[attribute.py_name] = attribute.name

    def key_sources(
        self,
        entity: str,
        key_spec: dict[str, str],
        attributes: tuple[Attribute, ...],
        table: Table,
        path: PathKey,
    ) -> tuple[list[KeySource], list[Index]]:
        by_name = {a.name: a for a in attributes}
        by_stored = {a.stored_name: a for a in attributes}
        key_attrs = {k.name: k for k in table.all_key_attributes}
        broken = self.broken_keys.setdefault(entity, set())
        for physical in key_spec:
            if physical not in key_attrs:
                if self.table_incomplete(table.id):
                    continue  # may be a key attribute of a broken index
                self.error_at_key(
                    (*path, "key", physical),
                    f"'{physical}' is not a key attribute of table '{table.id}' or its indexes",
                    did_you_mean(physical, key_attrs),
                )
            elif physical in by_stored:
                self.error_at_key(
                    (*path, "key", physical),
                    f"'{physical}' is both a key template and an attribute of '{entity}'",
                    "remove the template, or rename the attribute",
                )
        sources: dict[str, KeySource] = {}

        def source_for(
            key: KeyAttribute, required: bool, context: str
        ) -> KeySource | None:
            if key.name in sources:
                return sources[key.name]
            if key.name in broken:
                return None
            source = self.key_source(
                entity, key, key_spec, by_name, by_stored, path, required, context
            )
            if source is not None:
                sources[key.name] = source
            elif key.name in key_spec or key.name in broken_attributes:
                broken.add(key.name)
            return source

        broken_attributes = self.broken_children((*path, "attributes"))

        for key in table.key_attributes:
            source = source_for(key, True, f"table '{table.id}'")
            if (
                source is None
                and key.name not in key_spec
                and key.name not in by_stored
                and key.name not in broken
            ):
                self.error_at_key(
                    path,
                    f"entity '{entity}' gives no value for key attribute '{key.name}' of "
                    f"table '{table.id}'",
                    f'add `{key.name}: "..."` under `key:`, or an attribute named '
                    f"'{key.name}'",
                )
        indexes = []
        for index in table.indexes:
            own = index.key_attributes
            found = [source_for(k, False, f"index '{index.name}'") for k in own]
            if all(f is not None for f in found):
                indexes.append(index)
            elif any(k.name in broken for k in own):
                continue  # whether the entity is in the index depends on a broken key
            elif any(f is not None for f in found):
                missing = [k.name for k, f in zip(own, found, strict=True) if f is None]
                self.error_at_key(
                    path,
                    f"entity '{entity}' gives some but not all key attributes of index "
                    f"'{index.name}' (missing: {', '.join(missing)})",
                    "give all of them to put the entity in the index, or none to leave it out",
                )
        ordered = [
            sources[k.name] for k in table.all_key_attributes if k.name in sources
        ]
        return ordered, indexes

    def key_source(
        self,
        entity: str,
        key: KeyAttribute,
        key_spec: dict[str, str],
        by_name: dict[str, Attribute],
        by_stored: dict[str, Attribute],
        path: PathKey,
        required: bool,
        context: str,
    ) -> KeySource | None:
        if key.name in key_spec:
            template_path = (*path, "key", key.name)
            if key.type != "S":
                self.error_at_value(
                    template_path,
                    f"key attribute '{key.name}' is {key.type}, but a template renders text",
                    f"declare an attribute named '{key.name}' of a number or bytes type instead",
                )
                return None
            template = self.template(
                key_spec[key.name],
                template_path,
                by_name,
                required,
                self.broken_children((*path, "attributes")),
            )
            return KeySource(key, template=template) if template is not None else None
        plain = by_stored.get(key.name)
        if plain is None:
            return None
        if plain.type.wire != key.type:
            self.broken_keys.setdefault(entity, set()).add(key.name)
            self.error_at_key(
                (*path, "attributes", plain.name),
                f"attribute '{plain.name}' is stored as {plain.type.wire}, but key attribute "
                f"'{key.name}' of {context} is {key.type}",
            )
            return None
        if required and plain.nullable:
            self.error_at_key(
                (*path, "attributes", plain.name),
                f"attribute '{plain.name}' is part of the table key and cannot be optional",
            )
        return KeySource(key, plain=plain.name)

    def template(
        self,
        text: str,
        path: PathKey,
        by_name: dict[str, Attribute],
        table_key: bool,
        broken: AbstractSet[str] = frozenset(),
    ) -> KeyTemplate | None:
        try:
            template = parse_template(text)
        except TemplateSyntaxError as exc:
            self.error_in_string(path, exc.offset, str(exc), exc.hint)
            return None
        ok = True
        for field in template.fields:
            if field.name in broken:
                ok = False  # a broken attribute, already reported
                continue
            attribute = by_name.get(field.name)
            if attribute is None:
                self.error_in_string(
                    path,
                    field.offset + 1,
                    f"unknown attribute '{field.name}' in key template",
                    did_you_mean(field.name, by_name),
                )
                ok = False
                continue
            if not attribute.type.templatable:
                self.error_in_string(
                    path,
                    field.offset + 1,
                    f"attribute '{field.name}' is {attribute.type.describe()}; a key template "
                    "names scalar attributes only",
                )
                ok = False
            if field.width is not None and attribute.type != ScalarType("int"):
                self.error_in_string(
                    path,
                    field.offset + 1,
                    f"'{{{field.name}:{field.width}}}' pads ints only",
                )
                ok = False
            if table_key and attribute.optional:
                self.error_in_string(
                    path,
                    field.offset + 1,
                    f"the table key template names optional attribute '{field.name}'",
                    "a table key may name only required attributes",
                )
                ok = False
            if table_key and attribute.auto == "updated":
                self.error_in_string(
                    path,
                    field.offset + 1,
                    f"'{field.name}' changes on every write (`auto: updated`) and cannot be "
                    "part of the table key",
                )
                ok = False
        return template if ok else None

    # -- cross-entity rules ------------------------------------------------------------------

    def isolate_queries(self, entity: Entity, entities: list[Entity]) -> Entity:
        """Keep a query's type filter only where key bounds alone cannot exclude another
        entity's items (SPEC §3: no item of another entity is ever returned)."""
        plans = []
        for plan in entity.queries:
            if plan.partition is None:
                plans.append(self.isolate_scan(entity, entities, plan))
                continue
            rivals = [
                other.name
                for other in entities
                if other is not entity
                and other.table.id == entity.table.id
                and not self.entity_broken(other)
                and keys_may_overlap(entity, other, plan.index)
            ]
            if rivals and plan.type_filter is None:
                index_name = plan.index.name if plan.index else ""
                self.error_in_string(
                    ("entities", entity.name, "queries", plan.name, "key"),
                    0,
                    f"index '{index_name}' does not project the type attribute, and "
                    f"'{rivals[0]}' items could fall in this query's key range",
                    "give the entities' index key templates literal text that tells them "
                    "apart, or project the type attribute",
                )
            if not rivals:
                plan = without_type_filter(plan)
            plans.append(plan)
        return replace(entity, queries=tuple(plans))

    def check_sent_filters(self, entity: Entity) -> None:
        """DynamoDB's 4 KB limit on each query's filter as sent (its entity checks
        included), located at the schema's filter."""
        for plan in entity.queries:
            text = sent_filter(plan)
            if text is None or plan.filter is None:
                continue
            try:
                check_length(text, "the filter as sent")
            except ExpressionError as error:
                self.error_in_string(
                    ("entities", entity.name, "queries", plan.name, "filter"),
                    error.offset,
                    error.message,
                )

    def isolate_scan(
        self, entity: Entity, entities: list[Entity], plan: QueryPlan
    ) -> QueryPlan:
        """A declared scan of a shared index that does not project the type attribute
        tells its entity's items by the literal prefix of one of its index keys."""
        index = plan.index
        if index is None or plan.type_filter is not None:
            return plan
        rivals = [
            other
            for other in entities
            if other is not entity
            and other.table.id == entity.table.id
            and not self.entity_broken(other)
            and index in other.indexes
        ]
        if not rivals:
            return plan
        for key in index.key_attributes:
            source = entity.key_source(key.name)
            if source is None or source.template is None:
                continue
            prefix = source.template.literal_prefix
            if prefix and not any(
                prefix_may_match(prefix, other.key_source(key.name)) for other in rivals
            ):
                return replace(plan, key_prefix=(key.name, prefix))
        self.error_at_key(
            ("entities", entity.name, "queries", plan.name),
            f"scan '{plan.name}' of index '{index.name}' cannot tell '{entity.name}' items "
            f"from '{rivals[0].name}' items",
            "project the type attribute, or give the index key templates literal text "
            "that tells the entities apart",
        )
        return plan

    def check_primary_key_clashes(self, entities: list[Entity]) -> None:
        # An entity whose table key is incomplete (a broken or missing template) is left
        # out: comparing what remains of it would report clashes that are not there.
        entities = [
            e for e in entities if len(e.primary_sources) == len(e.table.key_attributes)
        ]
        for i, first in enumerate(entities):
            for second in entities[i + 1 :]:
                if first.table.id != second.table.id:
                    continue
                pairs = list(
                    zip(first.primary_sources, second.primary_sources, strict=False)
                )
                if all(sources_may_overlap(a, b) for a, b in pairs):
                    has_key = "key" in self.data["entities"][second.name]
                    self.error_at_key(
                        ("entities", second.name, "key")
                        if has_key
                        else ("entities", second.name),
                        f"entities '{first.name}' and '{second.name}' could render the same "
                        f"primary key on table '{first.table.id}'",
                        "give their key templates literal text that tells them apart, "
                        'e.g. "CUSTOMER#{id}" and "ORDER#{id}"',
                    )

    def check_ttl(self, tables: list[Table], entities: list[Entity]) -> None:
        for entity in entities:
            ttl = entity.table.ttl
            if ttl is None:
                continue
            for attribute in entity.attributes:
                if attribute.stored_name == ttl and attribute.type != ScalarType(
                    "epoch"
                ):
                    self.error_at_key(
                        ("entities", entity.name, "attributes", attribute.name),
                        f"'{ttl}' is table '{entity.table.id}''s TTL attribute and must be "
                        f"an epoch, not {attribute.type.describe()}",
                    )

    def check_class_names(
        self, enums: Iterable[EnumDef], types: list[TypeDef], entities: list[Entity]
    ) -> None:
        owners: dict[str, str] = {}

        def claim(class_name: str, owner: str, path: PathKey) -> None:
            if class_name in RESERVED_CLASS_NAMES:
                self.error_at_key(
                    path, f"'{class_name}' is a name the generated package uses"
                )
            elif class_name in owners:
                self.error_at_key(
                    path,
                    f"{owner} and {owners[class_name]} both define class '{class_name}'",
                )
            owners[class_name] = owner

        for enum_def in enums:
            claim(enum_def.name, f"enum '{enum_def.name}'", ("enums", enum_def.name))
        for type_def in types:
            claim(type_def.name, f"type '{type_def.name}'", ("types", type_def.name))
        snakes: dict[str, str] = {}
        for entity in entities:
            path = ("entities", entity.name)
            claim(entity.name, f"entity '{entity.name}'", path)
            claim(f"{entity.name}Key", f"entity '{entity.name}'", path)
            claim(f"{entity.name}Repository", f"entity '{entity.name}'", path)
            if entity.snake in snakes:
                self.error_at_key(
                    path,
                    f"entities '{snakes[entity.snake]}' and '{entity.name}' both become "
                    f"'{entity.snake}' in Python",
                )
            snakes[entity.snake] = entity.name

    def check_stream_names(
        self,
        tables: list[Table],
        entities: list[Entity],
        collections: tuple[Collection, ...],
    ) -> None:
        """``<Table>Event`` and ``decode_<table>_record`` of ``streams.py`` must not
        clash with a class of the package or with another stream table's names."""
        classes = {e.name for e in entities} | {f"{e.name}Key" for e in entities}
        classes |= {f"{e.name}Repository" for e in entities}
        classes |= {v.class_name for e in entities for v in e.views}
        classes |= {
            f"{e.name}{pascal_case(i.name)}Projection"
            for e in entities
            for i in e.indexes
        }
        classes |= {c.class_name for c in collections}
        classes |= set(self.data.get("enums") or {}) | set(self.data.get("types") or {})
        classes |= {e.name for e in self.inline_enums.values()}
        snakes: dict[str, str] = {}
        for table in tables:
            if table.stream is None:
                continue
            event = f"{table.id}Event"
            if event in classes or event in RESERVED_CLASS_NAMES:
                self.error_at_key(
                    ("tables", table.id),
                    f"table '{table.id}''s stream events would be class '{event}', "
                    "a name the package already uses",
                    "rename the table id or the other class",
                )
            snake = snake_case(table.id)
            if snake in snakes:
                self.error_at_key(
                    ("tables", table.id),
                    f"tables '{snakes[snake]}' and '{table.id}' both become "
                    f"'decode_{snake}_record' in Python",
                )
            snakes[snake] = table.id


def unprojected(
    entity: Entity, index: Index | None, names: tuple[str, ...]
) -> list[str]:
    """The attributes of ``names`` that ``index`` does not project."""
    projected = entity.table.projected_by(index) if index is not None else None
    if projected is None:
        return []
    return [n for n in names if entity.attribute(n).stored_name not in projected]


def key_attribute(spec: str | dict[str, str]) -> KeyAttribute:
    if isinstance(spec, str):
        return KeyAttribute(spec, "S")
    return KeyAttribute(spec["name"], cast(KeyType, spec.get("type", "S")))


def keys_may_overlap(first: Entity, second: Entity, index: Index | None) -> bool:
    """Whether items of two entities could share a key range of the table or ``index``."""
    if index is None:
        names = [k.name for k in first.table.key_attributes]
        ranged = first.table.sort_key is not None
    else:
        if index not in second.indexes:
            return False
        names = [k.name for k in (index.partition_key, index.sort_key) if k is not None]
        ranged = index.sort_key is not None
        if index.local:
            names.insert(0, first.table.partition_key.name)
    for i, name in enumerate(names):
        a, b = first.key_source(name), second.key_source(name)
        if a is None or b is None:
            return a is None and b is None
        sort = ranged and i == len(names) - 1
        if not (range_may_hold(a, b) if sort else sources_may_overlap(a, b)):
            return False
    return True


def range_may_hold(first: KeySource, second: KeySource) -> bool:
    """Whether a value of ``second`` could fall in a sort-key range a query on
    ``first`` sends (SPEC §3: every such range lies between the template's literal
    prefix and the bound just above every value that starts with it), not merely equal
    a value of ``first``: ``E#{a}`` falls in the range of ``E#{a}#{b}``."""
    if first.template is None or second.template is None:
        return True
    if first.template.is_constant:  # matched with `=`
        return templates_may_overlap(first.template, second.template)
    prefix = first.template.literal_prefix
    if not prefix:
        return True
    above = (
        prefix[:-1] + AFTER_SEPARATOR
        if prefix.endswith(SEPARATOR)
        else prefix + ABOVE_TEXT
    )
    return may_start_with(second.template, prefix) or may_start_with(
        second.template, above
    )


def may_start_with(template: KeyTemplate, prefix: str) -> bool:
    """Whether ``template`` could render a value that starts with ``prefix``.

    A field's text never holds the separator ``#`` (the key escape guarantees it) and a
    field is followed by ``#`` or ends the template, so a field stands for any run of
    ``prefix`` up to its next ``#``.
    """
    rest = prefix
    for part in template.parts:
        if not rest:
            return True
        if isinstance(part, str):
            common = min(len(part), len(rest))
            if part[:common] != rest[:common]:
                return False
            rest = rest[common:]
        else:
            cut = rest.find(SEPARATOR)
            if cut < 0:
                return True
            rest = rest[cut:]
    return not rest


def prefix_may_match(prefix: str, source: KeySource | None) -> bool:
    """Whether a value of ``source`` could begin with ``prefix``."""
    if source is None or source.template is None:
        return True
    return may_start_with(source.template, prefix)


def sources_may_overlap(first: KeySource, second: KeySource) -> bool:
    """Whether two key sources could render the same value (SPEC §3: clash detection)."""
    if first.template is None or second.template is None:
        return True
    return templates_may_overlap(first.template, second.template)


def default_problem(
    attr_type: AttrType,
    value: object,
    enums: dict[str, tuple[str, ...]],
    inline: dict[str, EnumDef],
) -> str | None:
    """Why ``value`` cannot be the default of ``attr_type``, or None when it can."""
    if isinstance(attr_type, EnumType):
        if value not in attr_type.values:
            return f"default {value!r} is not one of {', '.join(attr_type.values)}"
        return None
    if isinstance(attr_type, ScalarType):
        expected: dict[str, tuple[type, ...]] = {
            "string": (str,),
            "int": (int,),
            "float": (int, float),
            "decimal": (int, float, str),
            "bool": (bool,),
        }
        allowed = expected.get(attr_type.name)
        if allowed is None:
            return f"a {attr_type.name} attribute cannot have a default"
        if isinstance(value, bool) and attr_type.name != "bool":
            return f"default {value!r} is not a {attr_type.name}"
        if not isinstance(value, allowed):
            return f"default {value!r} is not a {attr_type.name}"
        return None
    if isinstance(attr_type, ListType | SetType):
        return (
            None
            if isinstance(value, list) and not value
            else "only `[]` is a list default"
        )
    if isinstance(attr_type, MapType):
        return None if value == {} else "only `{}` is a map default"
    return f"a {attr_type.describe()} attribute cannot have a default"


def mentions(text: object, names: AbstractSet[str]) -> bool:
    """Whether the expression ``text`` has an identifier in ``names`` (an expression that
    does not lex mentions nothing: compiling it reports the error)."""
    if not isinstance(text, str):
        return False
    lexer = Lexer(text)
    try:
        while (token := lexer.next_token()).kind != "end":
            if token.kind == "ident" and token.text in names:
                return True
    except ExpressionError:
        return False
    return False


def build_model(
    document: Document,
    data: dict[str, Any] | None = None,
    broken: Iterable[PathKey] = (),
) -> tuple[Model | None, list[Diagnostic]]:
    """Resolve ``document`` into a :class:`Model`: its ``data`` (default: the document's
    own) must be structurally valid, with the ``broken`` units already reported cut out
    (see ``dynagen.validate.recover_structure``)."""
    builder = ModelBuilder(document, data, broken)
    model = builder.build()
    return model, builder.diagnostics
