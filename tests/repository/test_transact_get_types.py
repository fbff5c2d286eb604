"""``mypy --strict`` sees ``Database.transact_get`` typed element by element: overloads
for one to eight keys give ``tuple[E1 | None, ...]`` per position, more keys give
``tuple[object | None, ...]`` (SPEC §4). A probe module beside the generated package is
type-checked; a probe with a wrong expectation must fail, so the check can fail."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.repository._support import Shop

PROBE = """
from typing import assert_type

from shop_repo_tests import Customer, Database, Product


def probe(db: Database) -> None:
    ck = db.customer.key(customer_id="c")
    pk = db.product.key(sku="s")
    (one,) = db.transact_get(ck)
    assert_type(one, Customer | None)
    two = db.transact_get(ck, pk)
    assert_type(two, tuple[Customer | None, Product | None])
    eight = db.transact_get(ck, ck, ck, ck, ck, ck, ck, pk)
    assert_type(eight[0], Customer | None)
    assert_type(eight[7], Product | None)
    nine = db.transact_get(ck, ck, ck, ck, ck, ck, ck, ck, pk)
    assert_type(nine, tuple[object | None, ...])
    customer, product = two
    if product is not None:
        product.points  # type: ignore[attr-defined]
    if customer is not None:
        assert_type(customer.points, int)
"""

WRONG = """
from typing import assert_type

from shop_repo_tests import Customer, Database, Product


def probe(db: Database) -> None:
    two = db.transact_get(db.customer.key(customer_id="c"), db.product.key(sku="s"))
    assert_type(two, tuple[Product | None, Customer | None])
"""


def _mypy(directory: Path, name: str, text: str) -> subprocess.CompletedProcess[str]:
    probe = directory.parent / f"{name}.py"
    probe.write_text(text, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", probe.name],
        cwd=directory.parent,
        env={"MYPYPATH": str(directory.parent), "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )


def test_transact_get_overloads_type_each_element(shop_build: Shop) -> None:
    good = _mypy(shop_build.directory, "probe_tx_types", PROBE)
    assert good.returncode == 0, good.stdout[-3000:]
    wrong = _mypy(shop_build.directory, "probe_tx_types_wrong", WRONG)
    assert wrong.returncode == 1, wrong.stdout[-3000:]
    assert "assert-type" in wrong.stdout
