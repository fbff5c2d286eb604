"""The view of ``__init__.py``: what the package re-exports, and from where."""

from __future__ import annotations

from dataclasses import dataclass

from dynagen.model.naming import dunder_all_key, isort_key, natural
from dynagen.model.schema import Model
from dynagen.render.collections_view import BASE_CLASS, MODULE, collections_view
from dynagen.render.models_view import entity_partials
from dynagen.render.streams_view import STREAM_RUNTIME_EXPORTS, streams_view

RUNTIME_EXPORTS = (
    "AlreadyExistsError",
    "BatchIncompleteError",
    "CancellationReason",
    "ConditionFailedError",
    "DecodeError",
    "DynagenError",
    "InvalidCursorError",
    "NotFoundError",
    "Page",
    "Query",
    "TransactionCanceledError",
    "UNSET",
    "Unset",
    "VersionConflictError",
)
TABLES_EXPORTS = ("create_tables", "delete_tables")


@dataclass(frozen=True, slots=True)
class PackageView:
    package: str
    version: str
    imports: tuple[tuple[str, tuple[str, ...]], ...]  # (module, names), sorted

    @property
    def all_names(self) -> tuple[str, ...]:
        return tuple(
            sorted({n for _, names in self.imports for n in names}, key=dunder_all_key)
        )


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

    @property
    def imports(self) -> tuple[tuple[str, str], ...]:
        """(module, name) of the package's own modules, in isort's order."""
        modules = [
            (f"{e.snake}_repository", f"{e.name}Repository, {e.name}TxActions")
            for e in self.entities
        ]
        if self.base is not None:
            modules.append((MODULE, self.base))
        pairs = [*modules, ("tables", "physical_table_names")]
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
        """``TransactWriter.__slots__``: one per entity, in ruff's natural order."""
        return tuple(sorted((e.snake for e in self.entities), key=natural))

    @property
    def slots(self) -> tuple[str, ...]:
        own = ["_transport", "cursor_secret"]
        if self.base is not None:
            own.append("_table_names")  # the collections' queries name tables
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
    return PackageView(
        package=model.package,
        version=version,
        imports=tuple(
            (module, tuple(sorted(names, key=isort_key)))
            for module, names in sorted(imports.items())
        ),
    )
