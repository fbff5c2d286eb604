"""The JSON Schema of the schema language (schemas/dynagen.schema.json).

Checks that the schema is a valid Draft 2020-12 schema, that every example and
test-case schema validates against it, that broken documents are rejected for the
right reason, and that every property and definition is documented (editors show
descriptions on hover).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "schemas" / "dynagen.schema.json"

Doc = dict[str, Any]


def load_schema() -> dict[str, Any]:
    data = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


SCHEMA = load_schema()
VALIDATOR = Draft202012Validator(SCHEMA)


def load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def document_paths() -> list[Path]:
    """Every YAML schema under schemas/ and every test case that is expected to build.

    Cases with a `stderr.txt` are expected to fail (possibly in the JSON Schema itself),
    so they are left out.
    """
    examples = sorted([*ROOT.glob("schemas/*.yaml"), *ROOT.glob("schemas/*.yml")])
    examples += sorted(ROOT.glob("tests/*/schema.yaml"))  # the suites' own models
    cases = sorted(
        p
        for p in ROOT.glob("tests/cases/**/schema.yaml")
        if not (p.parent / "stderr.txt").exists()
    )
    return [*examples, *cases]


def all_errors(doc: object) -> list[ValidationError]:
    """Every validation error, including the ones nested in anyOf/oneOf contexts."""

    def walk(errors: list[ValidationError]) -> Iterator[ValidationError]:
        for error in errors:
            yield error
            if error.context:
                yield from walk(list(error.context))

    return list(walk(list(VALIDATOR.iter_errors(doc))))


def describe(errors: list[ValidationError]) -> str:
    return "\n".join(
        f"{list(e.absolute_path)} [{e.validator}] {e.message}" for e in errors
    )


# ------------------------------------------------------------------------------------
# (a) the schema itself


def test_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"].startswith("https://")
    assert SCHEMA["title"]
    assert SCHEMA["description"]


def test_every_ref_resolves() -> None:
    refs: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                refs.append(ref)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(SCHEMA)
    assert refs
    defs = SCHEMA["$defs"]
    for ref in refs:
        assert ref.startswith("#/$defs/"), ref
        assert ref.removeprefix("#/$defs/") in defs, ref


# ------------------------------------------------------------------------------------
# (b) every example and test-case schema validates


@pytest.mark.parametrize(
    "path", document_paths(), ids=lambda p: str(p.relative_to(ROOT))
)
def test_document_validates(path: Path) -> None:
    doc = load_yaml(path)
    errors = all_errors(doc)
    assert not errors, f"{path}:\n{describe(errors)}"


def test_examples_exist() -> None:
    names = {p.name for p in document_paths()}
    assert {"shop.yaml", "library.yaml"} <= names


def test_examples_point_editors_at_the_schema() -> None:
    for path in sorted(ROOT.glob("schemas/*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=dynagen.schema.json", path


# ------------------------------------------------------------------------------------
# (c) broken documents are rejected for the right reason

MINIMAL_YAML = """
dynagen: 1
package: shop
enums:
  OrderStatus: [pending, paid]
types:
  Address:
    city: string
tables:
  Shop:
    partition_key: pk
    sort_key: {name: sk, type: S}
    stream: new_and_old_images
    indexes:
      gsi1:
        partition_key: gsi1pk
        sort_key: gsi1sk
        projection: all
      by_total:
        local: true
        sort_key: {name: total, type: N}
        projection: keys_only
entities:
  Customer:
    table: Shop
    key:
      pk: "CUSTOMER#{customer_id}"
      sk: "PROFILE"
    attributes:
      customer_id: string
      name: {type: string, optional: true}
      status: {type: enum, values: [active, suspended], default: active}
      created_at: {type: datetime, auto: created}
      version: {type: int, version: true}
    queries:
      by_email:
        key: email = :email
    updates:
      rename:
        update: SET name = :name
    views:
      summary: [name, status]
