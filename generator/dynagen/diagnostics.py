"""Diagnostics: every problem found in a schema, as a value with a location.

Phases never raise on a bad schema; they return :class:`Diagnostic` values so that one run
reports every error at once (SPEC §1.3). The CLI formats them as text or JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A 1-based line and column in a source file."""

    line: int
    column: int

    def shifted(self, columns: int) -> Location:
        """The location ``columns`` characters further along the same line."""
        return Location(self.line, self.column + columns)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem: where it is, what it is and, when known, how to fix it."""

    file: str
    line: int
    column: int
    message: str
    hint: str | None = None
    severity: Severity = "error"

    @classmethod
    def at(
        cls, file: str, location: Location, message: str, hint: str | None = None
    ) -> Diagnostic:
        return cls(file, location.line, location.column, message, hint)


class SchemaError(Exception):
    """Raised by the pipeline when a schema has errors; carries all of them."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        super().__init__(f"{len(diagnostics)} error(s) in schema")
        self.diagnostics = list(diagnostics)


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics in file order, duplicates removed (two rules may find one problem)."""
    unique = {(d.file, d.line, d.column, d.message): d for d in diagnostics}
    return [unique[k] for k in sorted(unique)]


def format_text(diagnostics: Sequence[Diagnostic], sources: dict[str, str]) -> str:
    """Format as ``FILE:LINE:COL: error: MESSAGE``, the source line, a caret and a hint."""
    out: list[str] = []
    for d in diagnostics:
        out.append(f"{d.file}:{d.line}:{d.column}: {d.severity}: {d.message}")
        lines = sources.get(d.file, "").splitlines()
        if 0 < d.line <= len(lines):
            source_line = lines[d.line - 1].expandtabs(1)
            out.append(f"  {source_line}")
            out.append("  " + " " * (d.column - 1) + "^")
        if d.hint:
            out.append(f"  hint: {d.hint}")
    if diagnostics:
        count = sum(1 for d in diagnostics if d.severity == "error")
        out.append(f"{count} error{'s' if count != 1 else ''}")
    return "\n".join(out) + ("\n" if out else "")


def format_json(diagnostics: Sequence[Diagnostic]) -> str:
    """Format as a JSON list of objects with file, line, column, severity, message, hint."""
    keys = ("file", "line", "column", "severity", "message", "hint")
    rows = [{k: asdict(d)[k] for k in keys} for d in diagnostics]
    return json.dumps(rows, indent=2) + "\n"
