"""The derived-writes rule as a property (SPEC §4, issue #8), on each backend.

A seeded generator writes a schema of many entities on one table whose four global
indexes get random key templates over required, optional and ``auto`` fields (and the
version); declared updates that break the rule's build errors are left out. Hypothesis
then draws an entity and a random sequence of writes (create, put, update, declared
updates, batch_put); after each one, every derived key attribute of the stored item
must equal what the templates give for the stored item — computed here, from the raw
item, independently of the generated code — with a sparse index's attributes all
present or all absent. ``update`` may refuse with ``ValueError`` (before any request)
only where the rule says it cannot know a template's value.
"""

from __future__ import annotations

import importlib
import random
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from dynagen.output import write
from dynagen.pipeline import compile_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.backends import Backend
from tests.generated_package import imported_package
from tests.repository._support import schema_tables

PACKAGE = "derivedrule"
INDEXES = 4
ENTITIES = 14
PLAIN = ("s1", "n1", "o1", "o2")  # fields a write may set
OPTIONAL = ("o1", "o2")


#: Declared updates every entity is offered: (name, update, options).
UPDATES = (
    ("set_s1", "SET s1 = :s1", ""),
    ("set_o1", "SET o1 = :o1", ""),
    ("drop_o1", "REMOVE o1", ""),
    ("set_o2_n1", "SET o2 = :o2, n1 = :n1", ""),
    ("drop_o2", "REMOVE o2", ""),
    ("bump_n1", "SET n1 = n1 + :d", ""),
    ("quiet_o1", "SET o1 = :o1", ", touch: false"),
    ("quiet_s1", "SET s1 = 'fixed'", ", touch: false"),
    ("up_s1_n1", "SET s1 = :s1, n1 = :n1", ", upsert: true"),
    ("up_o2", "SET o2 = :o2, s1 = :s1, n1 = :n1", ", upsert: true, touch: false"),
)
UPSERTS = [name for name, _, options in UPDATES if "upsert" in options]


@dataclass
class EntitySpec:
    name: str
    updated: bool
    versioned: bool
    templates: dict[
        int, tuple[tuple[str, ...], tuple[str, ...]]
    ]  # index → pk, sk fields
    updates: dict[str, tuple[str, str]] = field(
        default_factory=dict
    )  # name → (text, touch)

    @property
    def fields(self) -> tuple[str, ...]:
        extra = ("updated_at",) * self.updated + ("version",) * self.versioned
        return ("id", *PLAIN, "created_at", *extra)


def random_specs(seed: int = 8) -> list[EntitySpec]:
    rng = random.Random(seed)
    specs = []
    for i in range(ENTITIES):
        spec = EntitySpec(f"E{i}", rng.random() < 0.7, rng.random() < 0.5, {})
        for j in range(INDEXES):
            if rng.random() < 0.3:
                continue
            choices = [f for f in spec.fields if f != "id"] + ["id"]
            pk = tuple(rng.sample(choices, rng.randint(0, 2)))
            sk = tuple(rng.sample(choices, rng.randint(0, 2)))
            spec.templates[j] = (pk, sk)
        spec.updates = {name: (text, options) for name, text, options in UPDATES}
        specs.append(spec)
    return specs


def template(spec: EntitySpec, index: int, part: int) -> str:
    names = spec.templates[index][part]
    literal = f"{spec.name}G{index}{'PK' if part == 0 else 'SK'}"
    return "#".join([literal, *(f"{{{n}}}" for n in names)])


def schema_text(specs: list[EntitySpec]) -> tuple[str, dict[int, tuple[str, str]]]:
    """The schema, and for each line of a declared update (entity, update name)."""
    lines = [
        "dynagen: 1",
        f"package: {PACKAGE}",
        "tables:",
        "  TBL:",
        "    partition_key: PK",
        "    sort_key: SK",
        "    indexes:",
    ]
    for j in range(INDEXES):
        lines.append(f"      GSI{j}: {{partition_key: G{j}PK, sort_key: G{j}SK}}")
    lines.append("entities:")
    where: dict[int, tuple[str, str]] = {}
    for spec in specs:
        lines += [
            f"  {spec.name}:",
            "    table: TBL",
            "    key:",
            f'      PK: "{spec.name}#{{id}}"',
            f'      SK: "{spec.name}"',
        ]
        for j in sorted(spec.templates):
            lines.append(f'      G{j}PK: "{template(spec, j, 0)}"')
            lines.append(f'      G{j}SK: "{template(spec, j, 1)}"')
        lines += [
            "    attributes:",
            "      id: string",
            "      s1: string",
            "      n1: int",
            "      o1: {type: string, optional: true}",
            "      o2: {type: int, optional: true}",
            "      created_at: {type: datetime, auto: created}",
        ]
        if spec.updated:
            lines.append("      updated_at: {type: datetime, auto: updated}")
        if spec.versioned:
            lines.append("      version: {type: int, version: true}")
        if spec.updates:
            lines.append("    updates:")
            for name, (text, options) in spec.updates.items():
                where[len(lines) + 1] = (spec.name, name)
                quoted = '"' + text + '"'
                lines.append(f"      {name}: {{update: {quoted}{options}}}")
    return "\n".join(lines) + "\n", where


