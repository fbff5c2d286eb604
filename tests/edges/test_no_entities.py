"""A schema with tables and no entities yet (a team's first commit, or tables whose
entities live in another service) builds a package that imports, type-checks, is laid
out as ruff would, and creates its tables."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.backends import Backend
from tests.edges._support import Built, assert_mypy_strict, built, database

SCHEMA = """\
dynagen: 1
package: edges_no_entities
tables:
  Things:
    partition_key: pk
    sort_key: sk
"""


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    with built(tmp_path_factory.mktemp("edges_no_entities"), SCHEMA) as package:
        yield package


def test_the_package_passes_mypy_strict(pkg: Built) -> None:
    assert_mypy_strict(pkg)


def test_the_package_is_laid_out_as_ruff_formats_it(pkg: Built) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", str(pkg.directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_models_export_nothing(pkg: Built) -> None:
    assert pkg.module("models").__all__ == []


def test_the_database_creates_the_table_and_has_no_repositories(
    backend: Backend, pkg: Built
) -> None:
    with database(backend, pkg) as db:
        described = backend.client().describe_table(TableName=db._table_names["Things"])
        assert described["Table"]["KeySchema"][0]["AttributeName"] == "pk"
        with pytest.raises(AttributeError):
            db.things  # noqa: B018 - the access is the test
