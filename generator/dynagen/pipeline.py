"""The pipeline: load → validate → model → render.

Every phase returns diagnostics as values; this module only sequences them. A YAML error
stops the run; a structural error does not: validation cuts the broken units out and the
model's semantic rules run on the rest, so one run reports every independent error, in
line order. Only a schema without errors is rendered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dynagen.diagnostics import Diagnostic, sort_diagnostics
from dynagen.load import Document, load_file
from dynagen.migration_files import HistoryProblem, read_history
from dynagen.model import Model, build_model
from dynagen.model.migration_state import (
    EMPTY_STATE,
    diff_states,
    migration_name,
    model_state,
)
from dynagen.render import HEADER_PREFIX, render, render_migration
from dynagen.render.migration_view import migration_view
from dynagen.validate import recover_structure


@dataclass(slots=True)
class Compilation:
    """What the pipeline produced for one schema file."""

    display_name: str
    source: str = ""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    model: Model | None = None
    files: dict[str, str] | None = None
    history_problems: list[HistoryProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)


def check_schema(path: Path, display_name: str) -> tuple[Compilation, Document | None]:
    """Load, validate and model ``path``; no rendering."""
    result = Compilation(display_name)
    document, diagnostics = load_file(path, display_name)
    if document is not None:
        result.source = document.text
    else:
        # The caret lines of a syntax error need the text too.
        result.source = path.read_bytes().decode("utf-8", errors="replace")
    result.diagnostics.extend(diagnostics)
    if document is None or diagnostics:
        return result, document
    recovery = recover_structure(document)
    if not recovery.sound:
        result.diagnostics.extend(recovery.diagnostics)
        return result, document
    model, semantic = build_model(document, recovery.data, recovery.broken)
    result.diagnostics.extend(sort_diagnostics([*recovery.diagnostics, *semantic]))
    result.model = model if not recovery.diagnostics else None
    return result, document


def compile_schema(
    path: Path,
    display_name: str,
    package_dir: Path | Callable[[Model], Path] | None = None,
) -> Compilation:
    """The whole pipeline: a :class:`Compilation` with files when the schema is valid.

    The files include the migrations: those already under ``package_dir/migrations``
    exactly as they are, and a new one when the schema differs from the state the last
    of them records (with no ``package_dir``, the history is empty: ``0001_initial``).
    A change DynamoDB cannot make in place is a located error; a migration file that was
    edited or is out of sequence is a history problem, and no new one is appended.
    """
    result, document = check_schema(path, display_name)
    if not result.ok or result.model is None or document is None:
        return result
    if callable(package_dir):
        package_dir = package_dir(result.model)
    history, problems = (
        read_history(package_dir, HEADER_PREFIX) if package_dir else ([], [])
    )
    result.history_problems = problems
    files = render(result.model)
    for migration in history:
        files[migration.path] = migration.text
    if problems:
        result.files = files
        return result
    state = model_state(result.model)
    previous = history[-1].state if history else EMPTY_STATE
    operations, errors = diff_states(previous, state)
    for error in errors:
        result.diagnostics.append(
            Diagnostic.at(
                display_name,
                document.key_location(error.path),
                error.message,
                error.hint,
            )
        )
    if errors:
        result.diagnostics = sort_diagnostics(result.diagnostics)
        return result
    if operations:
        view = migration_view(
            len(history) + 1,
            migration_name(operations, first=not history),
            history[-1].name if history else None,
            operations,
            state,
        )
        files.update(render_migration(result.model.source_name, view))
    result.files = files
    return result