def build(root: Path) -> tuple[Path, list[EntitySpec]]:
    """Build the random schema, leaving out the declared updates it refuses."""
    specs = random_specs()
    schema = root / "schema.yaml"
    for _ in range(10):
        text, where = schema_text(specs)
        schema.write_text(text, encoding="utf-8")
        result = compile_schema(schema, "schema.yaml")
        if result.ok:
            assert result.files is not None
            directory = root / "out" / PACKAGE
            write(directory, result.files)
            return directory, specs
        refused = [where.get(d.line) for d in result.diagnostics]
        assert None not in refused, "\n".join(str(d) for d in result.diagnostics)
        for spec in specs:
            for entity, name in (r for r in refused if r is not None):
                if entity == spec.name:
                    spec.updates.pop(name, None)
    raise AssertionError("the random schema did not settle")


@dataclass(repr=False)
class Built:
    package: Any
    tables: Any
    specs: list[EntitySpec]
    directory: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    directory, specs = build(tmp_path_factory.mktemp("derived"))
    with imported_package(directory) as package:
        tables = importlib.import_module(f"{PACKAGE}.tables")
        yield Built(package, tables, specs, directory)


@dataclass
class Table:
    client: Any
    name: str


@pytest.fixture(scope="module")
def table(backend: Backend, built: Built) -> Iterator[Table]:
    with schema_tables(backend, built.tables) as (client, _, names):
        yield Table(client, names["TBL"])


class Clock:
    """One microsecond-exact second later on every call."""

    def __init__(self) -> None:
        self.now = datetime(2024, 1, 1, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1, microseconds=7)
        return self.now


# -- the reference: the templates applied to the stored item ---------------------------


def field_text(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name)
    if value is None:
        return None
    ((tag, raw),) = value.items()
    return str(int(raw)) if tag == "N" else str(raw)


def expected_derived(spec: EntitySpec, item: dict[str, Any]) -> dict[str, Any]:
    """Every index key attribute the item should hold, from its stored fields."""
    expected: dict[str, Any] = {}
    for j, (pk, sk) in spec.templates.items():
        texts = {n: field_text(item, n) for n in (*pk, *sk)}
        if any(texts[n] is None for n in (*pk, *sk) if n in OPTIONAL):
            continue  # a sparse index: the item is not in it
        for part, names in ((0, pk), (1, sk)):
            attribute = f"G{j}{'PK' if part == 0 else 'SK'}"
            literal = f"{spec.name}G{j}{'PK' if part == 0 else 'SK'}"
            value = "#".join([literal, *(str(texts[n]) for n in names)])
            expected[attribute] = {"S": value}
    return expected


def stored_derived(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if re.fullmatch(r"G\d(PK|SK)", k)}


def update_possible(spec: EntitySpec, given: set[str], version: bool) -> bool:
    """Whether ``update`` with arguments ``given`` can keep every template in step:
    each index whose templates (or presence) follow a field it sets or steps needs the
    value of every field it names after the write."""
    stepped = {"updated_at"} if spec.updated else set()
    if spec.versioned:
        stepped.add("version")
    touched = given | stepped
    known = given | stepped | {"id"}
    if not version:
        known.discard("version")
    for pk, sk in spec.templates.values():
        sparse = any(n in OPTIONAL for n in (*pk, *sk))
        parts = [(*pk, *sk)] if sparse else [pk, sk]
        for names in parts:
            if set(names) & touched and not set(names) <= known:
                return False
    return True


# -- the property ------------------------------------------------------------------------

ident = st.text(alphabet="abcXYZ019", min_size=1, max_size=5)
number = st.integers(-(10**6), 10**6)


def values() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "s1": ident,
            "n1": number,
            "o1": st.none() | ident,
            "o2": st.none() | number,
        }
    )


def update_args() -> st.SearchStrategy[dict[str, Any]]:
    return (
        values()
        | values()
        | st.dictionaries(
            st.sampled_from(PLAIN),
            st.none() | ident | number,
            max_size=3,
        ).map(lambda d: {k: fix(k, v) for k, v in d.items()})
    )


def fix(name: str, value: Any) -> Any:
    """A value of the right type for ``name`` (None only where it is optional)."""
    if name in ("s1", "o1"):
        return (
            value if isinstance(value, str) or (value is None and name == "o1") else "v"
        )
    return value if isinstance(value, int) or (value is None and name == "o2") else 3


OUTCOMES: dict[str, int] = {}


