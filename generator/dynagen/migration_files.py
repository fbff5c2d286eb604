"""Read the migration files of a generated package (``<package>/migrations/``).

A migration file is Python whose data is literal: ``NUMBER``, ``NAME``, ``PREVIOUS``,
``OPERATIONS``, ``STATE`` and ``SHA256``. It is read with :mod:`ast` (never imported), so
the build and the migration runner can read a package that is not importable. Used by
the pipeline (to rebuild the recorded state and keep the files as they are) and by
``dynagen migrate``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dynagen.model.migration_state import Operation, State, operations_hash

MIGRATIONS_DIR = "migrations"
_FILE_NAME = re.compile(r"^([0-9]{4})_([a-z0-9_]+)\.py$")
_FIELDS = ("NUMBER", "NAME", "PREVIOUS", "OPERATIONS", "STATE", "SHA256")


@dataclass(frozen=True, slots=True)
class MigrationFile:
    """One migration as recorded on disk."""

    path: str  # package-relative, e.g. ``migrations/0001_initial.py``
    number: int
    name: str  # ``0001_initial``
    previous: str | None
    operations: list[Operation]
    state: State
    sha256: str
    text: str

    @property
    def edited(self) -> bool:
        """Whether the data no longer matches the hash the file records."""
        return operations_hash(self.operations, self.state) != self.sha256


@dataclass(frozen=True, slots=True)
class HistoryProblem:
    """A migration file that cannot be trusted: edited, unreadable or out of sequence."""

    path: str
    message: str


def parse_migration(text: str, path: str) -> MigrationFile:
    """Parse one migration file's text; ``ValueError`` saying why when it is malformed."""
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise ValueError(f"not valid Python ({exc.msg}, line {exc.lineno})") from exc
    values: dict[str, Any] = {}
    for statement in tree.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign):
            target, value = statement.target, statement.value
        if isinstance(target, ast.Name) and target.id in _FIELDS and value is not None:
            try:
                values[target.id] = ast.literal_eval(value)
            except ValueError as exc:
                raise ValueError(f"{target.id} is not a literal") from exc
    missing = [name for name in _FIELDS if name not in values]
    if missing:
        raise ValueError(f"{', '.join(missing)} missing")
    if not isinstance(values["OPERATIONS"], list) or not isinstance(
        values["STATE"], dict
    ):
        raise ValueError("OPERATIONS must be a list and STATE a dict")
    return MigrationFile(
        path=path,
        number=int(values["NUMBER"]),
        name=str(values["NAME"]),
        previous=values["PREVIOUS"],
        operations=values["OPERATIONS"],
        state=values["STATE"],
        sha256=str(values["SHA256"]),
        text=text,
    )


def read_history(
    package_dir: Path, header_prefix: str
) -> tuple[list[MigrationFile], list[HistoryProblem]]:
    """Every generated migration under ``package_dir/migrations`` in order, and problems.

    Only files whose first line starts with ``header_prefix`` count (as for every
    generated file). A file that does not parse, does not match its recorded hash,
    or breaks the sequence (a gap, a ``PREVIOUS`` naming another file) is a problem.
    """
    directory = package_dir / MIGRATIONS_DIR
    if not directory.is_dir():
        return [], []
    history: list[MigrationFile] = []
    problems: list[HistoryProblem] = []
    position = 0
    for file in sorted(directory.glob("*.py")):
        relative = f"{MIGRATIONS_DIR}/{file.name}"
        match = _FILE_NAME.match(file.name)
        text = file.read_text(encoding="utf-8")
        if match is None or not text.startswith(header_prefix):
            continue
        position += 1
        try:
            migration = parse_migration(text, relative)
        except ValueError as exc:
            problems.append(HistoryProblem(relative, f"unreadable: {exc}"))
            continue
        if migration.edited:
            problems.append(
                HistoryProblem(
                    relative,
                    "edited: its operations no longer match the SHA-256 it records",
                )
            )
        expected_previous = history[-1].name if history else None
        if migration.number != position or migration.previous != expected_previous:
            problems.append(
                HistoryProblem(
                    relative,
                    f"out of sequence: it follows {migration.previous or 'nothing'}, "
                    f"but the migration before it is {expected_previous or 'none'}",
                )
            )
        if migration.name != file.name[:-3]:
            problems.append(
                HistoryProblem(
                    relative, f"renamed: it records the name {migration.name}"
                )
            )
        history.append(migration)
    return history, problems
