"""A sample entity for the expression tests: every kind of attribute type."""

from __future__ import annotations

from dynagen.model.expressions import SchemaResolver
from dynagen.model.types import (
    AttrType,
    EnumType,
    JsonType,
    ListType,
    MapType,
    NamedType,
    ScalarType,
    SetType,
)

STRING = ScalarType("string")
INT = ScalarType("int")
DECIMAL = ScalarType("decimal")
ORDER_STATUS = EnumType("OrderStatus", ("pending", "paid", "shipped"))
ORDER_LINE = NamedType("OrderLine")
ADDRESS = NamedType("Address")
TAGS = SetType(STRING)
LINES = ListType(ORDER_LINE)

ATTRIBUTES: dict[str, AttrType] = {
    "customer_id": STRING,
    "email": STRING,
    "name": STRING,
    "status": ORDER_STATUS,
    "tags": TAGS,
    "scores": SetType(INT),
    "address": ADDRESS,
    "points": INT,
    "fines": DECIMAL,
    "total": DECIMAL,
    "ratio": ScalarType("float"),
    "created_at": ScalarType("datetime"),
    "birthday": ScalarType("date"),
    "expires_at": ScalarType("epoch"),
    "order_id": ScalarType("uuid"),
    "active": ScalarType("bool"),
    "photo": ScalarType("bytes"),
    "lines": LINES,
    "meta": MapType(STRING),
    "doc": JsonType(),
    "size": INT,
    "count": INT,
    "version": INT,
}
TYPES: dict[str, dict[str, AttrType]] = {
    "Address": {"street": STRING, "city": STRING, "postcode": STRING},
    "OrderLine": {"sku": STRING, "quantity": INT, "price": DECIMAL},
}

#: The entity, without renames.
SHOP = SchemaResolver(ATTRIBUTES, TYPES)
#: The same entity with ``column:`` renames, some of them awkward stored names.
RENAMED = SchemaResolver(
    ATTRIBUTES,
    TYPES,
    columns={"name": "full-name", "status": "st.atus", "points": "pts"},
    type_columns={"Address": {"city": "town"}},
)