def run(built: Built, table: Table, spec: EntitySpec, ops: list[Any]) -> None:
    db = built.package.Database(
        table.client, table_names={"TBL": table.name}, clock=Clock()
    )
    repo = getattr(db, spec.name.lower())
    cls = getattr(built.package, spec.name)
    key = {"id": uuid.uuid4().hex[:12]}
    current: Any = None

    def check() -> None:
        item = table.client.get_item(
            TableName=table.name,
            Key={"PK": {"S": f"{spec.name}#{key['id']}"}, "SK": {"S": spec.name}},
            ConsistentRead=True,
        ).get("Item")
        assert item is not None
        assert stored_derived(item) == expected_derived(spec, item), (spec, ops)

    for op, payload in ops:
        if op == "create":
            upsert = payload[0]
            if upsert in spec.updates:
                # A new item counts as version 0 (an index key may need the next one).
                new = {"expected_version": 0} if spec.versioned else {}
                current = call_declared(repo, spec, upsert, key, payload[1], new)
                OUTCOMES["upsert:new"] = OUTCOMES.get("upsert:new", 0) + 1
            else:
                current = repo.create(cls(**key, **payload[1]))
            check()
            continue
        version = {"expected_version": current.version} if spec.versioned else {}
        if op == "put":
            fresh = cls(**key, **payload)
            if spec.versioned:
                fresh.version = current.version
            current = repo.put(fresh)
        elif op == "batch_put":
            fresh = cls(**key, **payload)
            if spec.versioned:
                fresh.version = current.version
            repo.batch_put([fresh])
            current = repo.get(**key, consistent=True)
        elif op == "update":
            possible = update_possible(spec, set(payload), bool(version))
            try:
                current = repo.update(**key, **version, **payload)
            except ValueError:
                assert not possible, (spec, payload)
                OUTCOMES["update:refused"] = OUTCOMES.get("update:refused", 0) + 1
            else:
                assert possible, (spec, payload)
                OUTCOMES["update"] = OUTCOMES.get("update", 0) + 1
        else:
            name, params = payload
            if name not in spec.updates:
                continue
            current = call_declared(repo, spec, name, key, params, version)
            OUTCOMES["declared"] = OUTCOMES.get("declared", 0) + 1
        check()


def call_declared(
    repo: Any,
    spec: EntitySpec,
    name: str,
    key: dict[str, str],
    params: dict[str, Any],
    version: dict[str, Any],
) -> Any:
    text, options = spec.updates[name]
    args = {p: v for p, v in params.items() if f":{p}" in text}
    if "touch: false" in options:
        version = {}  # no expected_version: the version is not stepped
    return getattr(repo, name)(**key, **args, **version)


def operations() -> st.SearchStrategy[list[Any]]:
    declared = st.tuples(
        st.sampled_from([name for name, _, _ in UPDATES]),
        st.fixed_dictionaries(
            {"s1": ident, "o1": ident, "o2": number, "n1": number, "d": number}
        ),
    )
    op = st.one_of(
        st.tuples(st.just("put"), values()),
        st.tuples(st.just("batch_put"), values()),
        st.tuples(st.just("update"), update_args()),
        st.tuples(st.just("update"), update_args()),
        st.tuples(st.just("declared"), declared),
        st.tuples(st.just("declared"), declared),
    )
    new_item = st.fixed_dictionaries(
        {"s1": ident, "n1": number, "o2": number, "o1": st.none() | ident}
    )
    first = st.tuples(
        st.just("create"),
        st.tuples(st.none(), values()) | st.tuples(st.sampled_from(UPSERTS), new_item),
    )
    return st.tuples(first, st.lists(op, max_size=7)).map(lambda t: [t[0], *t[1]])


def test_every_write_keeps_derived_keys_in_step(built: Built, table: Table) -> None:
    # Derandomized in every profile: the not-vacuous checks below need the run to hold a
    # successful generic update, which a random draw of 60 examples occasionally lacks.
    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def writes(data: st.DataObject) -> None:
        spec = data.draw(st.sampled_from(built.specs), label="entity")
        run(built, table, spec, data.draw(operations(), label="writes"))

    OUTCOMES.clear()
    writes()
    # Not vacuous: updates were both done and refused, declared updates ran.
    assert OUTCOMES.get("update", 0) >= 1, OUTCOMES
    assert OUTCOMES.get("update:refused", 0) >= 1, OUTCOMES
    assert OUTCOMES.get("declared", 0) >= 1, OUTCOMES
    assert OUTCOMES.get("upsert:new", 0) >= 1, OUTCOMES


def test_generated_code_passes_mypy_and_ruff(built: Built) -> None:
    """Every combination of template fields the random schema holds type-checks."""
    for command in (
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "-p", PACKAGE],
        [sys.executable, "-m", "ruff", "check", "--isolated", PACKAGE],
    ):
        result = subprocess.run(
            command, cwd=built.directory.parent, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_random_schema_covers_the_cases(built: Built) -> None:
    """Not vacuous: the generated entities hold every kind of template field, sparse
    and full indexes, and declared updates kept and refused."""
    kinds = {n for s in built.specs for pk, sk in s.templates.values() for n in pk + sk}
    assert kinds >= {"s1", "n1", "o1", "o2", "created_at", "updated_at", "version"}
    sparse = [
        s
        for s in built.specs
        if any(set(pk + sk) & set(OPTIONAL) for pk, sk in s.templates.values())
    ]
    assert 0 < len(sparse) < len(built.specs)
    kept = sum(len(s.updates) for s in built.specs)
    assert 0 < kept < len(UPDATES) * len(built.specs)
    for name, _, _ in UPDATES:
        assert any(name in s.updates for s in built.specs), name
