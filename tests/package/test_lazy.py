"""The package loads lazily (issue 16): ``import shop`` imports none of its modules,
every name of ``__all__`` resolves on first access (and nothing else does), a
``Database`` imports a repository's modules only when it is first used, ``mypy
--strict`` sees every name, and entities stay dataclasses."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from tests.generated_package import imported_package
from tests.package._support import EXAMPLE, fresh, mypy_strict


def _shop_modules() -> str:
    return "sorted(m for m in sys.modules if m == 'shop' or m.startswith('shop.'))"


def test_import_loads_no_module_of_the_package() -> None:
    loaded = fresh(
        f"import json, sys\nimport shop\nprint(json.dumps({_shop_modules()}))"
    )
    assert loaded == ["shop"]


def test_a_name_loads_only_its_modules() -> None:
    loaded = fresh(
        "import json, sys\nfrom shop import Customer\n"
        f"print(json.dumps({_shop_modules()}))"
    )
    assert loaded == [
        "shop",
        "shop._model_address",
        "shop._model_customer_status",
        "shop._runtime",
        "shop._runtime.arguments",  # rt.Key, the base of CustomerKey
        "shop._runtime.scalars",
        "shop.customer_model",
        "shop.models",
    ]


def test_database_loads_a_repository_on_first_use() -> None:
    loaded = fresh(
        "import json, sys\nimport boto3\nimport shop\n"
        "client = boto3.client('dynamodb', region_name='us-east-1',"
        " aws_access_key_id='a', aws_secret_access_key='b')\n"
        "db = shop.Database(client)\n"
        f"before = {_shop_modules()}\n"
        "repository = db.order\n"
        "assert db.order is repository\n"
        f"print(json.dumps([before, {_shop_modules()}]))"
    )
    assert isinstance(loaded, list)
    before, after = loaded
    # The example's collection query (Database's base class) uses Customer and Order:
    # their modules come with Database; no repository does, Product's model neither.
    assert not any(m.endswith("_repository") for m in before), before
    # Database needs its tables' names, not their CreateTable definitions (tables.py).
    assert "shop.tables" not in after
    assert "shop.product_model" not in after
    assert set(after) - set(before) == {"shop.order_repository"}


def test_a_transaction_loads_only_the_repositories_it_uses() -> None:
    loaded = fresh(
        "import json, sys\nimport boto3\nimport shop\n"
        "client = boto3.client('dynamodb', region_name='us-east-1',"
        " aws_access_key_id='a', aws_secret_access_key='b')\n"
        "db = shop.Database(client)\n"
        f"before = {_shop_modules()}\n"
        "with db.transact_write() as tx:\n"
        "    actions = tx.product\n"
        "    assert tx.product is actions\n"
        f"print(json.dumps([before, {_shop_modules()}]))"
    )
    assert isinstance(loaded, list)
    before, after = loaded
    # No action was added, so nothing is sent; only Product's modules were imported,
    # and the run-time concerns of a transaction (its backoff is the batches').
    assert set(after) - set(before) == {
        "shop._runtime.batch",
        "shop._runtime.size",
        "shop._runtime.transact",
        "shop._model_product_status",
        "shop.product_model",
        "shop.product_repository",
    }


def test_the_package_exposes_exactly_all() -> None:
    with imported_package(EXAMPLE) as shop:
        names = set(shop.__all__)
        assert len(names) == len(shop.__all__)
        for name in shop.__all__:
            assert getattr(shop, name) is not None, name
        star: dict[str, object] = {}
        exec("from shop import *", star)
        assert set(star) - {"__builtins__"} == names
        assert names <= set(dir(shop))
        assert set(shop._modules()) == names  # what __getattr__ resolves
        with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
            _ = shop.Nothing
        # The names type checkers see (the re-exports of the stub) are __all__.
        stub = ast.parse((EXAMPLE / "__init__.pyi").read_text(encoding="utf-8"))
        checked = {
            alias.asname
            for node in stub.body
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
            if alias.asname == alias.name  # `X as X`: an explicit re-export
        }
        assert checked == names
        assert _literal_all(stub) == shop.__all__


def _literal_all(tree: ast.Module) -> list[str]:
    (value,) = (
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and [t.id for t in node.targets if isinstance(t, ast.Name)] == ["__all__"]
    )
    names = ast.literal_eval(value)
    assert isinstance(names, list)
    return names


def test_init_imports_no_name_of_its_own() -> None:
    """The run-time ``__init__.py`` names each export once, in ``__all__`` and in one
    string, whatever the number of entities (issue 16): no per-name import lines, no
    per-name dict, so its import time stays flat as the schema grows."""
    tree = ast.parse((EXAMPLE / "__init__.py").read_text(encoding="utf-8"))
    imports = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    assert sorted(a.name for n in imports for a in n.names) == [
        "Any",
        "annotations",
        "importlib",
    ]
    assert not any(isinstance(n, ast.Dict) and n.keys for n in ast.walk(tree))
    with imported_package(EXAMPLE) as shop:
        assert _literal_all(tree) == shop.__all__
        exported = [w for w in shop._EXPORTS.split() if not w.endswith(":")]
        assert sorted(exported) == sorted(shop.__all__)
        # Every module of the package resolves as an attribute (`shop.models`).
        modules = {p.stem for p in EXAMPLE.glob("*.py") if p.stem != "__init__"}
        assert set(shop._SUBMODULES.split()) == modules | {"_runtime"}


def test_submodules_resolve_as_attributes() -> None:
    with imported_package(EXAMPLE) as shop:
        assert shop.models.Customer is shop.Customer
        assert shop.tables.create_tables is shop.create_tables
        with pytest.raises(AttributeError):
            _ = shop.models.nothing_here


def test_database_stays_immutable_and_refuses_unknown_names() -> None:
    with imported_package(EXAMPLE) as shop:
        import boto3

        client = boto3.client(
            "dynamodb",
            region_name="us-east-1",
            aws_access_key_id="a",
            aws_secret_access_key="b",
        )
        db = shop.Database(client, table_prefix="t-")
        assert type(db.customer).__name__ == "CustomerRepository"
        assert db.customer is db.customer
        with pytest.raises(AttributeError, match="immutable"):
            db.customer = db.customer
        with pytest.raises(AttributeError, match="no attribute 'cart'"):
            _ = db.cart


def test_dataclasses_functions_work_on_generated_classes() -> None:
    with imported_package(EXAMPLE) as shop:
        address = shop.Address(street="1 Main St", city="Paris", postcode="75001")
        customer = shop.Customer(
            customer_id="c1", email="a@example.com", points=3, address=address
        )
        for cls in (shop.Customer, shop.CustomerKey, shop.Address, shop.ProductCard):
            assert dataclasses.is_dataclass(cls), cls
        assert [f.name for f in dataclasses.fields(customer)][:3] == [
            "customer_id",
            "email",
            "name",
        ]
        moved = dataclasses.replace(customer, points=4)
        assert (moved.points, customer.points) == (4, 3)
        assert moved != customer and dataclasses.replace(moved, points=3) == customer
        as_dict = dataclasses.asdict(customer)
        assert as_dict["address"] == {
            "street": "1 Main St",
            "city": "Paris",
            "postcode": "75001",
        }
        key = shop.CustomerKey(customer_id="c1")
        assert dataclasses.asdict(key) == {"customer_id": "c1"}
        with pytest.raises(dataclasses.FrozenInstanceError):
            key.customer_id = "c2"
        card = shop.ProductCard(sku="S1", name="Shirt", price_cents=100)
        assert dataclasses.replace(card, price_cents=5).price_cents == 5


MYPY_PROBE = """\
from __future__ import annotations

