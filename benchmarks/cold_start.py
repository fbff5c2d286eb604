"""Cold start: what a fresh process pays to import a generated package and reach a
repository (issue 16), beside PynamoDB with equivalent models.

For each size (10, 50 and 200 entities of :func:`benchmarks.build.generate_schema`) the
package is built into a temporary directory and compiled to bytecode in advance (as
``pip install`` does), then each run is a fresh interpreter that imports boto3 and makes
a client first (not timed: every contender pays it), then times

* ``import``: ``import <package>``;
* ``first repository``: ``Database(client)`` and the first access to one repository
  (``db.<entity>``), which imports that entity's modules and ``_runtime``;
* ``first call``: the two together.

PynamoDB gets the same entities as ``Model`` classes (same attributes, keys and two
global indexes each, a ``MapAttribute`` per named type) in one module; its ``import``
is ``import pynamodb.models`` plus that module (the library alone is shown on its own
row). Figures are medians over fresh interpreters, in milliseconds of wall time.
"""

from __future__ import annotations

import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dynagen.output import write
from dynagen.pipeline import compile_schema

from benchmarks.build import generate_schema

__all__ = [
    "ColdStartResult",
    "format_cold_start",
    "pynamodb_models",
    "run_cold_start",
]

ENTITIES_PER_TABLE = 5
IMPORT_TARGET_MS = 25.0  # 50 entities, after boto3
FIRST_REPOSITORY_TARGET_MS = 5.0
GROWTH_TARGET = 1.5  # 200 entities' import over 50 entities'

_DYNAGEN_PROBE = """
import gc, json, sys, time
import boto3
client = boto3.client(
    "dynamodb", region_name="us-east-1", endpoint_url="http://127.0.0.1:9",
    aws_access_key_id="AKIDCOLDSTART", aws_secret_access_key="cold-start",
)
gc.collect()
clock = time.process_time if sys.argv[2] == "cpu" else time.perf_counter
start = clock()
import big
imported = clock()
db = big.Database(client)
repository = getattr(db, sys.argv[1])
reached = clock()
print(json.dumps([imported - start, reached - imported]))
"""

_PYNAMODB_PROBE = """
import gc, json, sys, time
import boto3
gc.collect()
clock = time.process_time if sys.argv[1] == "cpu" else time.perf_counter
start = clock()
import pynamodb.models
library = clock()
import pynamodb_big
imported = clock()
print(json.dumps([library - start, imported - start]))
"""

_PYNAMODB_ATTRIBUTES = (
    ("{noun}_id", "UnicodeAttribute()"),
    ("org_id", "UnicodeAttribute()"),
    ("status", "UnicodeAttribute(default='draft')"),
    ("title", "UnicodeAttribute()"),
    ("priority", "NumberAttribute(default=0)"),
    ("amount", "NumberAttribute()"),
    ("labels", "ListAttribute(of=UnicodeAttribute, default=list)"),
    ("contacts", "ListAttribute(of=Contact{domain}, null=True)"),
    ("watchers", "UnicodeSetAttribute(null=True)"),
    ("counters", "MapAttribute(null=True)"),
    ("archived", "BooleanAttribute(default=False)"),
    ("due_on", "UnicodeAttribute(null=True)"),
    ("created_at", "UTCDateTimeAttribute()"),
    ("updated_at", "UTCDateTimeAttribute()"),
    ("version", "VersionAttribute()"),
)


def pynamodb_models(tables: int, entities_per_table: int) -> str:
    """One module of PynamoDB models equivalent to ``generate_schema``'s entities."""
    schema_domains = [
        line.split(":")[0].strip()
        for line in generate_schema(tables, entities_per_table).splitlines()
        if line.startswith("  Contact")
    ]
    domains = [d.removeprefix("Contact") for d in schema_domains]
    nouns = ("Account", "Record", "Event", "Note", "Task", "Invoice", "Asset")
    out = [
        "from pynamodb.attributes import (",
        "    BooleanAttribute, ListAttribute, MapAttribute, NumberAttribute,",
        "    UnicodeAttribute, UnicodeSetAttribute, UTCDateTimeAttribute,",
        "    VersionAttribute,",
        ")",
        "from pynamodb.indexes import AllProjection, GlobalSecondaryIndex,"
        " IncludeProjection",
        "from pynamodb.models import Model",
        "",
    ]
    for domain in domains:
        out += [
            f"class Contact{domain}(MapAttribute):",
            "    name = UnicodeAttribute()",
            "    email = UnicodeAttribute()",
            "    phone = UnicodeAttribute(null=True)",
            "",
        ]
        for noun in nouns[:entities_per_table]:
            name = f"{domain}{noun}"
            out += [
                f"class {name}Gsi1(GlobalSecondaryIndex):",
                "    class Meta:",
                "        index_name = 'gsi1'",
                "        projection = AllProjection()",
                "    gsi1pk = UnicodeAttribute(hash_key=True)",
                "    gsi1sk = UnicodeAttribute(range_key=True)",
                "",
                f"class {name}Gsi2(GlobalSecondaryIndex):",
                "    class Meta:",
                "        index_name = 'gsi2'",
                "        projection = IncludeProjection(['title', 'status', 'priority'])",
                "    gsi2pk = UnicodeAttribute(hash_key=True)",
                "    gsi2sk = UnicodeAttribute(range_key=True)",
                "",
                f"class {name}(Model):",
                "    class Meta:",
                f"        table_name = '{domain.lower()}'",
                "        region = 'us-east-1'",
                "    pk = UnicodeAttribute(hash_key=True)",
                "    sk = UnicodeAttribute(range_key=True)",
                "    gsi1pk = UnicodeAttribute()",
                "    gsi1sk = UnicodeAttribute()",
                "    gsi2pk = UnicodeAttribute()",
                "    gsi2sk = UnicodeAttribute()",
                f"    gsi1 = {name}Gsi1()",
                f"    gsi2 = {name}Gsi2()",
            ]
            out += [
                f"    {field.format(noun=noun.lower())} = {kind.format(domain=domain)}"
                for field, kind in _PYNAMODB_ATTRIBUTES
            ]
            out.append("")
    return "\n".join(out) + "\n"


