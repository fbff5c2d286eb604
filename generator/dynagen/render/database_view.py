"""The view of ``database.py``: ``Database``, its repositories (imported on first
access), its transaction and batch writers."""

from __future__ import annotations

from dataclasses import dataclass

from dynagen.model.naming import natural
from dynagen.model.schema import Model
from dynagen.render import layout
from dynagen.render.python import key_class

TRANSACT_GET_TYPED = 8  # transact_get types its result element by element up to here


@dataclass(frozen=True, slots=True)
class DatabaseEntityView:
    name: str
    snake: str
    table_id: str
    module: str  # its repository's


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
        pairs: list[tuple[str, str]] = []
        if self.base is not None:
            pairs.append((layout.COLLECTIONS, self.base))
        return tuple(sorted(pairs, key=lambda pair: natural(pair[0])))

    @property
    def lazy_imports(self) -> tuple[tuple[str, str], ...]:
        """(module, names) of the repositories and their transaction actions,
        imported on first access to each."""
        pairs = [
            (
                e.module,
                f"{e.name}BatchActions, {e.name}Repository, {e.name}TxActions",
            )
            for e in self.entities
        ]
        return tuple(sorted(pairs, key=lambda pair: natural(pair[0])))

    @property
    def key_owners(self) -> tuple[tuple[str, str], ...]:
        """(key class name, repository attribute) of every entity, for transact_get."""
        return tuple((key_class(e.name), e.snake) for e in self.entities)

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
                    DatabaseEntityView(
                        e.name, e.snake, e.table.id, layout.repository_module(e)
                    )
                    for e in model.entities
                ),
                key=lambda e: e.snake,
            )
        ),
        base=layout.COLLECTIONS_BASE if model.collections else None,
        tables=tuple((t.id, t.name) for t in model.tables),
    )
