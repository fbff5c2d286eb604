"""The view of ``tables.py``: each table's CreateTable input, computed here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dynagen.model.migration_state import create_table_request, table_state
from dynagen.model.schema import Model, Table


@dataclass(frozen=True, slots=True)
class TablesView:
    package: str
    definitions: dict[str, dict[str, Any]]
    time_to_live: dict[str, str]
    point_in_time_recovery: tuple[str, ...]
    replicas: dict[str, tuple[str, ...]]


def tables_view(model: Model) -> TablesView:
    return TablesView(
        package=model.package,
        definitions={t.id: create_table_input(t) for t in model.tables},
        time_to_live={t.id: t.ttl for t in model.tables if t.ttl},
        point_in_time_recovery=tuple(
            t.id for t in model.tables if t.point_in_time_recovery
        ),
        replicas={t.id: t.replicas for t in model.tables if t.replicas},
    )


def create_table_input(table: Table) -> dict[str, Any]:
    """The CreateTable request of ``table``, without ``TableName`` (set at run time)."""
    return create_table_request(table_state(table))