@dataclass(frozen=True, slots=True)
class ColdStartRow:
    entities: int
    import_ms: float
    first_repository_ms: float
    pynamodb_library_ms: float
    pynamodb_import_ms: float

    @property
    def first_call_ms(self) -> float:
        return self.import_ms + self.first_repository_ms


@dataclass(frozen=True, slots=True)
class ColdStartResult:
    runs: int
    rows: tuple[ColdStartRow, ...]
    clock: str


def _probe(code: str, directory: Path, *args: str) -> list[float]:
    environment = {**os.environ, "PYTHONPATH": str(directory)}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=directory,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the cold-start probe failed:\n{done.stderr}")
    return [1000 * float(x) for x in json.loads(done.stdout)]


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _size(root: Path, entities: int, runs: int, clock: str) -> ColdStartRow:
    tables = entities // ENTITIES_PER_TABLE
    directory = root / f"{entities}-{clock}"
    schema = directory / "big.yaml"
    directory.mkdir()
    schema.write_text(generate_schema(tables, ENTITIES_PER_TABLE), encoding="utf-8")
    compilation = compile_schema(schema, schema.name)
    if not compilation.ok or compilation.files is None:
        raise RuntimeError(f"the {entities}-entity schema does not compile")
    write(directory / "big", compilation.files)
    (directory / "pynamodb_big.py").write_text(
        pynamodb_models(tables, ENTITIES_PER_TABLE), encoding="utf-8"
    )
    compileall.compile_dir(directory, quiet=1)
    first = generate_schema(tables, ENTITIES_PER_TABLE).split("entities:\n  ")[1]
    entity = "".join(
        "_" + c.lower() if c.isupper() else c for c in first.split(":")[0]
    ).lstrip("_")
    dynagen = [_probe(_DYNAGEN_PROBE, directory, entity, clock) for _ in range(runs)]
    pynamodb = [_probe(_PYNAMODB_PROBE, directory, clock) for _ in range(runs)]
    return ColdStartRow(
        entities=entities,
        import_ms=_median([r[0] for r in dynagen]),
        first_repository_ms=_median([r[1] for r in dynagen]),
        pynamodb_library_ms=_median([r[0] for r in pynamodb]),
        pynamodb_import_ms=_median([r[1] for r in pynamodb]),
    )


def run_cold_start(
    *, sizes: tuple[int, ...], runs: int, clock: str = "cpu"
) -> ColdStartResult:
    """``clock`` is ``"cpu"`` (the probe's process CPU time, steady on a busy machine)
    or ``"wall"``."""
    with tempfile.TemporaryDirectory(prefix="dynagen-bench-cold-") as temporary:
        rows = tuple(_size(Path(temporary), n, runs, clock) for n in sizes)
    return ColdStartResult(runs=runs, rows=rows, clock=clock)


def format_cold_start(result: ColdStartResult) -> str:
    lines = [
        f"cold_start: fresh interpreters after `import boto3`, median of {result.runs} "
        f"(ms of {'process CPU' if result.clock == 'cpu' else 'wall'} time)",
        "",
        "| entities | dynagen import | Database + first repository | dynagen first call "
        "| PynamoDB library | PynamoDB library + models |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in result.rows:
        lines.append(
            f"| {row.entities} | {row.import_ms:.1f} | {row.first_repository_ms:.1f} "
            f"| {row.first_call_ms:.1f} | {row.pynamodb_library_ms:.1f} "
            f"| {row.pynamodb_import_ms:.1f} |"
        )
    by_size = {row.entities: row for row in result.rows}
    if 50 in by_size:
        row = by_size[50]
        verdict = "met" if row.import_ms <= IMPORT_TARGET_MS else "MISSED"
        lines.append(
            f"\n  50 entities: import {row.import_ms:.1f} ms, target "
            f"<= {IMPORT_TARGET_MS:.0f} ms: {verdict}; Database + first repository "
            f"{row.first_repository_ms:.1f} ms, target <= "
            f"{FIRST_REPOSITORY_TARGET_MS:.0f} ms: "
            f"{'met' if row.first_repository_ms <= FIRST_REPOSITORY_TARGET_MS else 'MISSED'}"
        )
        if 200 in by_size:
            big = by_size[200]
            growth = big.import_ms / max(row.import_ms, 1e-9)
            first = big.first_call_ms / max(row.first_call_ms, 1e-9)
            met = growth <= GROWTH_TARGET
            lines.append(
                f"  200 vs 50 entities: import {growth:.2f}x ({big.import_ms:.1f} ms), "
                f"first call {first:.2f}x (import target <= {GROWTH_TARGET}x): "
                f"{'met' if met else 'MISSED'}"
            )
    return "\n".join(lines)
