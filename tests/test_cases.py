"""Every failing case under tests/cases: exact diagnostics, located, all in one run.

A case is a folder ``tests/cases/<case>/`` with ``schema.yaml`` and ``stderr.txt``, the
exact text ``dynagen validate tests/cases/<case>/schema.yaml`` prints to stderr when run
from the repository root (``tests/cases/regenerate.py`` rewrites them; review its diff).
Folders with ``expected/`` are golden packages and are tested elsewhere. A folder with
``known_bug.txt`` describes a generator bug: its ``stderr.txt`` holds what the generator
should print, and the case is a strict xfail until the bug is fixed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from dynagen.cli import main

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"


def case_folders() -> list[Path]:
    """Failing cases: folders with ``stderr.txt``."""
    return sorted(p.parent for p in CASES.glob("*/stderr.txt"))


def case_params() -> list[Any]:
    params = []
    for folder in case_folders():
        bug = folder / "known_bug.txt"
        reason = f"generator bug, see {bug.relative_to(ROOT).as_posix()}"
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if bug.exists() else []
        params.append(pytest.param(folder, id=folder.name, marks=marks))
    return params


def known_good() -> list[Any]:
    return [
        pytest.param(f, id=f.name)
        for f in case_folders()
        if not (f / "known_bug.txt").exists()
    ]


def incomplete_folders() -> list[Any]:
    return [
        pytest.param(p.parent, id=p.parent.name)
        for p in sorted(CASES.glob("*/schema.yaml"))
        if not (p.parent / "stderr.txt").exists()
        and not (p.parent / "expected").exists()
    ]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def schema_arg(folder: Path) -> str:
    return (folder.relative_to(ROOT) / "schema.yaml").as_posix()


def expected_stderr(folder: Path) -> str:
    return (folder / "stderr.txt").read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def _repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Diagnostics name the schema relative to the working directory."""
    monkeypatch.chdir(ROOT)


def test_there_are_cases() -> None:
    assert len(case_folders()) >= 40


def test_every_case_folder_is_complete() -> None:
    """A case holds ``stderr.txt`` (it must fail) or ``expected/`` (a golden package)."""
    incomplete = [folder.name for folder in incomplete_folders()]
    assert not incomplete, (
        f"{', '.join(incomplete)}: neither stderr.txt nor expected/; for a failing case "
        "run .venv/bin/python tests/cases/regenerate.py"
    )


@pytest.mark.parametrize("folder", case_params())
def test_validate_prints_exact_diagnostics(folder: Path) -> None:
    result = invoke("validate", schema_arg(folder))
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception
    )
    assert result.stderr == expected_stderr(folder)
    assert result.exit_code == 1
    assert result.stdout == ""


@pytest.mark.parametrize("folder", known_good())
def test_build_reports_the_same_and_writes_nothing(
    folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = invoke("build", schema_arg(folder), "-o", str(out))
    assert result.exit_code == 1
    assert result.stderr == expected_stderr(folder)
    assert not out.exists()


@pytest.mark.parametrize("folder", known_good())
def test_json_format_lists_the_same_diagnostics(folder: Path) -> None:
    result = invoke("validate", "--format", "json", schema_arg(folder))
    assert result.exit_code == 1
    rows = json.loads(result.stdout)
    heads = re.findall(
        r"^(\S+?):(\d+):(\d+): (error|warning): (.*)$",
        expected_stderr(folder),
        flags=re.MULTILINE,
    )
    assert [
        (r["file"], str(r["line"]), str(r["column"]), r["severity"], r["message"])
        for r in rows
    ] == [tuple(h) for h in heads]


def test_every_case_reports_a_location_and_a_count() -> None:
    for folder in case_folders():
        text = expected_stderr(folder)
        assert text.startswith(f"{schema_arg(folder)}:"), folder.name
        assert re.search(r"^\d+ errors?\n\Z", text, flags=re.MULTILINE), folder.name


def test_several_errors_are_reported_in_one_run() -> None:
    for name, phase_count in (("several_errors", 6), ("several_structure_errors", 5)):
        text = expected_stderr(CASES / name)
        assert text.endswith(f"{phase_count} errors\n")
        assert text.count(": error: ") == phase_count
