"""The migration-state diff (SPEC §5): the table state a schema describes, as plain data,
and the operations that turn one recorded state into the next.

A *state* is JSON-like data (dicts, lists, strings, numbers, booleans, None) so that a
migration file can record it as a Python literal and a later build can read it back with
``ast.literal_eval``: tables with their keys, indexes and settings, and each entity's key
templates and type attribute (what a backfill needs to compute derived key attributes
long after the schema has moved on).

An *operation* is a dict whose ``op`` names its kind; each is one DynamoDB call when run
(a stream view-type change: two), except ``backfill`` (a scan and conditional updates).
The migration runner (:mod:`dynagen.migrate`) executes them; the renderer writes them.
Nothing here reads files or talks to DynamoDB.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dynagen.model.schema import Entity, Index, KeyAttribute, Model, Table
from dynagen.model.types import EnumType, ScalarType

State = dict[str, Any]
Operation = dict[str, Any]

EMPTY_STATE: State = {"tables": {}, "entities": {}}


@dataclass(frozen=True, slots=True)
class DiffError:
    """A change DynamoDB cannot make in place; ``path`` points into the schema."""

    path: tuple[str | int, ...]
    message: str
    hint: str


# --------------------------------------------------------------------------------------
# The state of a model
# --------------------------------------------------------------------------------------


def model_state(model: Model) -> State:
    """The recorded form of ``model``'s tables and entities."""
    return {
        "tables": {t.id: table_state(t) for t in model.tables},
        "entities": {e.name: _entity_state(e) for e in model.entities},
    }


def _key(attribute: KeyAttribute | None) -> dict[str, str] | None:
    if attribute is None:
        return None
    return {"name": attribute.name, "type": attribute.type}


def _index_state(index: Index) -> dict[str, Any]:
    return {
        "local": index.local,
        "partition_key": _key(index.partition_key),
        "sort_key": _key(index.sort_key),
        "projection": index.projection,
        "include": list(index.include),
    }


def _billing(table: Table) -> dict[str, Any]:
    if table.billing.mode == "PROVISIONED":
        return {
            "mode": "PROVISIONED",
            "read": table.billing.read or 1,
            "write": table.billing.write or 1,
        }
    return {"mode": "PAY_PER_REQUEST"}


def table_state(table: Table) -> dict[str, Any]:
    return {
        "name": table.name,
        "partition_key": _key(table.partition_key),
        "sort_key": _key(table.sort_key),
        "billing": _billing(table),
        "indexes": {i.name: _index_state(i) for i in table.indexes},
        "ttl": table.ttl,
        "stream": table.stream,
        "point_in_time_recovery": table.point_in_time_recovery,
        "replicas": sorted(table.replicas),
        "tags": dict(sorted(table.tags)),
        "table_class": table.table_class,
        "deletion_protection": table.deletion_protection,
        "type_attribute": table.type_attribute,
    }


def _field_text(entity: Entity, name: str, width: int | None) -> dict[str, Any]:
    """How the backfill turns a stored field value into its text in a key template."""
    attribute = entity.attribute(name)
    kind = "as_stored"
    if isinstance(attribute.type, EnumType) or attribute.type == ScalarType("string"):
        kind = "escaped"
    elif attribute.type == ScalarType("bool"):
        kind = "bool"
    field: dict[str, Any] = {"stored": attribute.stored_name, "text": kind}
    if width is not None:
        field = {"stored": attribute.stored_name, "text": "padded", "width": width}
    return field


def _entity_state(entity: Entity) -> dict[str, Any]:
    keys: dict[str, Any] = {}
    for source in entity.key_sources:
        if source.template is not None:
            keys[source.attribute.name] = {
                "template": source.template.text,
                "fields": {
                    f.name: _field_text(entity, f.name, f.width)
                    for f in source.template.fields
                },
            }
        elif source.plain is not None:
            keys[source.attribute.name] = {
                "plain": entity.attribute(source.plain).stored_name
            }
    version = entity.version_attribute
    return {
        "table": entity.table.id,
        "type": entity.name,
        "version": version.stored_name if version is not None else None,
        "keys": dict(sorted(keys.items())),
    }


