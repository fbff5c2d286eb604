"""The pipeline: load → validate → model → render.

Every phase returns diagnostics as values; this module only sequences them. A YAML error
stops the run; a structural error does not: validation cuts the broken units out and the
model's semantic rules run on the rest, so one run reports every independent error, in
line order. Only a schema without errors is rendered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dynagen.diagnostics import Diagnostic, sort_diagnostics
from dynagen.load import Document, load_file
from dynagen.model import Model, build_model
from dynagen.render import render
from dynagen.validate import recover_structure


@dataclass(slots=True)
class Compilation:
    """What the pipeline produced for one schema file."""

    display_name: str
    source: str = ""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    model: Model | None = None
    files: dict[str, str] | None = None

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


def compile_schema(path: Path, display_name: str) -> Compilation:
    """The whole pipeline: a :class:`Compilation` with files when the schema is valid."""
    result, _ = check_schema(path, display_name)
    if result.ok and result.model is not None:
        result.files = render(result.model)
    return result
