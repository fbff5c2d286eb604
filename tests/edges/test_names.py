"""Python names (issue 17.5): the generated code's own locals, parameters and value
placeholders never share a namespace with the schema's names.

The names to test are not listed by hand: they are every name the generated methods and
functions of ``schemas/shop.yaml``'s package bind or read (locals, parameters,
comprehension and ``except`` targets, builtins and module functions they call), taken
from its syntax tree, plus Python keywords and dunder-like names. A schema whose
attributes, key fields and parameters are all of those must build, pass ``mypy
--strict``, and work on both servers.
"""

from __future__ import annotations

import ast
import builtins
import keyword
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from dynagen.model.naming import py_identifier
from dynagen.resources import RUNTIME_PACKAGE

from tests.backends import Backend
from tests.edges._support import (
    Built,
    assert_mypy_strict,
    built,
    compile_files,
    database,
)

ROOT = Path(__file__).resolve().parents[2]

#: Names that broke the generated code before it named its locals ``_name`` (issue 17),
#: and names that break Python if used carelessly.
EXTRA = ["sets", "removes", "condition", "request", "response", "current", "stored"]
EXTRA += ["old", "error", "item", "__one", "__zero", "__init__", "__slots__"]
EXTRA += ["__class__", "_", "__", "cls", "decode_thing", "thing_key_item"]
#: Names given their own role in the schema below (keys, version, timestamps).
ROLES = {
    "key": "string",
    "self": "string",
    "values": "string",
    "__one": "string",
    "names": "string",
    "now": "string",
}


#: The lazy-loading hooks (module and ``Database`` ``__getattr__``/``__dir__``, issue 16):
#: their only parameters are ``name`` and ``self``, so the builtins they call
#: (``getattr``, ``globals``, ``type``) can never be shadowed by a schema name.
LAZY_HOOKS = {"__getattr__", "__dir__"}


def generated_names() -> list[str]:
    """Every name bound or read inside a function of the example package's modules
    (all but the copied run-time ones), that does not start with a capital (classes and
    constants are covered by the schema's class-name rules)."""
    files = compile_files(Path(ROOT / "build" / "names-probe"), _shop_schema())
    found: set[str] = set()
    for path, text in files.items():
        copied = path.startswith(f"{RUNTIME_PACKAGE}/")
        if (
            not path.endswith(".py")
            or copied
            or path.rsplit("/", 1)[-1].startswith("_")
        ):
            continue  # the run-time modules never see a schema name
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.FunctionDef):
                continue
            if node.name in LAZY_HOOKS:
                continue  # binds only `name`/`self`: no schema name reaches its scope
            args = node.args
            found.update(a.arg for a in [*args.args, *args.kwonlyargs])
            for inner in ast.walk(node):
                if isinstance(inner, ast.Name):
                    found.add(inner.id)
                elif isinstance(inner, ast.ExceptHandler) and inner.name:
                    found.add(inner.name)
    return sorted(n for n in found if not n[:1].isupper())


def _shop_schema() -> str:
    return (ROOT / "schemas" / "shop.yaml").read_text(encoding="utf-8")


TYPES = ["string", "int", "decimal", "set<string>", "list<int>", "bool", "json"]