# --------------------------------------------------------------------------------------
# Hashes
# --------------------------------------------------------------------------------------


def canonical_json(data: object) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def operations_hash(operations: list[Operation], state: State) -> str:
    """The SHA-256 a migration file records over its operations and its state."""
    payload = canonical_json({"operations": operations, "state": state})
    return hashlib.sha256(payload.encode("ascii")).hexdigest()


# --------------------------------------------------------------------------------------
# The diff
# --------------------------------------------------------------------------------------


def diff_states(old: State, new: State) -> tuple[list[Operation], list[DiffError]]:
    """The operations turning ``old`` into ``new``, or the changes that cannot be made.

    Order: tables created (each followed by what CreateTable cannot set), then each
    existing table's changes, then tables deleted. Within a table: replicas removed,
    stream, billing, indexes deleted, backfills and indexes created, TTL, point-in-time
    recovery, table class, deletion protection, tags, replicas added.
    """
    operations: list[Operation] = []
    errors: list[DiffError] = []
    old_tables: Mapping[str, Any] = old.get("tables", {})
    new_tables: Mapping[str, Any] = new.get("tables", {})
    for table_id, table in new_tables.items():
        if table_id not in old_tables:
            operations.extend(_create_table(table_id, table))
    for table_id, table in new_tables.items():
        if table_id in old_tables:
            before = old_tables[table_id]
            problems = _impossible(table_id, before, table)
            if problems:
                errors.extend(problems)
                continue
            operations.extend(_alter_table(table_id, before, table, old, new))
    for table_id, table in old_tables.items():
        if table_id not in new_tables:
            if table.get("deletion_protection"):
                operations.append(
                    {
                        "op": "update_deletion_protection",
                        "table": table_id,
                        "enabled": False,
                    }
                )
            operations.append({"op": "delete_table", "table": table_id})
    return operations, errors


def _gsi_definition(
    name: str, index: Mapping[str, Any], billing: Mapping[str, Any]
) -> dict[str, Any]:
    projection: dict[str, Any] = {"ProjectionType": index["projection"]}
    if index.get("include"):
        projection["NonKeyAttributes"] = list(index["include"])
    definition: dict[str, Any] = {
        "IndexName": name,
        "KeySchema": _key_schema(index),
        "Projection": projection,
    }
    if billing["mode"] == "PROVISIONED":
        definition["ProvisionedThroughput"] = _throughput(billing)
    return definition


def _throughput(billing: Mapping[str, Any]) -> dict[str, int]:
    return {
        "ReadCapacityUnits": billing["read"],
        "WriteCapacityUnits": billing["write"],
    }


def create_table_request(table: Mapping[str, Any]) -> dict[str, Any]:
    """The CreateTable input of a recorded table, without ``TableName`` (set at run
    time): the one definition ``tables.py`` and the migrations both use."""
    definitions: dict[str, str] = {}
    for key in (table["partition_key"], table["sort_key"]):
        if key:
            definitions[key["name"]] = key["type"]
    for index in table["indexes"].values():
        for key in (index["partition_key"], index["sort_key"]):
            if key:
                definitions.setdefault(key["name"], key["type"])
    billing = table["billing"]
    request: dict[str, Any] = {
        "AttributeDefinitions": [
            {"AttributeName": n, "AttributeType": t}
            for n, t in sorted(definitions.items())
        ],
        "KeySchema": _key_schema(table),
        "BillingMode": billing["mode"],
    }
    if billing["mode"] == "PROVISIONED":
        request["ProvisionedThroughput"] = _throughput(billing)
    indexes = table["indexes"]
    local = [
        _gsi_definition(n, i, {"mode": "PAY_PER_REQUEST"})
        for n, i in indexes.items()
        if i["local"]
    ]
    global_ = [
        _gsi_definition(n, i, billing) for n, i in indexes.items() if not i["local"]
    ]
    if local:
        request["LocalSecondaryIndexes"] = local
    if global_:
        request["GlobalSecondaryIndexes"] = global_
    if table.get("stream"):
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": table["stream"],
        }
    if table.get("table_class"):
        request["TableClass"] = table["table_class"]
    if table.get("deletion_protection"):
        request["DeletionProtectionEnabled"] = True
    if table.get("tags"):
        request["Tags"] = [{"Key": k, "Value": v} for k, v in table["tags"].items()]
    return request


