"""The view of ``tables.py``: each table's CreateTable input, computed here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dynagen.model.schema import Index, KeyAttribute, Model, Table


@dataclass(frozen=True, slots=True)
class TablesView:
    package: str
    definitions: dict[str, dict[str, Any]]
    time_to_live: dict[str, str]
    point_in_time_recovery: tuple[str, ...]
    replicas: dict[str, tuple[str, ...]]


def tables_view(model: Model) -> TablesView:
    return TablesView(
        package=model.package,
        definitions={t.id: create_table_input(t) for t in model.tables},
        time_to_live={t.id: t.ttl for t in model.tables if t.ttl},
        point_in_time_recovery=tuple(
            t.id for t in model.tables if t.point_in_time_recovery
        ),
        replicas={t.id: t.replicas for t in model.tables if t.replicas},
    )


def create_table_input(table: Table) -> dict[str, Any]:
    """The CreateTable request of ``table``, without ``TableName`` (set at run time)."""
    request: dict[str, Any] = {
        "AttributeDefinitions": [
            {"AttributeName": k.name, "AttributeType": k.type}
            for k in sorted(table.all_key_attributes, key=lambda k: k.name)
        ],
        "KeySchema": _key_schema(table.partition_key, table.sort_key),
        "BillingMode": table.billing.mode,
    }
    if table.billing.mode == "PROVISIONED":
        request["ProvisionedThroughput"] = _throughput(table)
    local = [_index(i, table) for i in table.indexes if i.local]
    global_ = [_index(i, table) for i in table.indexes if not i.local]
    if local:
        request["LocalSecondaryIndexes"] = local
    if global_:
        request["GlobalSecondaryIndexes"] = global_
    if table.stream is not None:
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": table.stream,
        }
    if table.table_class is not None:
        request["TableClass"] = table.table_class
    if table.deletion_protection:
        request["DeletionProtectionEnabled"] = True
    if table.tags:
        request["Tags"] = [{"Key": k, "Value": v} for k, v in table.tags]
    return request


def _key_schema(pk: KeyAttribute, sk: KeyAttribute | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": pk.name, "KeyType": "HASH"}]
    if sk is not None:
        schema.append({"AttributeName": sk.name, "KeyType": "RANGE"})
    return schema


def _throughput(table: Table) -> dict[str, int]:
    return {
        "ReadCapacityUnits": table.billing.read or 1,
        "WriteCapacityUnits": table.billing.write or 1,
    }


def _index(index: Index, table: Table) -> dict[str, Any]:
    projection: dict[str, Any] = {"ProjectionType": index.projection}
    if index.include:
        projection["NonKeyAttributes"] = list(index.include)
    result: dict[str, Any] = {
        "IndexName": index.name,
        "KeySchema": _key_schema(index.partition_key, index.sort_key),
        "Projection": projection,
    }
    if not index.local and table.billing.mode == "PROVISIONED":
        result["ProvisionedThroughput"] = _throughput(table)
    return result
