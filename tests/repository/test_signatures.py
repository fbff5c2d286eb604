"""The generated method signatures of SPEC §4 (no server needed)."""

from __future__ import annotations

import dataclasses
import enum
import inspect
from typing import Any

import pytest

KEYWORD = inspect.Parameter.KEYWORD_ONLY

UPDATE_ARGUMENTS = {
    "customer": ["email", "name", "status", "tags", "address", "points"],
    "order": ["status", "total", "lines", "expires_at"],
    "product": [
        "name",
        "category",
        "price_cents",
        "status",
        "size",
        "count",
        "description",
        "specs",
    ],
    "audit_event": ["action", "actor", "changes", "expires_at"],
}
KEY_FIELDS = {
    "customer": ["customer_id"],
    "order": ["customer_id", "created_at", "order_id"],
    "product": ["sku"],
    "audit_event": ["entity_id", "event_id"],
}
VERSIONED = {"customer", "product"}


def repository_class(shop: Any, attribute: str) -> Any:
    entity = "".join(part.title() for part in attribute.split("_"))
    module = __import__(
        f"{shop.__name__}.{attribute}_repository", fromlist=[f"{entity}Repository"]
    )
    return getattr(module, f"{entity}Repository")


@pytest.mark.parametrize("attribute", sorted(UPDATE_ARGUMENTS))
def test_update_signature(shop: Any, attribute: str) -> None:
    parameters = inspect.signature(repository_class(shop, attribute).update).parameters
    names = [n for n in parameters if n != "self"]
    expected = list(KEY_FIELDS[attribute])
    if attribute in VERSIONED:
        expected.append("expected_version")
    expected += UPDATE_ARGUMENTS[attribute]
    assert names == expected
    for name in names:
        assert parameters[name].kind is KEYWORD
    for name in UPDATE_ARGUMENTS[attribute]:
        assert parameters[name].default is shop.UNSET
    if attribute in VERSIONED:
        assert parameters["expected_version"].default is None


@pytest.mark.parametrize("attribute", sorted(UPDATE_ARGUMENTS))
def test_get_delete_key_signatures(shop: Any, attribute: str) -> None:
    cls = repository_class(shop, attribute)
    keys = KEY_FIELDS[attribute]
    get = inspect.signature(cls.get).parameters
    assert [n for n in get if n != "self"] == [*keys, "consistent"]
    assert get["consistent"].default is False
    delete = inspect.signature(cls.delete).parameters
    expected = [*keys, "expected_version"] if attribute in VERSIONED else keys
    assert [n for n in delete if n != "self"] == expected
    key = inspect.signature(cls.key).parameters
    assert [n for n in key if n != "self"] == keys
    for parameters in (get, delete, key):
        assert all(p.kind is KEYWORD for n, p in parameters.items() if n != "self")


def test_positional_key_arguments_are_refused(shop: Any) -> None:
    cls = repository_class(shop, "customer")
    with pytest.raises(TypeError):
        inspect.signature(cls.get).bind(object(), "c1")


def test_unset_is_a_one_member_enum(shop: Any) -> None:
    assert isinstance(shop.UNSET, enum.Enum)
    assert len(type(shop.UNSET)) == 1
    assert type(shop.UNSET) is shop.Unset
    assert repr(shop.UNSET) == "UNSET"


def test_key_classes(shop: Any) -> None:
    key = shop.CustomerKey(customer_id="c1")
    assert dataclasses.fields(key)  # a dataclass (is_dataclass would narrow the type)
    with pytest.raises(dataclasses.FrozenInstanceError):
        key.customer_id = "c2"
    assert key == shop.CustomerKey(customer_id="c1")
    assert hash(key) == hash(shop.CustomerKey(customer_id="c1"))
    rt = __import__(f"{shop.__name__}._runtime", fromlist=["Key"])
    assert isinstance(key, rt.Key)


def test_entities_are_slotted_keyword_only_dataclasses(shop: Any) -> None:
    for cls in (shop.Customer, shop.Order, shop.Product, shop.AuditEvent):
        assert dataclasses.fields(cls)
        assert hasattr(cls, "__slots__")
        with pytest.raises(TypeError):
            cls("positional")
    fields = {f.name: f.default for f in dataclasses.fields(shop.Customer)}
    assert fields["version"] is None
    assert fields["created_at"] is None and fields["updated_at"] is None
    assert fields["status"] == shop.CustomerStatus.ACTIVE and fields["points"] == 0


def test_package_exports(shop: Any) -> None:
    names = set(shop.__all__)
    for name in (
        "Database",
        "Customer",
        "Order",
        "Product",
        "AuditEvent",
        "Address",
        "OrderLine",
        "OrderStatus",
        "CustomerStatus",
        "ProductStatus",
        "AuditEventAction",
        "CustomerKey",
        "OrderKey",
        "ProductKey",
        "AuditEventKey",
        "UNSET",
        "DynagenError",
        "ConditionFailedError",
        "AlreadyExistsError",
        "VersionConflictError",
        "NotFoundError",
        "TransactionCanceledError",
        "InvalidCursorError",
        "BatchIncompleteError",
        "DecodeError",
    ):
        assert name in names and hasattr(shop, name), name
    assert isinstance(shop.__dynagen_version__, str)


def test_package_exports_page_and_views(shop: Any) -> None:
    for name in ("Page", "ProductCard", "ProductGsi2Projection"):
        assert name in shop.__all__ and hasattr(shop, name), name