def _key_schema(keys: Mapping[str, Any]) -> list[dict[str, str]]:
    schema = [{"AttributeName": keys["partition_key"]["name"], "KeyType": "HASH"}]
    if keys.get("sort_key"):
        schema.append({"AttributeName": keys["sort_key"]["name"], "KeyType": "RANGE"})
    return schema


def _create_table(table_id: str, table: Mapping[str, Any]) -> list[Operation]:
    """CreateTable (everything it can set), then TTL, PITR and replicas."""
    operations: list[Operation] = [
        {
            "op": "create_table",
            "table": table_id,
            "definition": create_table_request(table),
        }
    ]
    if table.get("ttl"):
        operations.append(
            {
                "op": "update_ttl",
                "table": table_id,
                "attribute": table["ttl"],
                "enabled": True,
            }
        )
    if table.get("point_in_time_recovery"):
        operations.append({"op": "update_pitr", "table": table_id, "enabled": True})
    for region in table.get("replicas", []):
        operations.append({"op": "create_replica", "table": table_id, "region": region})
    return operations


def _key_text(key: Mapping[str, Any] | None) -> str:
    return "none" if not key else f"{key['name']} ({key['type']})"


def _impossible(
    table_id: str, before: Mapping[str, Any], after: Mapping[str, Any]
) -> list[DiffError]:
    """Changes DynamoDB cannot make to an existing table: its key, an LSI, a GSI's key."""
    errors: list[DiffError] = []
    path: tuple[str | int, ...] = ("tables", table_id)
    for part in ("partition_key", "sort_key"):
        if before.get(part) != after.get(part):
            errors.append(
                DiffError(
                    (*path, part) if after.get(part) else path,
                    f"table {table_id}: the {part.replace('_', ' ')} changes from "
                    f"{_key_text(before.get(part))} to {_key_text(after.get(part))}, "
                    "which DynamoDB cannot change on an existing table",
                    "create a new table (a new table id) with the new key, copy the "
                    "items across, then remove the old table from the schema",
                )
            )
    old_indexes: Mapping[str, Any] = before["indexes"]
    new_indexes: Mapping[str, Any] = after["indexes"]
    for name in sorted(set(old_indexes) | set(new_indexes)):
        was, now = old_indexes.get(name), new_indexes.get(name)
        local = (was or {}).get("local") or (now or {}).get("local")
        where: tuple[str | int, ...] = (
            (*path, "indexes", name) if now is not None else (*path, "indexes")
        )
        if local and was != now:
            change = (
                "is added"
                if was is None
                else "is removed"
                if now is None
                else "changes"
            )
            errors.append(
                DiffError(
                    where,
                    f"table {table_id}: local index {name} {change}; DynamoDB creates "
                    "local indexes only with the table",
                    "create a new table (a new table id) with the local indexes you "
                    "want, copy the items across, then remove the old table",
                )
            )
        elif was is not None and now is not None and _gsi_shape(was) != _gsi_shape(now):
            errors.append(
                DiffError(
                    where,
                    f"table {table_id}: global index {name} changes its key or "
                    "projection, which DynamoDB cannot change on an existing index",
                    f"do it in two steps: remove {name} from the schema, build and "
                    "apply; then add it back with the new definition (or add it under "
                    "a new name first, move the queries to it, then drop the old one)",
                )
            )
    return errors