"""


def minimal() -> Doc:
    doc = yaml.safe_load(MINIMAL_YAML)
    assert isinstance(doc, dict)
    return doc


def test_minimal_document_is_valid() -> None:
    assert all_errors(minimal()) == []


def table(doc: Doc) -> Doc:
    result: Doc = doc["tables"]["Shop"]
    return result


def customer(doc: Doc) -> Doc:
    result: Doc = doc["entities"]["Customer"]
    return result


def attrs(doc: Doc) -> Doc:
    result: Doc = customer(doc)["attributes"]
    return result


Mutation = Callable[[Doc], object]

TABLE = ("tables", "Shop")
CUSTOMER = ("entities", "Customer")
ATTRS = (*CUSTOMER, "attributes")

# (id, mutation, expected validator, expected absolute path, fragment of the message)
BROKEN: list[tuple[str, Mutation, str, tuple[str | int, ...], str]] = [
    (
        "unknown top-level key",
        lambda d: d.update(entitys={}),
        "additionalProperties",
        (),
        "'entitys' was unexpected",
    ),
    (
        "unknown key in a table",
        lambda d: table(d).update(sortkey="sk"),
        "additionalProperties",
        TABLE,
        "'sortkey' was unexpected",
    ),
    (
        "unknown key in an attribute",
        lambda d: attrs(d)["name"].update(optinal=True),
        "additionalProperties",
        (*ATTRS, "name"),
        "'optinal' was unexpected",
    ),
    (
        "unknown key in an index",
        lambda d: table(d)["indexes"]["gsi1"].update(projected="all"),
        "additionalProperties",
        (*TABLE, "indexes", "gsi1"),
        "'projected' was unexpected",
    ),
    (
        "unknown key in an entity",
        lambda d: customer(d).update(keys={}),
        "additionalProperties",
        CUSTOMER,
        "'keys' was unexpected",
    ),
    (
        "unknown key in a query",
        lambda d: customer(d)["queries"]["by_email"].update(limit=10),
        "additionalProperties",
        (*CUSTOMER, "queries", "by_email"),
        "'limit' was unexpected",
    ),
    (
        "wrong stream view type",
        lambda d: table(d).update(stream="new_images"),
        "enum",
        (*TABLE, "stream"),
        "'new_images' is not one of",
    ),
    (
        "missing dynagen",
        lambda d: d.pop("dynagen"),
        "required",
        (),
        "'dynagen' is a required property",
    ),
    (
        "dynagen: 2",
        lambda d: d.update(dynagen=2),
        "const",
        ("dynagen",),
        "1 was expected",
    ),
    (
        "missing package",
        lambda d: d.pop("package"),
        "required",
        (),
        "'package' is a required property",
    ),
    (
        "non-identifier package",
        lambda d: d.update(package="my-shop"),
        "pattern",
        ("package",),
        "'my-shop' does not match",
    ),
    (
        "package named like a keyword",
        lambda d: d.update(package="class"),
        "not",
        ("package",),
        "should not be valid",
    ),
    (
        "index name too short",
        lambda d: table(d)["indexes"].update(ab={"partition_key": "x"}),
        "pattern",
        (*TABLE, "indexes"),
        "'ab' does not match",
    ),
    (
        "index name with a space",
        lambda d: table(d)["indexes"].update({"gsi 2": {"partition_key": "x"}}),
        "pattern",
        (*TABLE, "indexes"),
        "'gsi 2' does not match",
    ),
    (
        "table name too short",
        lambda d: table(d).update(name="ab"),
        "pattern",
        (*TABLE, "name"),
        "'ab' does not match",
    ),
    (
        "table without partition key",
        lambda d: table(d).pop("partition_key"),
        "required",
        TABLE,
        "'partition_key' is a required property",
    ),
    (
        "bad key attribute type",
        lambda d: table(d).update(sort_key={"name": "sk", "type": "SS"}),
        "enum",
        (*TABLE, "sort_key", "type"),
        "'SS' is not one of",
    ),
    (
        "provisioned capacity below 1",
        lambda d: table(d).update(billing={"provisioned": {"read": 0, "write": 5}}),
        "minimum",
        (*TABLE, "billing", "provisioned", "read"),
        "less than the minimum",
    ),
    (
        "unknown billing mode",
        lambda d: table(d).update(billing="pay_per_request"),
        "const",
        (*TABLE, "billing"),
        "'on_demand' was expected",
    ),
    (
        "bad replica region",
        lambda d: table(d).update(replicas=["Europe"]),
        "pattern",
        (*TABLE, "replicas", 0),
        "'Europe' does not match",
    ),
    (
        "global index without partition key",
        lambda d: table(d)["indexes"]["gsi1"].pop("partition_key"),
        "required",
        (*TABLE, "indexes", "gsi1"),
        "'partition_key' is a required property",
    ),
    (
        "local index without sort key",
        lambda d: table(d)["indexes"]["by_total"].pop("sort_key"),
        "required",
        (*TABLE, "indexes", "by_total"),
        "'sort_key' is a required property",
    ),
    (
        "local index with its own partition key",
        lambda d: table(d)["indexes"]["by_total"].update(partition_key="pk"),
        "not",
        (*TABLE, "indexes", "by_total"),
        "should not be valid",
    ),
    (
        "unknown projection",
        lambda d: table(d)["indexes"]["gsi1"].update(projection="keys"),
        "enum",
        (*TABLE, "indexes", "gsi1", "projection"),
        "'keys' is not one of",
    ),
    (
        "entity without attributes",
        lambda d: customer(d).pop("attributes"),
        "required",
        CUSTOMER,
        "'attributes' is a required property",
    ),
    (
        "entity without table",
        lambda d: customer(d).pop("table"),
        "required",
        CUSTOMER,
        "'table' is a required property",
    ),
    (
        "attribute name not an identifier",
        lambda d: attrs(d).update({"first-name": "string"}),
        "pattern",
        ATTRS,
        "'first-name' does not match",
    ),
    (
        "unknown attribute type syntax",
        lambda d: attrs(d).update(lines="list<>"),
        "pattern",
        (*ATTRS, "lines"),
        "'list<>' does not match",
    ),
    (
        "set of floats",
        lambda d: attrs(d).update(scores="set<float>"),
        "pattern",
        (*ATTRS, "scores"),
        "'set<float>' does not match",
    ),
    (
        "inline enum without values",
        lambda d: attrs(d)["status"].pop("values"),
        "required",
        (*ATTRS, "status"),
        "'values' is a required property",
    ),
    (
        "values on a non-enum attribute",
        lambda d: attrs(d)["name"].update(values=["a"]),
        "const",
        (*ATTRS, "name", "type"),
        "'enum' was expected",
    ),
    (
        "bare enum type string",
        lambda d: attrs(d).update(kind="enum"),
        "pattern",
        (*ATTRS, "kind"),
        "'enum' does not match",
    ),
    (
        "duplicate enum values",
        lambda d: d["enums"].update(OrderStatus=["paid", "paid"]),
        "uniqueItems",
        ("enums", "OrderStatus"),
        "non-unique",
    ),
    (
        "empty enum",
        lambda d: d["enums"].update(OrderStatus=[]),
        "minItems",
        ("enums", "OrderStatus"),
        "should be non-empty",
    ),
    (
        "unknown auto value",
        lambda d: attrs(d)["created_at"].update(auto="deleted"),
        "enum",
        (*ATTRS, "created_at", "auto"),
        "'deleted' is not one of",
    ),
    (
        "auto on a string",
        lambda d: attrs(d)["created_at"].update(type="string"),
        "enum",
        (*ATTRS, "created_at", "type"),
        "'string' is not one of ['datetime', 'epoch']",
    ),
    (
        "version on a string",
        lambda d: attrs(d)["version"].update(type="string"),
        "const",
        (*ATTRS, "version", "type"),
        "'int' was expected",
    ),
    (
        "attribute object without type",
        lambda d: attrs(d)["name"].pop("type"),
        "required",
        (*ATTRS, "name"),
        "'type' is a required property",
    ),
    (
        "malformed key template",
        lambda d: customer(d)["key"].update(pk="CUSTOMER#{customer id}"),
        "pattern",
        (*CUSTOMER, "key", "pk"),
        "does not match",
    ),
    (
        "unknown query order",
        lambda d: customer(d)["queries"]["by_email"].update(order="descending"),
        "enum",
        (*CUSTOMER, "queries", "by_email", "order"),
        "'descending' is not one of",
    ),
    (
        "update without an update expression",
        lambda d: customer(d)["updates"]["rename"].pop("update"),
        "required",
        (*CUSTOMER, "updates", "rename"),
        "'update' is a required property",
    ),
    (
        "empty view",
        lambda d: customer(d)["views"].update(summary=[]),
        "minItems",
        (*CUSTOMER, "views", "summary"),
        "should be non-empty",
    ),
    (
        "type field with an unknown key",
        lambda d: d["types"]["Address"].update(
            city={"type": "string", "nullable": True}
        ),
        "additionalProperties",
        ("types", "Address", "city"),
        "'nullable' was unexpected",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "validator", "path", "fragment"),
    [pytest.param(m, v, p, f, id=i) for i, m, v, p, f in BROKEN],
)
def test_broken_document_is_rejected(
    mutate: Mutation, validator: str, path: tuple[str | int, ...], fragment: str
) -> None:
    doc = minimal()
    mutate(doc)
    errors = all_errors(doc)
    assert errors, "document was accepted"
    matching = [
        e
        for e in errors
        if e.validator == validator
        and tuple(e.absolute_path) == path
        and fragment in e.message
    ]
    assert matching, (
        f"expected [{validator}] at {list(path)} with {fragment!r}, got:\n"
        + describe(errors)
    )


def test_broken_yaml_text_is_rejected() -> None:
    """The same checks hold for a document loaded from YAML text."""
    doc = yaml.safe_load("dynagen: 2\npackage: 1shop\nextra: true\n")
    found = {(e.validator, tuple(e.absolute_path)) for e in all_errors(doc)}
    assert ("const", ("dynagen",)) in found
    assert ("pattern", ("package",)) in found
    assert ("additionalProperties", ()) in found


ACCEPTED_TYPES = [
    "string",
    "int",
    "float",
    "decimal",
    "bool",
    "bytes",
    "datetime",
    "date",
    "epoch",
    "uuid",
    "json",
    "list<string>",
    "list<map<int>>",
    "map<list<OrderLine>>",
    "set<string>",
    "set<int>",
    "set<bytes>",
    "Address",
    "OrderStatus",
]
REJECTED_TYPES = [
    "",
    "enum",
    "1abc",
    "list<>",
    "list",
    "Foo<int>",
    "set<float>",
    "list<int",
]


@pytest.mark.parametrize("type_name", ACCEPTED_TYPES)
def test_type_expression_accepted(type_name: str) -> None:
    doc = minimal()
    attrs(doc)["extra"] = type_name
    attrs(doc)["extra_full"] = {"type": type_name, "optional": True}
    assert all_errors(doc) == []


@pytest.mark.parametrize("type_name", REJECTED_TYPES)
def test_type_expression_rejected(type_name: str) -> None:
    doc = minimal()
    attrs(doc)["extra"] = type_name
    assert all_errors(doc)


def test_string_or_object_shorthands_accepted() -> None:
    doc = minimal()
    table(doc)["partition_key"] = {"name": "pk"}
    table(doc)["billing"] = {"provisioned": {"read": 1, "write": 1}}
    table(doc)["indexes"]["gsi1"]["projection"] = {"include": ["name", "status"]}
    table(doc)["indexes"]["inverted"] = {"partition_key": "sk", "sort_key": "pk"}
    table(doc)["replicas"] = ["eu-west-1", "us-gov-west-1"]
    table(doc)["tags"] = {"team": "core"}
    customer(doc)["queries"]["scan_all"] = {}
    assert all_errors(doc) == []


# ------------------------------------------------------------------------------------
# (d) everything is documented


# Keywords whose values are instance data, not schemas.
DATA_KEYWORDS = frozenset({"examples", "default", "const", "enum"})
# Keywords whose values map names to schemas.
NAMED_SCHEMAS = frozenset(
    {"properties", "$defs", "dependentSchemas", "patternProperties"}
)


def subschemas(
    node: object, where: str = "#", names: bool = False
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object in the schema document, with a JSON-pointer-like location.

    `names` is true when `node` maps names to schemas (the value of `properties`, ...).
    """
    if isinstance(node, dict):
        if not names:
            yield where, node
        for key, value in node.items():
            if not names and key in DATA_KEYWORDS:
                continue
            child_names = not names and key in NAMED_SCHEMAS
            yield from subschemas(value, f"{where}/{key}", child_names)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from subschemas(item, f"{where}/{index}")