def schema(names: list[str]) -> str:
    reserved_here = {"pk", "sk", "gsi1pk", "gsi1sk", "_type"}
    plain = [
        n
        for n in dict.fromkeys([*names, *EXTRA, *keyword.kwlist])
        if n not in reserved_here and n not in ROLES and n not in ("version", "one")
    ]
    lines = [
        "dynagen: 1",
        "package: edges_names",
        "tables:",
        "  Main:",
        "    partition_key: pk",
        "    sort_key: sk",
        "    type_attribute: _type",
        "    indexes:",
        "      gsi1: {partition_key: gsi1pk, sort_key: gsi1sk}",
        "entities:",
        "  Thing:",
        "    table: Main",
        "    key:",
        '      pk: "T#{key}#{self}"',
        '      sk: "V#{values}#{__one}"',
        '      gsi1pk: "N#{names}"',
        '      gsi1sk: "W#{now}"',
        "    attributes:",
        *[f"      {n}: string" for n in ROLES],
        "      version: {type: int, version: true}",
        "      one: {type: datetime, auto: updated}",
        "      zero: {type: datetime, auto: created}",
    ]
    used = {"condition": "int", "request": "string", "response": "string"}
    used["error"] = "string"
    used["__zero"] = "set<string>"
    for i, name in enumerate(plain):
        t = used.get(name, TYPES[i % len(TYPES)])
        lines.append(f"      {name}: {{type: {t}, optional: true}}")
    lines += [
        "    queries:",
        "      by_names: {index: gsi1, key: 'names = :self and now >= :values'}",
        "      mine: {key: 'key = :key and self = :self', filter: 'request = :response'}",
        "    updates:",
        "      swap:",
        "        update: SET request = :response, response = :request ADD condition :names",
        "        condition: attribute_not_exists(error) OR error = :_key",
        "      rename: {update: 'SET names = :value, now = :__two'}",
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def names() -> list[str]:
    found = generated_names()
    # the derivation must see the generated side of the namespace at all
    assert {"self", "consistent", "expected_version", "rt"} <= set(found)
    assert len(found) > 60
    return found


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory, names: list[str]) -> Iterator[Built]:
    with built(tmp_path_factory.mktemp("edges_names"), schema(names)) as package:
        yield package


def test_the_package_passes_mypy_strict(pkg: Built) -> None:
    assert_mypy_strict(pkg)


def test_python_names_follow_the_rule(names: list[str]) -> None:
    assert py_identifier("self") == "self_"
    assert py_identifier("__one") == "__one__"
    assert py_identifier("__init__") == "__init___"
    assert py_identifier("_names") == "_names_"
    assert py_identifier("class") == "class_"
    assert py_identifier("status") == "status"
    assert py_identifier("decode_thing") == "decode_thing_"
    # every generated local starts with "_" and never ends with it; no schema name
    # that starts with "_" keeps that shape
    assert all(py_identifier(n).endswith("_") for n in names if n.startswith("_"))
    # every builtin and module-level function the generated code calls is renamed
    module_level = set(dir(builtins)) | {"rt", "replace", "datetime"}
    module_level |= {n for n in names if n.startswith(("decode_", "encode_"))}
    module_level |= {n for n in names if n.endswith("_key_item")}
    kept = [n for n in names if n in module_level and py_identifier(n) == n]
    assert kept == []


NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def db(backend: Backend, pkg: Built) -> Iterator[Any]:
    with database(backend, pkg, clock=lambda: NOW) as db:
        yield db


def _key(**extra: Any) -> dict[str, Any]:
    return {"key": "k", "self_": "s", "values": "v", "__one__": "o", **extra}


def test_every_method_works(db: Any, pkg: Built) -> None:
    p = pkg.package
    thing = p.Thing(**_key(names="n", now="w"))
    created = db.thing.create(thing)
    assert created.version == 1 and created.one == NOW and created.zero == NOW
    got = db.thing.get(**_key())
    assert got == created
    updated = db.thing.update(
        **_key(),
        expected_version=1,
        request="req",
        response="resp",
        names="n2",
        now="w2",
        __zero__={"z"},
    )
    assert (updated.request, updated.response, updated.__zero__, updated.version) == (
        "req",
        "resp",
        {"z"},
        2,
    )
    assert list(db.thing.by_names(self_="n2", values="w").all()) == [updated]
    assert list(db.thing.mine(key="k", self_="s", response="req").all()) == [updated]
    swapped = db.thing.swap(**_key(), response="a", request="b", names=5, _key_="x")
    assert (swapped.request, swapped.response, swapped.condition, swapped.version) == (
        "a",
        "b",
        5,
        3,
    )
    renamed = db.thing.rename(**_key(), value="n3", __two__="w3")
    assert (renamed.names, renamed.now, renamed.version) == ("n3", "w3", 4)
    with pytest.raises(p.VersionConflictError):
        db.thing.update(**_key(), expected_version=1, request="x")
    with pytest.raises(p.NotFoundError) as caught:
        db.thing.update(**_key(values="missing"), request="x")
    assert caught.value.key == db.thing.key(**_key(values="missing"))
    assert db.thing.delete(**_key(), expected_version=4) == renamed
    assert db.thing.get(**_key()) is None