def _gsi_shape(index: Mapping[str, Any]) -> tuple[object, ...]:
    return (
        index["local"],
        index["partition_key"],
        index["sort_key"],
        index["projection"],
        tuple(index.get("include", ())),
    )


def _alter_table(
    table_id: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    old: State,
    new: State,
) -> list[Operation]:
    ops: list[Operation] = []
    old_replicas, new_replicas = before.get("replicas", []), after.get("replicas", [])
    for region in old_replicas:
        if region not in new_replicas:
            ops.append({"op": "delete_replica", "table": table_id, "region": region})
    if before.get("stream") != after.get("stream"):
        ops.append(
            {
                "op": "update_stream",
                "table": table_id,
                "before": before.get("stream"),
                "after": after.get("stream"),
            }
        )
    if before["billing"] != after["billing"]:
        operation: Operation = {
            "op": "update_billing",
            "table": table_id,
            "billing": after["billing"],
        }
        if after["billing"]["mode"] == "PROVISIONED":
            operation["indexes"] = sorted(
                n
                for n, i in after["indexes"].items()
                if not i["local"] and n in before["indexes"]
            )
        ops.append(operation)
    old_indexes, new_indexes = before["indexes"], after["indexes"]
    for name in old_indexes:
        if name not in new_indexes:
            ops.append({"op": "delete_index", "table": table_id, "index": name})
    added = [n for n in new_indexes if n not in old_indexes]
    backfills = _backfills(table_id, added, old, new)
    ops.extend(backfills)
    for name in added:
        index = new_indexes[name]
        definitions = [
            {"AttributeName": k["name"], "AttributeType": k["type"]}
            for k in (index["partition_key"], index["sort_key"])
            if k
        ]
        ops.append(
            {
                "op": "create_index",
                "table": table_id,
                "index": name,
                "definition": _gsi_definition(name, index, after["billing"]),
                "attribute_definitions": definitions,
            }
        )
    if before.get("ttl") != after.get("ttl"):
        if before.get("ttl"):
            ops.append(
                {
                    "op": "update_ttl",
                    "table": table_id,
                    "attribute": before["ttl"],
                    "enabled": False,
                }
            )
        if after.get("ttl"):
            ops.append(
                {
                    "op": "update_ttl",
                    "table": table_id,
                    "attribute": after["ttl"],
                    "enabled": True,
                }
            )
    for setting, kind in (
        ("point_in_time_recovery", "update_pitr"),
        ("deletion_protection", "update_deletion_protection"),
    ):
        if bool(before.get(setting)) != bool(after.get(setting)):
            ops.append(
                {"op": kind, "table": table_id, "enabled": bool(after.get(setting))}
            )
    if (before.get("table_class") or "STANDARD") != (
        after.get("table_class") or "STANDARD"
    ):
        ops.append(
            {
                "op": "update_table_class",
                "table": table_id,
                "table_class": after.get("table_class") or "STANDARD",
            }
        )
    old_tags, new_tags = before.get("tags", {}), after.get("tags", {})
    removed = sorted(k for k in old_tags if k not in new_tags)
    if removed:
        ops.append({"op": "untag_table", "table": table_id, "keys": removed})
    changed = {k: v for k, v in new_tags.items() if old_tags.get(k) != v}
    if changed:
        ops.append({"op": "tag_table", "table": table_id, "tags": changed})
    for region in new_replicas:
        if region not in old_replicas:
            ops.append({"op": "create_replica", "table": table_id, "region": region})
    return ops


