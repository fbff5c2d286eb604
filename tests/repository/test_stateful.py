"""Random sequences of Product writes against a plain Python model of the repository.

Each step applies create/put/update/delete (random field values, random expected
versions: none, the current one, or any small number) to the repository and to a dict
``sku -> Product as stored``; return values and error types (with the errors' old
items and keys) must agree, and so must a consistent read and the raw derived index
keys after every write. Product has a version, auto timestamps, reserved-word attribute
names and derived gsi2 keys, so every rule of SPEC §4 is exercised.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import uuid
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.repository._support import UTC, FakeClock, ShopTables, product_key

SKUS = ("a", "b", "c")

OUTCOMES: dict[str, int] = {}
"""How often each rule ended each way, over the whole session (coverage check)."""

# Characters DynamoDB stores as given in S values; no surrogates.
text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=6
)
optional_text = st.none() | text
specs = st.none() | st.dictionaries(
    st.text(alphabet="abcxyz_", min_size=1, max_size=3), text, max_size=3
)
price = st.integers(0, 10**10 - 1)
count = st.integers(-(10**20), 10**20)
category = st.sampled_from(["shirts", "hats", "a#b", "ünï", "x y"])
# "current" (the stored version, so the write succeeds) half the time.
version_choice = st.one_of(
    st.just("current"), st.just("current"), st.none(), st.integers(0, 3)
)


def status(shop: Any) -> st.SearchStrategy[Any]:
    return st.sampled_from(list(shop.ProductStatus))


def fields(shop: Any) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "name": text,
            "category": category,
            "price_cents": price,
            "status": status(shop),
            "size": optional_text,
            "count": count,
            "description": optional_text,
            "specs": specs,
        }
    )


def changes(shop: Any) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {},
        optional={
            "name": text,
            "category": category,
            "price_cents": price,
            "status": status(shop),
            "size": optional_text,
            "count": count,
            "description": optional_text,
            "specs": specs,
        },
    )


class ProductMachine(RuleBasedStateMachine):
    """The repository against ``model``; built per example by :func:`machine_factory`."""

    shop: Any
    rt: Any
    models: Any
    transport: Any
    db: Any
    tables: ShopTables
    clock: FakeClock

    def __init__(self) -> None:
        super().__init__()
        self.prefix = uuid.uuid4().hex[:10]
        self.model: dict[str, Any] = {}

    # -- helpers -------------------------------------------------------------------

    def key(self, s: str) -> str:
        return f"{self.prefix}-{s}"

    def tick(self) -> datetime:
        return self.clock.advance(0.001001)

    def resolve(self, sku: str, choice: object) -> int | None:
        if choice == "current":
            stored = self.model.get(sku)
            return 1 if stored is None else int(stored.version)
        assert choice is None or isinstance(choice, int)
        return choice

    def check_stored(self, sku: str) -> None:
        """One consistent raw read: the decoded item and its derived index keys."""
        response = self.transport.call(
            "GetItem",
            {
                "TableName": self.tables.shop,
                "Key": product_key(sku),
                "ConsistentRead": True,
            },
        )
        raw = response.get("Item")
        expected = self.model.get(sku)
        if expected is None:
            assert raw is None
            return
        assert raw is not None
        assert self.models.decode_product(raw) == expected
        esc = self.rt.escape_key_text
        assert raw["gsi2pk"] == {"S": "CATEGORY#" + esc(expected.category)}
        assert raw["gsi2sk"] == {
            "S": f"PRICE#{expected.price_cents:010d}#" + esc(expected.sku)
        }
        assert raw["version"] == {"N": str(expected.version)}

    def expect_error(self, rule: str, error_type: Any, call: Any) -> Any:
        with pytest.raises(error_type) as caught:
            call()
        assert type(caught.value) is error_type
        self.seen(f"{rule}:{error_type.__name__}")
        return caught.value

    def seen(self, outcome: str) -> None:
        OUTCOMES[outcome] = OUTCOMES.get(outcome, 0) + 1

    # -- rules ---------------------------------------------------------------------

    @initialize(data=st.data())
    def seed(self, data: st.DataObject) -> None:
        """Start with one stored product, so that early steps find something."""
        self.create(SKUS[0], data)

    @rule(s=st.sampled_from(SKUS), data=st.data())
    def create(self, s: str, data: st.DataObject) -> None:
        sku = self.key(s)
        obj = self.shop.Product(sku=sku, **data.draw(fields(self.shop)))
        before = copy.deepcopy(obj)
        now = self.tick()
        if sku in self.model:
            error = self.expect_error(
                "create",
                self.shop.AlreadyExistsError,
                lambda: self.db.product.create(obj),
            )
            assert error.item == self.model[sku]
        else:
            result = self.db.product.create(obj)
            expected = dataclasses.replace(
                obj, created_at=now, updated_at=now, version=1
            )
            assert result == expected
            self.model[sku] = expected
            self.seen("create:ok")
        assert obj == before
        self.check_stored(sku)

    @rule(
        s=st.sampled_from(SKUS),
        data=st.data(),
        version=version_choice,
        created=st.sampled_from(["none", "stored", "other"]),
    )
    def put(self, s: str, data: st.DataObject, version: object, created: str) -> None:
        sku = self.key(s)
        v = self.resolve(sku, version)
        stored = self.model.get(sku)
        created_at: datetime | None = None
        if created == "stored" and stored is not None:
            created_at = stored.created_at
        elif created == "other":
            created_at = datetime(2001, 2, 3, 4, 5, 6, 7, tzinfo=UTC)
        obj = self.shop.Product(
            sku=sku, **data.draw(fields(self.shop)), version=v, created_at=created_at
        )
        before = copy.deepcopy(obj)
        now = self.tick()
        if v is None:
            if stored is not None:
                error = self.expect_error(
                    "put",
                    self.shop.AlreadyExistsError,
                    lambda: self.db.product.put(obj),
                )
                assert error.item == stored
            else:
                result = self.db.product.put(obj)
                expected = dataclasses.replace(
                    obj, created_at=now, updated_at=now, version=1
                )
                assert result == expected
                self.model[sku] = expected
                self.seen("put:created")
        elif stored is None:
            error = self.expect_error(
                "put", self.shop.NotFoundError, lambda: self.db.product.put(obj)
            )
            assert error.key == self.shop.ProductKey(sku=sku)
        elif stored.version != v:
            error = self.expect_error(
                "put", self.shop.VersionConflictError, lambda: self.db.product.put(obj)
            )
            assert error.item == stored
        else:
            result = self.db.product.put(obj)
            expected = dataclasses.replace(
                obj,
                created_at=now if created_at is None else created_at,
                updated_at=now,
                version=v + 1,
            )
            assert result == expected
            self.model[sku] = expected
            self.seen("put:ok")
        assert obj == before
        self.check_stored(sku)

    @rule(s=st.sampled_from(SKUS), data=st.data(), version=version_choice)
    def update(self, s: str, data: st.DataObject, version: object) -> None:
        sku = self.key(s)
        v = self.resolve(sku, version)
        change = data.draw(changes(self.shop))
        stored = self.model.get(sku)
        now = self.tick()

        def call() -> Any:
            return self.db.product.update(sku=sku, expected_version=v, **change)

        if stored is None:
            error = self.expect_error("update", self.shop.NotFoundError, call)
            assert error.key == self.shop.ProductKey(sku=sku)
        elif v is not None and stored.version != v:
            error = self.expect_error("update", self.shop.VersionConflictError, call)
            assert error.item == stored
        else:
            result = call()
            expected = dataclasses.replace(
                stored, **change, updated_at=now, version=stored.version + 1
            )
            assert result == expected
            self.model[sku] = expected
            self.seen("update:ok")
        self.check_stored(sku)

    @rule(s=st.sampled_from(SKUS), version=version_choice)
    def delete(self, s: str, version: object) -> None:
        sku = self.key(s)
        v = self.resolve(sku, version)
        stored = self.model.get(sku)

        def call() -> Any:
            return self.db.product.delete(sku=sku, expected_version=v)

        if stored is None:
            if v is None:
                assert call() is None
                self.seen("delete:none")
            else:
                error = self.expect_error("delete", self.shop.NotFoundError, call)
                assert error.key == self.shop.ProductKey(sku=sku)
        elif v is not None and stored.version != v:
            error = self.expect_error("delete", self.shop.VersionConflictError, call)
            assert error.item == stored
        else:
            assert call() == stored
            del self.model[sku]
            self.seen("delete:ok")
        self.check_stored(sku)

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data())
    def get(self, data: st.DataObject) -> None:
        sku = data.draw(st.sampled_from(sorted(self.model)))
        assert self.db.product.get(sku=sku) == self.model[sku]


SETTINGS = settings(
    max_examples=20,
    stateful_step_count=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def test_repository_matches_model(
    shop: Any, rt: Any, shop_tables: ShopTables, db: Any, clock: FakeClock
) -> None:
    class Machine(ProductMachine):
        pass

    Machine.shop, Machine.rt, Machine.db = shop, rt, db
    Machine.models = importlib.import_module(f"{shop.__name__}.models")
    Machine.transport = rt.Transport(shop_tables.client)
    Machine.tables, Machine.clock = shop_tables, clock
    OUTCOMES.clear()
    run_state_machine_as_test(Machine, settings=SETTINGS)
    # Not vacuous: writes succeeded and errors were met (how often each varies with
    # hypothesis's choice of rules; the other tests cover every path one by one).
    succeeded = sum(n for o, n in OUTCOMES.items() if not o.endswith("Error"))
    errors = {o.split(":")[1] for o in OUTCOMES if o.endswith("Error")}
    assert succeeded >= 10 and len(errors) >= 2, sorted(OUTCOMES.items())
