"""CustomerRepository (versioned, timestamps, derived gsi1pk) on every backend.

get/create/put/update/delete, each success and error path, read back both through the
repository and raw through boto3 so that what is stored is checked too.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.repository._support import (
    START,
    UTC,
    FakeClock,
    RequestLog,
    SentBodies,
    ShopTables,
    customer_key,
    raw_item,
)

STAMP = "2024-05-01T12:00:00.123456Z"


def full_customer(shop: Any, customer_id: str) -> Any:
    return shop.Customer(
        customer_id=customer_id,
        email=f"{customer_id}@example.com",
        name="Ann",
        status=shop.CustomerStatus.SUSPENDED,
        tags={"vip", "early"},
        address=shop.Address(street="1 Main St", city="Leeds", postcode="LS1 1AA"),
        points=42,
    )


# -- get -------------------------------------------------------------------------------


def test_get_missing_returns_none(db: Any, uid: str) -> None:
    assert db.customer.get(customer_id=uid) is None
    assert db.customer.get(customer_id=uid, consistent=True) is None


def test_get_returns_created_item(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    created = db.customer.create(full_customer(shop, uid))
    with RequestLog(shop_tables.client) as log:
        assert db.customer.get(customer_id=uid) == created
        assert db.customer.get(customer_id=uid, consistent=True) == created
    assert log.operations == ["GetItem", "GetItem"]


def test_get_sends_consistent_read_flag(
    db: Any, shop_tables: ShopTables, uid: str
) -> None:
    with SentBodies(shop_tables.client) as sent:
        db.customer.get(customer_id=uid, consistent=True)
        db.customer.get(customer_id=uid)
    assert [(op, body.get("ConsistentRead")) for op, body in sent.bodies] == [
        ("GetItem", True),
        ("GetItem", False),
    ]
    assert sent.bodies[0][1]["Key"] == customer_key(uid)


# -- create ----------------------------------------------------------------------------


def test_create_sets_version_and_timestamps_and_leaves_argument(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    item = full_customer(shop, uid)
    before = copy.deepcopy(item)
    created = db.customer.create(item)
    assert item == before, "create changed its argument"
    assert item.version is None and item.created_at is None
    assert created is not item
    assert created.version == 1
    assert created.created_at == START and created.updated_at == START
    assert created.created_at.tzinfo is not None
    expected = copy.deepcopy(before)
    expected.version, expected.created_at, expected.updated_at = 1, START, START
    assert created == expected
    assert db.customer.get(customer_id=uid, consistent=True) == created

    raw = raw_item(shop_tables, customer_key(uid))
    assert raw == {
        "pk": {"S": f"CUSTOMER#{uid}"},
        "sk": {"S": "PROFILE"},
        "gsi1pk": {"S": f"EMAIL#{uid}@example.com"},
        "gsi1sk": {"S": "CUSTOMER"},
        "_type": {"S": "Customer"},
        "customer_id": {"S": uid},
        "email": {"S": f"{uid}@example.com"},
        "name": {"S": "Ann"},
        "status": {"S": "suspended"},
        "tags": {"SS": ["early", "vip"]},
        "address": {
            "M": {
                "street": {"S": "1 Main St"},
                "city": {"S": "Leeds"},
                "postcode": {"S": "LS1 1AA"},
            }
        },
        "points": {"N": "42"},
        "created_at": {"S": STAMP},
        "updated_at": {"S": STAMP},
        "version": {"N": "1"},
    }


def test_create_stores_defaults(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    created = db.customer.create(shop.Customer(customer_id=uid, email="a@b.c"))
    assert created.status == shop.CustomerStatus.ACTIVE and created.points == 0
    raw = raw_item(shop_tables, customer_key(uid))
    assert raw is not None
    assert raw["status"] == {"S": "active"} and raw["points"] == {"N": "0"}
    for absent in ("name", "tags", "address"):
        assert absent not in raw


def test_create_overwrites_given_version_and_timestamps(
    db: Any, shop: Any, uid: str
) -> None:
    item = shop.Customer(
        customer_id=uid,
        email="a@b.c",
        version=7,
        created_at=START - timedelta(days=3),
        updated_at=START - timedelta(days=2),
    )
    created = db.customer.create(item)
    assert (created.version, created.created_at, created.updated_at) == (
        1,
        START,
        START,
    )


def test_create_existing_raises_already_exists_with_stored_item(
    db: Any, shop: Any, shop_tables: ShopTables, clock: FakeClock, uid: str
) -> None:
    first = db.customer.create(full_customer(shop, uid))
    clock.advance(60)
    with (
        SentBodies(shop_tables.client) as sent,
        pytest.raises(shop.AlreadyExistsError) as caught,
    ):
        db.customer.create(shop.Customer(customer_id=uid, email="other@example.com"))
    error = caught.value
    assert isinstance(error, shop.ConditionFailedError)
    assert isinstance(error, shop.DynagenError)
    # The same decoded old item on both backends: from the error body on moto, from the
    # fallback consistent read on dynalite (which ignores ReturnValuesOnCondition...).
    assert error.item == first
    operations = [operation for operation, _ in sent.bodies]
    if shop_tables.backend.lacks("old_item_on_condition_failure"):
        assert operations == ["PutItem", "GetItem"]
        fallback = sent.bodies[1][1]
        assert fallback["ConsistentRead"] is True
        assert fallback["Key"] == customer_key(uid)
    else:
        assert operations == ["PutItem"]
    assert sent.bodies[0][1]["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"
    assert db.customer.get(customer_id=uid, consistent=True) == first


# -- put -------------------------------------------------------------------------------


def test_put_without_version_creates(
    db: Any, shop: Any, clock: FakeClock, uid: str
) -> None:
    item = full_customer(shop, uid)
    before = copy.deepcopy(item)
    put = db.customer.put(item)
    assert item == before
    assert put.version == 1 and put.created_at == START and put.updated_at == START
    assert db.customer.get(customer_id=uid, consistent=True) == put
    clock.advance()
    with pytest.raises(shop.AlreadyExistsError) as caught:
        db.customer.put(before)
    assert caught.value.item == put


def test_put_with_current_version_steps_it(
    db: Any, shop: Any, shop_tables: ShopTables, clock: FakeClock, uid: str
) -> None:
    created = db.customer.create(full_customer(shop, uid))
    later = clock.advance(30)
    changed = copy.deepcopy(created)
    changed.name = "Bea"
    changed.email = "bea@example.com"
    before = copy.deepcopy(changed)
    put = db.customer.put(changed)
    assert changed == before, "put changed its argument"
    assert put.version == 2
    assert put.created_at == START, "put must keep the created time the object carries"
    assert put.updated_at == later
    assert put.name == "Bea"
    assert db.customer.get(customer_id=uid, consistent=True) == put
    raw = raw_item(shop_tables, customer_key(uid))
    assert raw is not None
    assert raw["gsi1pk"] == {"S": "EMAIL#bea@example.com"}
    assert raw["version"] == {"N": "2"}

    clock.advance()
    put3 = db.customer.put(put)
    assert put3.version == 3


def test_put_sets_created_when_absent(
    db: Any, shop: Any, clock: FakeClock, uid: str
) -> None:
    created = db.customer.create(shop.Customer(customer_id=uid, email="a@b.c"))
    later = clock.advance(5)
    put = db.customer.put(
        shop.Customer(customer_id=uid, email="a@b.c", version=created.version)
    )
    assert put.created_at == later and put.updated_at == later
    assert db.customer.get(customer_id=uid) == put


def test_put_stale_version_raises_version_conflict(
    db: Any, shop: Any, clock: FakeClock, uid: str
) -> None:
    created = db.customer.create(full_customer(shop, uid))
    clock.advance()
    current = db.customer.put(created)
    clock.advance()
    stale = copy.deepcopy(created)
    stale.name = "stale"
    with pytest.raises(shop.VersionConflictError) as caught:
        db.customer.put(stale)
    assert isinstance(caught.value, shop.ConditionFailedError)
    assert caught.value.item == current
    assert db.customer.get(customer_id=uid, consistent=True) == current
    # A version ahead of the stored one conflicts as well.
    ahead = copy.deepcopy(current)
    ahead.version = 9
    with pytest.raises(shop.VersionConflictError) as caught:
        db.customer.put(ahead)
    assert caught.value.item == current


def test_put_with_version_of_missing_item_raises_not_found(
    db: Any, shop: Any, uid: str
) -> None:
    with pytest.raises(shop.NotFoundError) as caught:
        db.customer.put(shop.Customer(customer_id=uid, email="a@b.c", version=1))
    assert caught.value.key == shop.CustomerKey(customer_id=uid)
    assert db.customer.get(customer_id=uid, consistent=True) is None


def test_put_version_zero_on_item_stored_without_version(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    write_legacy(shop_tables, uid)
    legacy = db.customer.get(customer_id=uid, consistent=True)
    assert legacy.version == 0
    put = db.customer.put(legacy)
    assert put.version == 1
    raw = raw_item(shop_tables, customer_key(uid))
    assert raw is not None and raw["version"] == {"N": "1"}


# -- update ----------------------------------------------------------------------------


def test_update_required_attribute_rewrites_derived_index_key(
    db: Any, shop: Any, shop_tables: ShopTables, clock: FakeClock, uid: str
) -> None:
    created = db.customer.create(full_customer(shop, uid))
    later = clock.advance(10)
    with RequestLog(shop_tables.client) as log:
        updated = db.customer.update(customer_id=uid, email="new@example.com")
    assert log.operations == ["UpdateItem"], "derived keys must go in the same request"
    expected = copy.deepcopy(created)
    expected.email = "new@example.com"
    expected.version = 2
    expected.updated_at = later
    assert updated == expected
    assert db.customer.get(customer_id=uid, consistent=True) == expected
    raw = raw_item(shop_tables, customer_key(uid))
    assert raw is not None
    assert raw["gsi1pk"] == {"S": "EMAIL#new@example.com"}
    assert raw["gsi1sk"] == {"S": "CUSTOMER"}
    assert raw["updated_at"] == {"S": "2024-05-01T12:00:10.123456Z"}
    assert raw["created_at"] == {"S": STAMP}


def test_update_optional_attribute_set_and_removed(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    db.customer.create(shop.Customer(customer_id=uid, email="a@b.c"))
    assert db.customer.update(customer_id=uid, name="Cy").name == "Cy"
    raw = raw_item(shop_tables, customer_key(uid))
    assert raw is not None and raw["name"] == {"S": "Cy"}
    removed = db.customer.update(customer_id=uid, name=None)
    assert removed.name is None and removed.version == 3
    raw = raw_item(shop_tables, customer_key(uid))
    assert raw is not None and "name" not in raw
    # Removing an attribute that is already absent is fine.
    assert db.customer.update(customer_id=uid, name=None).name is None


def test_update_set_attribute_and_empty_set_removes(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    db.customer.create(shop.Customer(customer_id=uid, email="a@b.c"))
    assert db.customer.update(customer_id=uid, tags={"b", "a"}).tags == {"a", "b"}
    raw = raw_item(shop_tables, customer_key(uid))
    assert raw is not None and raw["tags"] == {"SS": ["a", "b"]}
    assert db.customer.update(customer_id=uid, tags=set()).tags is None
    raw = raw_item(shop_tables, customer_key(uid))
    assert raw is not None and "tags" not in raw
    db.customer.update(customer_id=uid, tags={"x"})
    assert db.customer.update(customer_id=uid, tags=None).tags is None
    raw = raw_item(shop_tables, customer_key(uid))
    assert raw is not None and "tags" not in raw


def test_update_enum_nested_type_and_int(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    db.customer.create(shop.Customer(customer_id=uid, email="a@b.c"))
    address = shop.Address(street="2 High St", city="York")
    updated = db.customer.update(
        customer_id=uid,
        status=shop.CustomerStatus.SUSPENDED,
        address=address,
        points=-7,
    )
    assert updated.status == shop.CustomerStatus.SUSPENDED
    assert updated.address == address and updated.points == -7
    raw = raw_item(shop_tables, customer_key(uid))
    assert raw is not None
    assert raw["status"] == {"S": "suspended"}
    assert raw["address"] == {
        "M": {"street": {"S": "2 High St"}, "city": {"S": "York"}}
    }
    assert raw["points"] == {"N": "-7"}
    assert db.customer.update(customer_id=uid, address=None).address is None
    raw = raw_item(shop_tables, customer_key(uid))
    assert raw is not None and "address" not in raw


def test_update_unset_leaves_everything_else(
    db: Any, shop: Any, clock: FakeClock, uid: str
) -> None:
    created = db.customer.create(full_customer(shop, uid))
    later = clock.advance()
    updated = db.customer.update(
        customer_id=uid,
        email=shop.UNSET,
        name=shop.UNSET,
        status=shop.UNSET,
        tags=shop.UNSET,
        address=shop.UNSET,
        points=43,
    )
    expected = copy.deepcopy(created)
    expected.points, expected.version, expected.updated_at = 43, 2, later
    assert updated == expected


def test_update_without_arguments_steps_version_and_updated_at(
    db: Any, shop: Any, clock: FakeClock, uid: str
) -> None:
    created = db.customer.create(full_customer(shop, uid))
    later = clock.advance()
    updated = db.customer.update(customer_id=uid)
    expected = copy.deepcopy(created)
    expected.version, expected.updated_at = 2, later
    assert updated == expected


def test_update_expected_version(
    db: Any, shop: Any, clock: FakeClock, uid: str
) -> None:
    db.customer.create(full_customer(shop, uid))
    clock.advance()
    v2 = db.customer.update(customer_id=uid, points=1, expected_version=1)
    assert v2.version == 2 and v2.points == 1
    clock.advance()
    with pytest.raises(shop.VersionConflictError) as caught:
        db.customer.update(customer_id=uid, points=2, expected_version=1)
    assert caught.value.item == v2
    assert db.customer.get(customer_id=uid, consistent=True) == v2
    with pytest.raises(shop.VersionConflictError):
        db.customer.update(customer_id=uid, points=2, expected_version=0)
    v3 = db.customer.update(customer_id=uid, points=3, expected_version=2)
    assert v3.version == 3 and v3.points == 3


def test_update_missing_item_raises_not_found(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    with pytest.raises(shop.NotFoundError) as caught:
        db.customer.update(customer_id=uid, name="x")
    assert caught.value.key == shop.CustomerKey(customer_id=uid)
    with pytest.raises(shop.NotFoundError):
        db.customer.update(customer_id=uid, name="x", expected_version=1)
    with pytest.raises(shop.NotFoundError):
        db.customer.update(customer_id=uid, name="x", expected_version=0)
    with pytest.raises(shop.NotFoundError):
        db.customer.update(customer_id=uid)
    assert raw_item(shop_tables, customer_key(uid)) is None, "update must not upsert"


def write_legacy(tables: ShopTables, customer_id: str, **extra: Any) -> None:
    """A Customer item written by other code: no version, no timestamps, no defaults."""
    tables.client.put_item(
        TableName=tables.shop,
        Item={
            **customer_key(customer_id),
            "customer_id": {"S": customer_id},
            "email": {"S": "legacy@example.com"},
            **extra,
        },
    )


def test_item_without_version_reads_zero_and_update_makes_it_one(
    db: Any, shop: Any, shop_tables: ShopTables, clock: FakeClock, uid: str
) -> None:
    write_legacy(shop_tables, uid)
    legacy = db.customer.get(customer_id=uid)
    assert legacy == shop.Customer(
        customer_id=uid, email="legacy@example.com", version=0
    )
    assert legacy.status == shop.CustomerStatus.ACTIVE and legacy.points == 0
    later = clock.advance()
    updated = db.customer.update(customer_id=uid, name="Leg")
    assert updated.version == 1 and updated.updated_at == later
    raw = raw_item(shop_tables, customer_key(uid))
    assert raw is not None and raw["version"] == {"N": "1"}


def test_expected_version_zero_on_item_without_version(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    write_legacy(shop_tables, uid)
    with pytest.raises(shop.VersionConflictError) as caught:
        db.customer.update(customer_id=uid, name="x", expected_version=1)
    assert caught.value.item.version == 0
    updated = db.customer.update(customer_id=uid, name="x", expected_version=0)
    assert updated.version == 1
    with pytest.raises(shop.VersionConflictError):
        db.customer.update(customer_id=uid, name="y", expected_version=0)


def test_delete_expected_version_zero_on_item_without_version(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    write_legacy(shop_tables, uid)
    old = db.customer.delete(customer_id=uid, expected_version=0)
    assert old is not None and old.version == 0
    assert raw_item(shop_tables, customer_key(uid)) is None


# -- delete ----------------------------------------------------------------------------


def test_delete_returns_old_item(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    created = db.customer.create(full_customer(shop, uid))
    assert db.customer.delete(customer_id=uid) == created
    assert db.customer.get(customer_id=uid, consistent=True) is None
    assert raw_item(shop_tables, customer_key(uid)) is None


def test_delete_missing_returns_none(db: Any, uid: str) -> None:
    assert db.customer.delete(customer_id=uid) is None


def test_delete_with_expected_version(
    db: Any, shop: Any, clock: FakeClock, uid: str
) -> None:
    db.customer.create(full_customer(shop, uid))
    clock.advance()
    v2 = db.customer.update(customer_id=uid, points=5)
    with pytest.raises(shop.VersionConflictError) as caught:
        db.customer.delete(customer_id=uid, expected_version=1)
    assert caught.value.item == v2
    assert db.customer.get(customer_id=uid, consistent=True) == v2
    assert db.customer.delete(customer_id=uid, expected_version=2) == v2
    assert db.customer.get(customer_id=uid, consistent=True) is None


def test_delete_expected_version_of_missing_item_raises_not_found(
    db: Any, shop: Any, uid: str
) -> None:
    with pytest.raises(shop.NotFoundError) as caught:
        db.customer.delete(customer_id=uid, expected_version=1)
    assert caught.value.key == shop.CustomerKey(customer_id=uid)


# -- keys ------------------------------------------------------------------------------


def test_key_values_are_escaped_and_never_collide(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    # Two ids that would render the same key without escaping of the separator.
    a = db.customer.create(shop.Customer(customer_id=f"{uid}#x", email="a@b.c"))
    b = db.customer.create(shop.Customer(customer_id=f"{uid}%23x", email="a@b.c"))
    assert db.customer.get(customer_id=f"{uid}#x") == a
    assert db.customer.get(customer_id=f"{uid}%23x") == b
    assert db.customer.delete(customer_id=f"{uid}#x") == a
    assert db.customer.get(customer_id=f"{uid}%23x") == b


def test_email_with_separator_in_derived_key(
    db: Any, shop: Any, rt: Any, shop_tables: ShopTables, uid: str
) -> None:
    db.customer.create(shop.Customer(customer_id=uid, email="a#b@example.com"))
    raw = raw_item(shop_tables, customer_key(uid))
    assert raw is not None
    assert raw["gsi1pk"] == {"S": "EMAIL#" + rt.escape_key_text("a#b@example.com")}
    assert "#" not in raw["gsi1pk"]["S"][len("EMAIL#") :]
    assert raw["email"] == {"S": "a#b@example.com"}, "attributes are stored as given"
    db.customer.update(customer_id=uid, email="c#d@example.com")
    raw = raw_item(shop_tables, customer_key(uid))
    assert raw is not None
    assert raw["gsi1pk"] == {"S": "EMAIL#" + rt.escape_key_text("c#d@example.com")}


def test_timestamps_are_utc_from_clock_with_offset(
    shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    from datetime import timezone

    plus2 = timezone(timedelta(hours=2))
    local = datetime(2024, 5, 1, 14, 0, 0, 5, tzinfo=plus2)
    db = shop.Database(
        shop_tables.client, table_prefix=shop_tables.prefix, clock=lambda: local
    )
    created = db.customer.create(shop.Customer(customer_id=uid, email="a@b.c"))
    assert created.created_at == local
    raw = raw_item(shop_tables, customer_key(uid))
    assert raw is not None and raw["created_at"] == {"S": "2024-05-01T12:00:00.000005Z"}
    read = db.customer.get(customer_id=uid)
    assert read.created_at == local and read.created_at.tzinfo == UTC
