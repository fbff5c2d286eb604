"""Fixtures of the repository tests: the package generated from ``schemas/shop.yaml``.

``shop`` builds the example schema once per session, renamed to the package
``shop_repo_tests`` (so that no other test folder importing a package called ``shop``
can clash with it), into a temporary directory put on ``sys.path``, and imports it. The
generated modules only exist at run time, so they are typed as ``Any``.

``shop_tables`` creates the schema's tables on a backend straight from
``tables.TABLE_DEFINITIONS`` (not through ``create_tables``: dynalite does not implement
UpdateTimeToLive), once per backend; every test writes under its own unique keys
(``uid``). ``db`` is a ``Database`` over those tables whose clock is a controllable
:class:`FakeClock`.
"""

from __future__ import annotations

import importlib
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dynagen.output import write
from dynagen.pipeline import compile_schema

from tests.backends import (
    Backend,
)
from tests.generated_package import imported_package
from tests.repository._support import (
    FakeClock,
    Shop,
    ShopTables,
    closed_client,
    schema_tables,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
SCHEMA = PROJECT_ROOT / "schemas" / "shop.yaml"
PACKAGE = "shop_repo_tests"


def build_package(root: Path, package: str = PACKAGE) -> Path:
    """Build ``schemas/shop.yaml`` as ``package`` under ``root``; return the package dir."""
    text = SCHEMA.read_text(encoding="utf-8")
    renamed, count = re.subn(r"(?m)^package: shop$", f"package: {package}", text)
    assert count == 1, "schemas/shop.yaml no longer declares `package: shop`"
    schema_dir = root / "schema"
    schema_dir.mkdir()
    schema = schema_dir / "shop.yaml"
    schema.write_text(renamed, encoding="utf-8")
    result = compile_schema(schema, "shop.yaml")
    assert result.ok and result.files is not None, "\n".join(
        str(d) for d in result.diagnostics
    )
    directory = root / "out" / package
    write(directory, result.files)
    return directory


@pytest.fixture(scope="session")
def shop_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """Build the shop schema (as ``shop_repo_tests``) and import it, session-wide."""
    root = tmp_path_factory.mktemp("shop_repo")
    directory = build_package(root)
    with imported_package(directory) as package:
        yield Shop(
            package=package,
            models=importlib.import_module(f"{PACKAGE}.models"),
            runtime=importlib.import_module(f"{PACKAGE}._runtime"),
            tables=importlib.import_module(f"{PACKAGE}.tables"),
            directory=directory,
        )


@pytest.fixture(scope="session")
def shop(shop_build: Shop) -> Any:
    """The generated package (``Database``, entities, errors, ``UNSET``...)."""
    return shop_build.package


@pytest.fixture(scope="session")
def rt(shop_build: Shop) -> Any:
    """The generated ``_runtime`` module."""
    return shop_build.runtime


@pytest.fixture(scope="session")
def tables_module(shop_build: Shop) -> Any:
    """The generated ``tables`` module."""
    return shop_build.tables


@pytest.fixture(scope="session")
def shop_tables(backend: Backend, shop_build: Shop) -> Iterator[ShopTables]:
    """The schema's tables on ``backend``, created once, deleted at session end."""
    with schema_tables(backend, shop_build.tables) as (client, prefix, names):
        yield ShopTables(backend, client, prefix, names)


@pytest.fixture
def clock() -> FakeClock:
    """A fresh fake clock starting at 2024-05-01T12:00:00.123456Z."""
    return FakeClock()


@pytest.fixture
def db(
    shop: Any, shop_tables: ShopTables, clock: FakeClock, transport_kind: str
) -> Any:
    """A ``Database`` over the backend's tables, with the fake clock, under each
    transport (``transport_kind``)."""
    return shop.Database(
        shop_tables.client,
        table_prefix=shop_tables.prefix,
        clock=clock,
        transport=transport_kind,
    )


@pytest.fixture
def uid() -> str:
    """A short id unique to the test, to build keys no other test uses."""
    return uuid.uuid4().hex[:12]


@pytest.fixture
def offline_db(shop: Any, clock: FakeClock) -> Iterator[Any]:
    """A ``Database`` whose client cannot reach any server (see :func:`closed_client`)."""
    client = closed_client()
    try:
        yield shop.Database(client, table_prefix="offline-", clock=clock)
    finally:
        client.close()
