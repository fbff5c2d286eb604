"""The view of one migration file: its operations, each with a line saying what it does."""

from __future__ import annotations

from dataclasses import dataclass

from dynagen.model.migration_state import (
    Operation,
    State,
    describe,
    operations_hash,
)


@dataclass(frozen=True, slots=True)
class MigrationView:
    number: int
    name: str  # ``0002_add_index_gsi3``
    previous: str | None
    steps: tuple[tuple[str, Operation], ...]  # (description, operation)
    state: State
    sha256: str

    @property
    def file_name(self) -> str:
        return f"migrations/{self.name}.py"


def migration_view(
    number: int,
    stem: str,
    previous: str | None,
    operations: list[Operation],
    state: State,
) -> MigrationView:
    return MigrationView(
        number=number,
        name=f"{number:04d}_{stem}",
        previous=previous,
        steps=tuple((describe(o), o) for o in operations),
        state=state,
        sha256=operations_hash(operations, state),
    )
