"""Fixtures of the query tests: the package generated from
``tests/declared_queries/schema.yaml``.

``gen`` builds the schema once per session (package ``querytests``) into a temporary
directory put on ``sys.path`` and imports it. Each test module seeds its own table per
backend in a module-scoped fixture (see ``_support.seeded_table``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.declared_queries._support import Generated, imported


@pytest.fixture(scope="session")
def gen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generated]:
    """The generated ``querytests`` package, imported."""
    with imported(tmp_path_factory.mktemp("querytests")) as generated:
        yield generated
