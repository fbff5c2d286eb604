"""The view of ``__init__.py``: what the package re-exports, and from where."""

from __future__ import annotations

from dataclasses import dataclass

from dynagen.model.naming import dunder_all_key, isort_key, natural
from dynagen.model.schema import Model
from dynagen.render.collections_view import BASE_CLASS, MODULE, collections_view
from dynagen.render.models_view import entity_module, entity_partials, shared_modules
from dynagen.render.streams_view import STREAM_RUNTIME_EXPORTS, streams_view
from dynagen.resources import runtime_public

#: What ``__init__`` re-exports from ``_runtime`` (``CollectionQuery`` only with collections).
RUNTIME_EXPORTS = tuple(n for n in runtime_public() if n != "CollectionQuery")
TABLES_EXPORTS = ("create_tables", "delete_tables")


@dataclass(frozen=True, slots=True)
class PackageView:
    package: str
    version: str
    imports: tuple[tuple[str, tuple[str, ...]], ...]  # (module, names), sorted
    modules: tuple[str, ...] = ()  # every module of the package, sorted

    @property
    def all_names(self) -> tuple[str, ...]:
        return tuple(
            sorted({n for _, names in self.imports for n in names}, key=dunder_all_key)
        )

    @property
    def lookup(self) -> tuple[tuple[str, str], ...]:
        """(name, module) of every public name, by name."""
        pairs = [(n, m) for m, names in self.imports for n in names]
        return tuple(sorted(pairs, key=lambda pair: natural(pair[0])))


TRANSACT_GET_TYPED = 8  # transact_get types its result element by element up to here


@dataclass(frozen=True, slots=True)
class DatabaseEntityView:
    name: str
    snake: str
    table_id: str


@dataclass(frozen=True, slots=True)
class DatabaseView:
    package: str
    entities: tuple[DatabaseEntityView, ...]
    base: str | None = None  # the collections' base class, when there are any
    tables: tuple[tuple[str, str], ...] = ()  # (logical id, schema name) of each table

    @property
    def schema_names(self) -> dict[str, str]:
        return dict(self.tables)

    @property
    def imports(self) -> tuple[tuple[str, str], ...]:
        """(module, name) of the package's own modules, in isort's order."""
        pairs = []
        if self.base is not None:
            pairs.append((MODULE, self.base))
        return tuple(sorted(pairs, key=lambda pair: natural(pair[0])))

    @property
    def lazy_imports(self) -> tuple[tuple[str, str], ...]:
        """(module, names) of the repositories and their transaction actions,
        imported on first access to each."""
        pairs = [
            (
                f"{e.snake}_repository",
                f"{e.name}BatchActions, {e.name}Repository, {e.name}TxActions",
            )
            for e in self.entities
        ]
        return tuple(sorted(pairs, key=lambda pair: natural(pair[0])))

    @property
    def key_owners(self) -> tuple[tuple[str, str], ...]:
        """(key class name, repository attribute) of every entity, for transact_get."""
        return tuple((f"{e.name}Key", e.snake) for e in self.entities)

    @property
    def transact_get_overloads(self) -> tuple[tuple[str, str], ...]:
        """(parameters, result) of transact_get's overloads for one to eight keys."""
        return tuple(
            (
                ", ".join(f"k{i}: rt.Key[_E{i}]" for i in range(1, n + 1)),
                ", ".join(f"_E{i} | None" for i in range(1, n + 1)),
            )
            for n in range(1, TRANSACT_GET_TYPED + 1)
        )

    @property
    def tx_slots(self) -> tuple[str, ...]:
        """``TransactWriter.__slots__`` and ``BatchWriter.__slots__``: one per entity,
        in ruff's natural order."""
        return tuple(sorted((e.snake for e in self.entities), key=natural))

    @property
    def slots(self) -> tuple[str, ...]:
        own = ["_clock", "_table_names", "_transport", "cursor_secret"]
        return tuple(sorted([*own, *(e.snake for e in self.entities)], key=natural))


def database_view(model: Model) -> DatabaseView:
    return DatabaseView(
        package=model.package,
        entities=tuple(
            sorted(
                (
                    DatabaseEntityView(e.name, e.snake, e.table.id)
                    for e in model.entities
                ),
                key=lambda e: e.snake,
            )
        ),
        base=BASE_CLASS if model.collections else None,
        tables=tuple((t.id, t.name) for t in model.tables),
    )


def package_view(model: Model, version: str) -> PackageView:
    model_names = [e.name for e in model.enums] + [t.name for t in model.types]
    for entity in model.entities:
        model_names += [entity.name, f"{entity.name}Key"]
        model_names += [p.name for p in entity_partials(entity)]
    imports = {
        "_runtime": RUNTIME_EXPORTS,
        "tables": TABLES_EXPORTS,
        "database": ("Database",),
        "models": tuple(model_names),
    }
    if model.collections:
        imports["_runtime"] = (*RUNTIME_EXPORTS, "CollectionQuery")
        imports[MODULE] = collections_view(model).exports
    streams = streams_view(model)
    if streams.tables:
        imports["_stream_runtime"] = STREAM_RUNTIME_EXPORTS
        imports["streams"] = streams.all_names
    modules = {*imports, "models", *(m for m, _, _ in shared_modules(model))}
    for entity in model.entities:
        modules |= {f"{entity.snake}_repository", entity_module(entity)}
    return PackageView(
        package=model.package,
        version=version,
        modules=tuple(sorted(modules, key=natural)),
        imports=tuple(
            (module, tuple(sorted(names, key=isort_key)))
            for module, names in sorted(imports.items())
        ),
    )
