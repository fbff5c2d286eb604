"""Tables: the physical name of each logical table, for ``Database`` and ``tables.py``
(a ``Database`` needs the names, not the CreateTable definitions)."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["physical_table_names"]


def physical_table_names(
    schema_names: Mapping[str, str],
    *,
    table_prefix: str = "",
    table_names: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The physical name of each logical table of ``schema_names`` (logical id → the
    table's name in the schema), in that order.

    ``table_names`` maps a logical table id to a full physical name (not prefixed); every
    other table is named ``table_prefix`` followed by its schema name.  An id in
    ``table_names`` that is not a table raises ``ValueError``.
    """
    overrides = dict(table_names or {})
    unknown = sorted(set(overrides) - set(schema_names))
    if unknown:
        raise ValueError(
            f"unknown table id(s) {', '.join(unknown)}; "
            f"known: {', '.join(schema_names)}"
        )
    return {
        table_id: overrides.get(table_id, table_prefix + name)
        for table_id, name in schema_names.items()
    }