def _backfills(
    table_id: str, added_indexes: list[str], old: State, new: State
) -> list[Operation]:
    """A backfill per entity that existed before and gains or changes a derived index key.

    Derived = given by a template (a plain attribute is stored as itself already). Only
    index key attributes count: the table's own key cannot change.
    """
    table = new["tables"][table_id]
    table_keys = {k["name"] for k in (table["partition_key"], table["sort_key"]) if k}
    ops: list[Operation] = []
    old_entities: Mapping[str, Any] = old.get("entities", {})
    for name, entity in new.get("entities", {}).items():
        before = old_entities.get(name)
        if entity["table"] != table_id or before is None:
            continue
        if before["table"] != table_id:
            continue
        changed = {
            attribute: source
            for attribute, source in entity["keys"].items()
            if attribute not in table_keys
            and "template" in source
            and before["keys"].get(attribute) != source
        }
        if not changed:
            continue
        indexes = sorted(
            index_name
            for index_name, index in table["indexes"].items()
            if any(
                k and k["name"] in changed
                for k in (index["partition_key"], index["sort_key"])
            )
        )
        ops.append(
            {
                "op": "backfill",
                "table": table_id,
                "entity": name,
                "type_attribute": table["type_attribute"],
                "type": entity["type"],
                "version": entity["version"],
                "key_attributes": sorted(table_keys),
                "indexes": indexes,
                "attributes": changed,
                "new_indexes": [i for i in indexes if i in added_indexes],
            }
        )
    return ops


# --------------------------------------------------------------------------------------
# Names and descriptions
# --------------------------------------------------------------------------------------


def describe(operation: Mapping[str, Any]) -> str:
    """One line saying what ``operation`` does, for files, plans and progress."""
    op, table = operation["op"], operation["table"]
    if op == "create_table":
        return f"create table {table}"
    if op == "delete_table":
        return f"delete table {table}"
    if op == "create_index":
        return f"create global index {operation['index']} on {table}"
    if op == "delete_index":
        return f"delete global index {operation['index']} from {table}"
    if op == "update_billing":
        billing = operation["billing"]
        mode = (
            "on demand"
            if billing["mode"] == "PAY_PER_REQUEST"
            else f"provisioned (read {billing['read']}, write {billing['write']})"
        )
        return f"set billing of {table} to {mode}"
    if op == "update_stream":
        return f"set stream of {table} to {operation['after'] or 'disabled'}"
    switches = {
        "update_ttl": f"TTL on {table}.{operation.get('attribute')}",
        "update_pitr": f"point-in-time recovery of {table}",
        "update_deletion_protection": f"deletion protection of {table}",
    }
    if op in switches:
        return f"{'enable' if operation['enabled'] else 'disable'} {switches[op]}"
    if op == "update_table_class":
        return f"set table class of {table} to {operation['table_class']}"
    if op == "tag_table":
        return f"tag {table} with {', '.join(sorted(operation['tags']))}"
    if op == "untag_table":
        return f"remove tags {', '.join(operation['keys'])} from {table}"
    if op == "create_replica":
        return f"add replica {operation['region']} of {table}"
    if op == "delete_replica":
        return f"remove replica {operation['region']} of {table}"
    if op == "backfill":
        return (
            f"backfill {', '.join(sorted(operation['attributes']))} of "
            f"{operation['entity']} items in {table}"
        )
    raise ValueError(f"unknown migration operation {op!r}")


def migration_name(operations: list[Operation], first: bool) -> str:
    """A readable file-name stem: ``initial``, ``add_index_gsi3``, ``update_shop``..."""
    if first:
        return "initial"
    kinds = [o for o in operations if o["op"] != "backfill"]
    if len(kinds) == 1 or len({o["op"] for o in kinds}) == 1:
        first_op = kinds[0] if kinds else operations[0]
        stems = {
            "create_table": "add_table",
            "delete_table": "remove_table",
            "create_index": "add_index",
            "delete_index": "remove_index",
        }
        stem = stems.get(first_op["op"], first_op["op"])
        subject = first_op.get("index") or first_op["table"]
        if len(kinds) > 1:
            subject = "_".join(
                sorted({str(o.get("index") or o["table"]) for o in kinds})
            )
        return _slug(f"{stem}_{subject}")
    tables = sorted({o["table"] for o in operations})
    return _slug(f"update_{'_'.join(tables)}")


def _slug(text: str) -> str:
    out = "".join(c.lower() if c.isalnum() else "_" for c in text)
    while "__" in out:
        out = out.replace("__", "_")
    return out.strip("_")[:60] or "migration"
