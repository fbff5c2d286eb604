"""Rewrite every golden case's ``expected/`` and every failing case's ``stderr.txt`` from
the current generator.

Run from anywhere with the project's Python::

    .venv/bin/python tests/cases/regenerate.py [CASE ...]

then read ``git diff tests/cases`` to review what changed. Each case is a folder
``tests/cases/<case>/`` holding ``schema.yaml`` and either ``expected/`` (a golden
package: every file dynagen builds except the run-time module(s) ``_runtime*``, which
``tests/test_golden.py`` compares with dynagen's own source instead) or ``stderr.txt``:
the exact text that ``dynagen validate tests/cases/<case>/schema.yaml`` prints to stderr, run from
the repository root so that file names in diagnostics are that relative path.

A case whose folder also holds ``known_bug.txt`` records a generator bug: its
``stderr.txt`` holds the output the generator *should* print and is never overwritten
here (``tests/test_cases.py`` marks it as a strict xfail). This script reports whether
such a case still differs; once it matches, delete ``known_bug.txt``.

A new folder (no ``expected/``, no ``stderr.txt``) whose schema validates becomes a golden
case: its first ``expected/`` is written. Exits 1 when a case with ``stderr.txt`` no longer
fails validation, or validation crashes (exit code other than 1).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from click.testing import CliRunner
from dynagen.cli import main as dynagen_main
from dynagen.output import write
from dynagen.pipeline import compile_schema

CASES = Path(__file__).resolve().parent
ROOT = CASES.parent.parent

#: The run-time modules dynagen copies verbatim into a package, as a module
#: (``_runtime.py``) or a package directory (``_runtime/``).
RUNTIME_MODULES = ("_runtime", "_stream_runtime")


def is_runtime(path: str) -> bool:
    """Whether the package-relative ``path`` is (inside) a copied run-time module."""
    first = path.split("/", 1)[0]
    return first.removesuffix(".py") in RUNTIME_MODULES and (
        first.endswith(".py") or "/" in path
    )


def golden_files(files: dict[str, str]) -> dict[str, str]:
    """The files a golden case keeps in ``expected/``: all but the run-time copies."""
    return {path: text for path, text in files.items() if not is_runtime(path)}


def run_validate(case: Path) -> tuple[int, str]:
    """``dynagen validate`` on the case's schema, from the repository root."""
    relative = case.relative_to(ROOT) / "schema.yaml"
    previous = Path.cwd()
    os.chdir(ROOT)
    try:
        result = CliRunner().invoke(dynagen_main, ["validate", relative.as_posix()])
    finally:
        os.chdir(previous)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return -1, f"{type(result.exception).__name__}: {result.exception}\n"
    return result.exit_code, result.stderr


def failing_cases(names: list[str]) -> list[Path]:
    """The cases without ``expected/`` (failing ones, and new golden ones whose schema
    validates), or only those in ``names``."""
    folders = sorted(p.parent for p in CASES.glob("*/schema.yaml"))
    if names:
        unknown = sorted(set(names) - {f.name for f in folders})
        if unknown:
            raise SystemExit(f"no such case: {', '.join(unknown)}")
        folders = [f for f in folders if f.name in names]
    return [f for f in folders if not (f / "expected").exists()]


def golden_cases() -> list[Path]:
    """The cases that must build: their generated package is kept in ``expected/``."""
    return sorted(p.parent for p in CASES.glob("*/expected"))


def regenerate_golden(case: Path) -> None:
    """Rewrite ``case/expected/`` with the package the current generator builds."""
    result = compile_schema(case / "schema.yaml", "schema.yaml")
    if result.files is None:
        raise SystemExit(f"{case.name}: a golden case does not build")
    expected = case / "expected"
    shutil.rmtree(expected, ignore_errors=True)
    kept = golden_files(result.files)
    write(expected, kept)
    print(f"{case.name}: wrote expected/ ({len(kept)} files)")


def main(argv: list[str]) -> int:
    problems = 0
    for case in golden_cases():
        if not argv or case.name in argv:
            regenerate_golden(case)
    for case in failing_cases(argv):
        code, stderr = run_validate(case)
        target = case / "stderr.txt"
        old = target.read_text(encoding="utf-8") if target.exists() else None
        if (case / "known_bug.txt").exists():
            fixed = code == 1 and old == stderr
            state = "now matches: delete known_bug.txt" if fixed else "still differs"
            print(f"{case.name}: known bug, {state}")
            continue
        if code == 0 and old is None:
            regenerate_golden(case)  # a new golden case: its first expected/
            continue
        if code != 1:
            print(f"{case.name}: NOT A FAILING CASE (exit {code})\n{stderr}", end="")
            problems += 1
            continue
        if old == stderr:
            continue
        target.write_text(stderr, encoding="utf-8", newline="\n")
        print(f"{case.name}: {'created' if old is None else 'updated'} stderr.txt")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
