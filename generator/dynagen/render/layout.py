"""The generated package's modules and the names each defines, decided once.

Each view renders one module; what a module defines (and so what another module may
import from it, and what the package ``__init__`` and the ``models.py`` index re-export)
is written here, from the model, so that no view asks another view.
"""

from __future__ import annotations

from dataclasses import dataclass

from dynagen.model.naming import dunder_all_key, isort_key, natural, snake_case
from dynagen.model.schema import Entity, EnumDef, Model, Table, TypeDef
from dynagen.model.shapes import partial_classes
from dynagen.model.types import ListType, MapType, NamedType, SetType
from dynagen.render.python import (
    decoder,
    encoder,
    enum_members,
    key_class,
    key_item_function,
)

MODELS = "models"
STREAMS = "streams"
COLLECTIONS = "collection_queries"
#: The class holding the collections' ``Database`` methods (``Database`` subclasses it).
COLLECTIONS_BASE = "DatabaseCollections"


def entity_module(entity: Entity) -> str:
    """The module holding an entity's classes and codecs (``models.py`` indexes it)."""
    return f"{entity.snake}_model"


def repository_module(entity: Entity) -> str:
    return f"{entity.snake}_repository"


def _named_refs(attr_type: object) -> set[str]:
    if isinstance(attr_type, NamedType):
        return {attr_type.name}
    if isinstance(attr_type, ListType | SetType):
        return _named_refs(attr_type.item)
    if isinstance(attr_type, MapType):
        return _named_refs(attr_type.value)
    return set()


def shared_modules(
    model: Model,
) -> tuple[tuple[str, tuple[EnumDef, ...], tuple[TypeDef, ...]], ...]:
    """(module, enums, types): one module per enum, one per group of named types that
    reach each other (a strongly connected component, so that no two modules import
    each other), each named ``_model_<first name>``; sorted by module."""
    types = {t.name: t for t in model.types}
    refs = {
        name: sorted(r for f in t.fields for r in _named_refs(f.type) if r in types)
        for name, t in types.items()
    }
    reach: dict[str, set[str]] = {}
    for start in types:
        seen, stack = {start}, [start]
        while stack:
            for ref in refs[stack.pop()]:
                if ref not in seen:
                    seen.add(ref)
                    stack.append(ref)
        reach[start] = seen
    groups: dict[str, list[TypeDef]] = {}
    for name, t in types.items():
        group = min(n for n in reach[name] if name in reach[n])
        groups.setdefault(group, []).append(t)
    modules: list[tuple[str, tuple[EnumDef, ...], tuple[TypeDef, ...]]]
    modules = [(f"_model_{snake_case(e.name)}", (e,), ()) for e in model.enums]
    modules += [
        (f"_model_{snake_case(first)}", (), tuple(members))
        for first, members in groups.items()
    ]
    return tuple(sorted(modules, key=lambda m: natural(m[0])))


@dataclass(frozen=True, slots=True)
class ModelModule:
    """One module behind ``models.py``: its enums, map types or one entity, and the
    names it defines: ``classes`` (its ``__all__``, re-exported by the package) and
    ``helpers`` (codecs and lookup tables other generated modules import)."""

    name: str
    enums: tuple[EnumDef, ...] = ()
    types: tuple[TypeDef, ...] = ()
    entity: Entity | None = None

    @property
    def classes(self) -> tuple[str, ...]:
        names = [e.name for e in self.enums] + [t.name for t in self.types]
        if self.entity is not None:
            names += [self.entity.name, key_class(self.entity.name)]
            names += [p.name for p in partial_classes(self.entity)]
        return tuple(sorted(names, key=dunder_all_key))

    @property
    def helpers(self) -> tuple[str, ...]:
        names = [enum_members(e.name) for e in self.enums]
        for type_def in self.types:
            names += [encoder(type_def.name), decoder(type_def.name)]
        if self.entity is not None:
            entity = self.entity
            names += [encoder(entity.name), decoder(entity.name)]
            names += [key_item_function(entity)]
            names += [decoder(p.name) for p in partial_classes(entity)]
        return tuple(names)

    @property
    def defined(self) -> tuple[str, ...]:
        """Every top-level name it defines that other modules may import."""
        return tuple(sorted((*self.classes, *self.helpers), key=isort_key))


def model_modules(model: Model) -> tuple[ModelModule, ...]:
    """The enum and map-type modules (by module name), then one per entity."""
    modules = [ModelModule(name, e, t) for name, e, t in shared_modules(model)]
    modules += [ModelModule(entity_module(e), entity=e) for e in model.entities]
    return tuple(modules)


def stream_tables(model: Model) -> tuple[Table, ...]:
    return tuple(t for t in model.tables if t.stream is not None)


def stream_event_class(table: Table) -> str:
    return f"{table.id}Event"


def stream_exports(model: Model) -> tuple[str, ...]:
    """What ``streams.py`` defines for each table with a stream: the event class and
    its two decoders."""
    names = [stream_event_class(t) for t in stream_tables(model)]
    for table in stream_tables(model):
        snake = snake_case(table.id)
        names += [f"decode_{snake}_record", f"decode_{snake}_records"]
    return tuple(sorted(names, key=lambda n: (not n[:1].isupper(), n)))


def collections_exports(model: Model) -> tuple[str, ...]:
    """The grouped dataclasses ``collection_queries.py`` defines, one per collection."""
    return tuple(c.class_name for c in model.collections)