import shop
from shop import *  # noqa: F403

db = shop.Database()
reveal_type(db.customer)
reveal_type(shop.Customer)
reveal_type(shop.models.encode_customer)
{uses}
db.customer.get(customer_id=1)
"""


def test_mypy_strict_sees_every_name(tmp_path: Path) -> None:
    with imported_package(EXAMPLE) as shop:
        names = list(shop.__all__)
    uses = "\n".join(f"reveal_type({name})" for name in names)
    report = mypy_strict(tmp_path, MYPY_PROBE.format(uses=uses))
    lines = report.splitlines()
    errors = [line for line in lines if ": error:" in line]
    # The one deliberate mistake is caught: mypy sees real types, not Any.
    assert len(errors) == 1 and "customer_id" in errors[0] and '"int"' in errors[0], (
        report
    )
    notes = [line for line in lines if "Revealed type" in line]
    assert len(notes) == 3 + len(names)
    assert '"shop.customer_repository.CustomerRepository"' in notes[0]
    assert 'Revealed type is "def (*, customer_i' in notes[1]
    assert notes[1].endswith('-> shop.customer_model.Customer"')
    assert "shop.customer_model.Customer" in notes[2]
    assert not any('"Any"' in note for note in notes), report


def test_mypy_strict_accepts_the_runtime_init(tmp_path: Path) -> None:
    """Type checkers read ``__init__.pyi``, so ``mypy -p shop`` never checks the lazy
    ``__init__.py`` itself: check it here, as a module of its own."""
    report = mypy_strict(
        tmp_path, (EXAMPLE / "__init__.py").read_text(encoding="utf-8")
    )
    assert report.startswith("Success: no issues found in 1 source file"), report
