"""Generated code passes ruff untouched: ruff's default rule set (``--isolated``, so no
project configuration applies) and ``ruff format --check``, for the example schemas,
every golden case and ``defaults.yaml`` (every attribute type, default and constraint).

ruff is the pinned dev dependency (``ruff==...`` in pyproject.toml's dev extras); dynagen
itself does not depend on it.
"""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from dynagen.output import write
from dynagen.pipeline import compile_schema
from dynagen.render.python import decimal_source
from hypothesis import given
from hypothesis import strategies as st
from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent.parent
SCHEMAS = [
    *sorted((ROOT / "schemas").glob("*.yaml")),
    *sorted(
        p.parent / "schema.yaml" for p in (ROOT / "tests/cases").glob("*/expected")
    ),
    Path(__file__).parent / "defaults.yaml",
]


def schema_id(schema: Path) -> str:
    return schema.relative_to(ROOT).as_posix()


def ruff(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [find_ruff_bin(), *(str(a) for a in args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def build(schema: Path, out: Path) -> Path:
    result = compile_schema(schema, schema.name)
    assert result.files is not None, result.diagnostics
    write(out, result.files)
    return out


@pytest.fixture(scope="module", params=SCHEMAS, ids=schema_id)
def package(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    schema: Path = request.param
    return build(schema, tmp_path_factory.mktemp("ruff") / "pkg")


def test_default_rules(package: Path) -> None:
    done = ruff("check", "--isolated", "--no-cache", "--output-format=concise", package)
    assert done.returncode == 0, done.stdout + done.stderr


def test_format_check(package: Path) -> None:
    done = ruff(
        "format",
        "--isolated",
        "--no-cache",
        "--check",
        "--diff",
        "--line-length=88",
        "--target-version=py310",
        package,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_decimal_default_source_keeps_the_value(value: Decimal) -> None:
    source = decimal_source(value)
    rebuilt = eval(source, {"Decimal": Decimal})
    assert str(rebuilt) == str(value)


@pytest.mark.parametrize(
    ("value", "source"),
    [
        ("0", "Decimal(0)"),
        ("-12", "Decimal(-12)"),
        ("-0", 'Decimal("-0")'),
        ("0.10", 'Decimal("0.10")'),
        ("1E+2", 'Decimal("1E+2")'),
    ],
)
def test_decimal_default_source(value: str, source: str) -> None:
    assert decimal_source(Decimal(value)) == source
