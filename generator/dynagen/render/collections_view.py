"""The view of ``collection_queries.py``: each collection's grouped dataclass, its
item decoder (the dispatch the model decided), and the ``Database`` methods.

The methods live on ``DatabaseCollections``, which ``Database`` subclasses, so the
collection code stays in its own module and ``database.py`` only names the base.
"""

from __future__ import annotations

from dataclasses import dataclass

from dynagen.model.collections import Collection
from dynagen.model.expressions.placeholders import attribute_name as name_placeholder
from dynagen.model.naming import isort_key
from dynagen.model.schema import KeyRange, Model
from dynagen.model.types import EnumType
from dynagen.render import codecs
from dynagen.render.key_bounds import bound_expression
from dynagen.render.python import decoder, import_block, literal


@dataclass(frozen=True, slots=True)
class MemberView:
    entity: str
    plural: str
    decode: str
    segments: str  # a Python literal of the sort-key shape (``sort_key`` dispatch)


@dataclass(frozen=True, slots=True)
class CollectionView:
    name: str
    class_name: str
    summary: str
    doc: str | None
    params: tuple[tuple[str, str], ...]  # (py_name, annotation)
    item_type: str  # ``Order | OrderItem``
    members: tuple[MemberView, ...]
    dispatch: str  # "type" or "sort_key"
    dispatch_attribute: str  # the type attribute or the sort key
    key_names: str  # a Python tuple literal
    decoder: str  # the module-level decoder's name
    group: str  # the module-level grouping function's name
    request: tuple[tuple[str, str], ...]  # (request key, Python expression)
    values: tuple[tuple[str, str], ...]  # (placeholder, wire value expression)
    digest_args: str
    key_range: str  # the rt.KeyRange of the key condition


@dataclass(frozen=True, slots=True)
class CollectionsView:
    imports: tuple[str, ...]  # standard-library import lines
    models_imports: tuple[str, ...]
    collections: tuple[CollectionView, ...]


def collections_view(model: Model) -> CollectionsView:
    views = tuple(collection_view(c) for c in model.collections)
    models_imports: set[str] = set()
    imports = [
        "from collections.abc import Callable, Iterable, Mapping",
        "from dataclasses import dataclass",
        "from typing import Any",
    ]
    for collection in model.collections:
        for member in collection.members:
            models_imports |= {member.entity.name, decoder(member.entity.name)}
        for param in collection.params:
            if isinstance(param.type, EnumType):
                models_imports.add(param.type.name)
            imports += sorted(codecs.scalar_imports(param.type))
    return CollectionsView(
        imports=import_block(imports),
        models_imports=tuple(sorted(models_imports, key=isort_key)),
        collections=views,
    )


def collection_view(collection: Collection) -> CollectionView:
    table = collection.table
    first = collection.members[0].entity
    params = {p.name: p for p in collection.params}
    partition = collection.partition
    names = {name_placeholder(partition.attribute.name): partition.attribute.name}
    values = [
        (
            ":__k0",
            bound_expression(
                first, partition, partition.bounds[0], params, collection.name
            ),
        )
    ]
    request: list[tuple[str, str]] = [
        ("TableName", f"self._table_names[{literal(table.id)}]")
    ]
    if collection.index is not None:
        request.append(("IndexName", literal(collection.index.name)))
    key_range = KeyRange(
        f"{name_placeholder(partition.attribute.name)} = :__k0", ":__k0"
    )
    request.append(("KeyConditionExpression", literal(key_range.text)))
    if collection.filter_members:
        type_placeholder = name_placeholder(table.type_attribute)
        names[type_placeholder] = table.type_attribute
        members = []
        for i, member in enumerate(collection.members):
            members.append(f":__t{i}")
            values.append((f":__t{i}", f'{{"S": {literal(member.entity.name)}}}'))
        request.append(
            (
                "FilterExpression",
                literal(f"{type_placeholder} IN ({', '.join(members)})"),
            )
        )
    request.append(("ExpressionAttributeNames", repr(dict(sorted(names.items())))))
    request.append(
        (
            "ExpressionAttributeValues",
            "{" + ", ".join(f"{literal(p)}: {v}" for p, v in values) + "}",
        )
    )
    if collection.descending:
        request.append(("ScanIndexForward", "False"))
    if collection.consistent:
        request.append(("ConsistentRead", "True"))
    entities = ", ".join(f"`{m.entity.name}`" for m in collection.members)
    order = "descending" if collection.descending else "ascending"
    where = "" if collection.index is None else f" on index `{collection.index.name}`"
    return CollectionView(
        name=collection.name,
        class_name=collection.class_name,
        summary=(
            f"Query ``{collection.source}``{where}: the {entities} items of one "
            f"partition, in {order} sort-key order"
        ),
        doc=collection.doc,
        params=tuple((p.py_name, codecs.annotation(p.type)) for p in collection.params),
        item_type=" | ".join(m.entity.name for m in collection.members),
        members=tuple(
            MemberView(
                entity=m.entity.name,
                plural=m.plural,
                decode=decoder(m.entity.name),
                segments=repr(m.sort_segments),
            )
            for m in collection.members
        ),
        dispatch=collection.dispatch,
        dispatch_attribute=(
            table.type_attribute if collection.sort_key is None else collection.sort_key
        ),
        key_names=repr(collection.key_names),
        decoder=f"_decode_{collection.name}",
        group=f"_group_{collection.name}",
        request=tuple(request),
        values=tuple(values),
        digest_args=", ".join(p.py_name for p in collection.params),
        key_range=codecs.key_range(key_range),
    )