def test_every_property_has_a_description() -> None:
    missing = []
    checked = 0
    for where, node in subschemas(SCHEMA):
        properties = node.get("properties")
        if not isinstance(properties, dict):
            continue
        for name, prop in properties.items():
            checked += 1
            if not (
                isinstance(prop, dict) and isinstance(prop.get("description"), str)
            ):
                missing.append(f"{where}/properties/{name}")
            elif not prop["description"].strip():
                missing.append(f"{where}/properties/{name} (empty)")
    assert checked > 50
    assert not missing, "properties without a description:\n" + "\n".join(missing)


def test_every_def_has_a_description() -> None:
    defs = SCHEMA["$defs"]
    assert defs
    missing = [
        name
        for name, sub in defs.items()
        if not (isinstance(sub, dict) and str(sub.get("description", "")).strip())
    ]
    assert not missing, f"$defs without a description: {missing}"


def test_every_closed_object_is_closed() -> None:
    """Every object shape with properties rejects unknown keys."""
    open_objects = [
        where
        for where, node in subschemas(SCHEMA)
        if node.get("type") == "object"
        and "properties" in node
        and node.get("additionalProperties") is not False
    ]
    assert not open_objects
    assert SCHEMA["additionalProperties"] is False


def test_documented_defaults() -> None:
    defs = SCHEMA["$defs"]
    table_props = defs["Table"]["properties"]
    assert table_props["type_attribute"]["default"] == "_type"
    assert defs["Billing"]["default"] == "on_demand"
    assert table_props["table_class"]["default"] == "standard"
    assert defs["Query"]["properties"]["order"]["default"] == "asc"
    assert defs["KeyType"]["default"] == "S"
    assert defs["Index"]["properties"]["local"]["default"] is False
    assert defs["AttributeObject"]["properties"]["optional"]["default"] is False
