"""dynagen's own layout (``dynagen.render.format``) is ruff's, whatever the names.

Every identifier a schema declares (package, tables, indexes, key attributes, enums,
types, entities, attributes, queries, updates, views) is renamed, consistently across
the YAML text (key templates and expressions included), to a name from one to forty-odd
characters; the package built from it must pass the pinned ``ruff format --check`` and
ruff's default rules untouched. Long names push calls, dicts, conditions and
signatures over the line length at every nesting depth; short names pull manual splits
back onto one line.
"""

from __future__ import annotations

import json
import re
import string
from pathlib import Path
from typing import Any

import pytest
import yaml
from dynagen.output import write
from dynagen.pipeline import compile_schema
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.style.test_ruff import ROOT, ruff

BASES = [
    ROOT / "schemas" / "shop.yaml",
    ROOT / "schemas" / "library.yaml",
    ROOT / "tests" / "codecs" / "schema.yaml",
    ROOT / "tests" / "style" / "defaults.yaml",
]
#: Words of the schema language itself, never renamed.
_LANGUAGE = {
    "dynagen", "package", "enums", "types", "tables", "entities", "name", "partition_key",
    "sort_key", "billing", "ttl", "stream", "point_in_time_recovery", "replicas", "tags",
    "table_class", "deletion_protection", "type_attribute", "indexes", "local",
    "projection", "include", "all", "keys_only", "table", "key", "attributes", "queries",
    "updates", "views", "type", "optional", "default", "column", "auto", "version", "doc",
    "values", "filter", "index", "order", "consistent", "view", "update", "condition",
    "upsert", "touch", "on_demand", "provisioned", "read", "write", "created", "updated",
    "string", "int", "float", "decimal", "bool", "bytes", "datetime", "date", "epoch",
    "uuid", "enum", "list", "map", "set", "json", "and", "or", "not", "between", "in",
    "begins_with", "attribute_exists", "attribute_not_exists", "attribute_type", "contains",
    "size", "if_not_exists", "list_append", "asc", "desc", "true", "false", "S", "N", "B",
}  # fmt: skip
_ALPHABET = [c for c in string.ascii_lowercase if c != "x"]


def declared_names(data: dict[str, Any]) -> list[str]:
    """The identifiers a schema declares, each once, in a stable order."""
    names: list[str] = [data["package"]]
    names += list(data.get("enums") or {})
    for type_name, fields in (data.get("types") or {}).items():
        names += [type_name, *fields]
    for table_id, table in data["tables"].items():
        names.append(table_id)
        for key in ("partition_key", "sort_key"):
            spec = table.get(key)
            if spec is not None:
                names.append(spec if isinstance(spec, str) else spec["name"])
        for index_name, index in (table.get("indexes") or {}).items():
            names.append(index_name)
            for key in ("partition_key", "sort_key"):
                spec = index.get(key)
                if spec is not None:
                    names.append(spec if isinstance(spec, str) else spec["name"])
    for entity_name, entity in data["entities"].items():
        names.append(entity_name)
        for group in ("attributes", "queries", "updates", "views"):
            names += list(entity.get(group) or {})
    enum_values = {
        str(v) for values in (data.get("enums") or {}).values() for v in values
    }
    for entity in data["entities"].values():
        for spec in entity["attributes"].values():
            if isinstance(spec, dict):
                enum_values |= {str(v) for v in spec.get("values") or ()}
    unique = dict.fromkeys(n for n in names if n not in _LANGUAGE | enum_values)
    return list(unique)


def new_name(index: int, old: str, extra: int) -> str:
    """A unique name: a prefix no other prefix extends, padded with ``x``."""
    letters = "q"
    while True:
        letters += _ALPHABET[index % len(_ALPHABET)]
        index //= len(_ALPHABET)
        if not index:
            break
    name = letters + "x" * max(extra, 3 - len(letters))  # index names: 3 or more
    return name.capitalize() if old[:1].isupper() else name


def rename(text: str, mapping: dict[str, str]) -> str:
    pattern = re.compile(
        r"(?<![A-Za-z0-9_])("
        + "|".join(re.escape(n) for n in sorted(mapping, key=len, reverse=True))
        + r")(?![A-Za-z0-9_])"
    )
    return pattern.sub(lambda m: mapping[m.group(1)], text)


@pytest.mark.parametrize(
    "base", BASES, ids=lambda p: p.parent.name if p.name == "schema.yaml" else p.stem
)
@settings(
    max_examples=12,
    deadline=None,
    # Each example builds a package and runs ruff (about a second): a failure prints
    # its renaming instead of shrinking for minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_renamed_schema_is_ruff_formatted(
    base: Path, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    text = base.read_text(encoding="utf-8")
    names = declared_names(yaml.safe_load(text))
    lengths = data.draw(
        st.lists(
            st.sampled_from([0, 0, 1, 4, 12, 24, 40]),
            min_size=len(names),
            max_size=len(names),
        ),
        label="extra characters per name",
    )
    mapping = {
        old: new_name(i, old, extra)
        for i, (old, extra) in enumerate(zip(names, lengths, strict=True))
    }
    schema = tmp_path_factory.mktemp("renamed") / "schema.yaml"
    schema.write_text(rename(text, mapping), encoding="utf-8")
    result = compile_schema(schema, "schema.yaml")
    assert result.files is not None, (json.dumps(mapping), result.diagnostics)
    out = schema.parent / "pkg"
    write(out, result.files)
    formatted = ruff(
        "format", "--isolated", "--no-cache", "--check", "--diff",
        "--line-length=88", "--target-version=py310", out,
    )  # fmt: skip
    assert formatted.returncode == 0, (
        json.dumps(mapping) + "\n" + formatted.stdout + formatted.stderr
    )
    checked = ruff("check", "--isolated", "--no-cache", "--output-format=concise", out)
    assert checked.returncode == 0, checked.stdout + checked.stderr
