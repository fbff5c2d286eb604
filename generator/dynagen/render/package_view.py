"""The view of ``__init__.py``: what the package re-exports, and from where."""

from __future__ import annotations

from dataclasses import dataclass

from dynagen.model.naming import isort_key
from dynagen.model.schema import Model

RUNTIME_EXPORTS = (
    "AlreadyExistsError",
    "BatchIncompleteError",
    "CancellationReason",
    "ConditionFailedError",
    "DecodeError",
    "DynagenError",
    "InvalidCursorError",
    "NotFoundError",
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
        return tuple(sorted({n for _, names in self.imports for n in names}, key=isort_key))


def package_view(model: Model, version: str) -> PackageView:
    imports = {"_runtime": RUNTIME_EXPORTS, "tables": TABLES_EXPORTS}
    return PackageView(
        package=model.package,
        version=version,
        imports=tuple(
            (module, tuple(sorted(names, key=isort_key)))
            for module, names in sorted(imports.items())
        ),
    )
