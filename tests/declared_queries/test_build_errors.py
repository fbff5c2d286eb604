"""Build errors of ``queries:`` entries (SPEC §3), each located inside the YAML string at
fault, through ``dynagen validate`` (in-process, click's CliRunner).

Every case appends a ``queries:`` block to ``BASE`` (whose last line is
``    queries:``), so the block's first line is line ``QUERIES_LINE``. Expected
positions are 1-based ``(line, column)`` written out after checking them by eye.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from dynagen.cli import main

BASE = """\
dynagen: 1
package: errs
tables:
  Main:
    partition_key: pk
    sort_key: sk
    indexes:
      lsi1:
        local: true
        sort_key: lsi1sk
      gsi1:
        partition_key: gsi1pk
        sort_key: gsi1sk
      by_n:
        partition_key: gsi2pk
        sort_key: {name: n, type: N}
        projection: keys_only
      slim:
        partition_key: gsi3pk
        sort_key: gsi3sk
        projection: {include: [status]}
entities:
  Thing:
    table: Main
    key:
      pk: "THING#{thing_id}"
      sk: "AT#{at}#{name}"
      lsi1sk: "PRICE#{price}"
      gsi1pk: "OWNER#{owner}"
      gsi1sk: "{count}#{thing_id}"
      gsi2pk: "KIND#{kind}"
      gsi3pk: "SLIM#{kind}"
      gsi3sk: "{at}"
    attributes:
      thing_id: string
      at: datetime
      name: string
      owner: string
      count: int
      kind: string
      n: int
      price: decimal
      status: string
      note: string
    views:
      brief: [status]
      long: [status, note]
    queries:
"""
QUERIES_LINE = BASE.count("\n") + 1  # line of the first appended line


def validate(tmp_path: Path, queries: str) -> tuple[Result, list[dict[str, object]]]:
    schema = tmp_path / "schema.yaml"
    schema.write_text(BASE + queries, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["validate", "--format", "json", str(schema)])
    return result, json.loads(result.output)


@dataclass(frozen=True)
class Case:
    name: str
    queries: str
    at: tuple[int, int]
    """(line relative to the queries block, 0-based; column, 1-based)."""
    message: tuple[str, ...]
    """Substrings of the message."""
    hint: tuple[str, ...] = ()
    """Substrings of the hint."""


CASES = [
    Case(
        "no index serves the key condition",
        "      q:\n        key: status = :s\n",
        (1, 14),  # "status"
        (
            "no index serves this key condition",
            "the table's key: its partition key needs thing_id",
            "index 'lsi1'",
            "index 'gsi1': its partition key needs owner",
            "index 'by_n': its partition key needs kind",
            "index 'slim'",
        ),
        ("status",),
    ),
    Case(
        "an explicit index that cannot serve the key condition",
        "      q:\n        index: gsi1\n        key: thing_id = :id\n",
        (2, 14),  # "thing_id"
        ("index 'gsi1': its partition key needs owner",),
    ),
    Case(
        "a sort condition on a field that is not next in the sort key",
        "      q:\n        key: thing_id = :id and name = :n\n",
        (1, 14),
        ("name are not the leading fields of its sort key (at, name)",),
    ),
    Case(
        "a filter on a key attribute of the queried index",
        "      q:\n        key: kind = :k\n        filter: n > :min\n",
        (2, 17),  # "n"
        ("'n' is a key attribute of the queried index",),
        ("key:",),
    ),
    Case(
        "begins_with on a number key",
        "      q:\n        key: kind = :k and begins_with(n, :p)\n",
        (1, 40),  # "n" inside begins_with(...)
        ("begins_with",),
    ),
    Case(
        "consistent: true on a global index",
        "      q:\n        key: owner = :o\n        consistent: true\n",
        (2, 21),  # "true"
        ("global index cannot be read consistently",),
    ),
    Case(
        "an exclusive bound on a final free-string field",
        "      q:\n        key: thing_id = :id and at = :at and name < :n\n",
        (1, 46),  # "name"
        ("'name' ends the key template and has no adjacent value",),
        ("<=",),
    ),
    Case(
        "an exclusive bound on a final free-string field (>)",
        "      q:\n        key: thing_id = :id and at = :at and name > :n\n",
        (1, 46),
        ("'name' ends the key template",),
        (">=",),
    ),
    Case(
        "a range on an unpadded int",
        "      q:\n        key: owner = :o and count > :c\n",
        (1, 29),  # "count"
        ("'count' does not sort as text",),
        ("{count:",),
    ),
    Case(
        "a range on a decimal",
        "      q:\n        key: thing_id = :id and price >= :p\n",
        (1, 33),  # "price"
        ("'price' does not sort as text",),
    ),
    Case(
        "a query named like a generated method",
        "      get:\n        key: thing_id = :id\n",
        (0, 7),  # "get"
        ("'get'",),
    ),
    Case(
        "a view on a keys_only index",
        "      q:\n        key: kind = :k\n        view: brief\n",
        (2, 15),  # "brief"
        ("by_n", "status", "brief"),
    ),
    Case(
        "a view on an include index that lacks one of its attributes",
        "      q:\n        index: slim\n        key: kind = :k\n        view: long\n",
        (3, 15),  # "long"
        ("slim", "note", "long"),
    ),
    Case(
        "located in a double-quoted string",
        '      q:\n        key: "owner = :o and count > :c"\n',
        (1, 30),
        ("'count' does not sort as text",),
    ),
    Case(
        "located in a single-quoted string",
        "      q:\n        key: 'owner = :o and count > :c'\n",
        (1, 30),
        ("'count' does not sort as text",),
    ),
    Case(
        "located in a literal block scalar",
        "      q:\n        key: |-\n          owner = :o\n            and count > :c\n",
        (3, 17),
        ("'count' does not sort as text",),
    ),
    Case(
        "located in a folded block scalar",
        "      q:\n        key: >-\n          owner = :o\n          and count > :c\n",
        (3, 15),
        ("'count' does not sort as text",),
    ),
    Case(
        "located in a flow mapping",
        '      q: {key: "owner = :o and count > :c", order: desc}\n',
        (0, 32),
        ("'count' does not sort as text",),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_query_error_is_located_in_the_yaml_string(tmp_path: Path, case: Case) -> None:
    result, diagnostics = validate(tmp_path, case.queries)
    assert result.exit_code == 1, result.output
    assert len(diagnostics) == 1, diagnostics
    (diagnostic,) = diagnostics
    line, column = case.at
    assert (diagnostic["line"], diagnostic["column"]) == (
        QUERIES_LINE + line,
        column,
    ), diagnostic
    assert diagnostic["severity"] == "error"
    assert diagnostic["file"] == "schema.yaml" or str(diagnostic["file"]).endswith(
        "schema.yaml"
    )
    message = str(diagnostic["message"])
    for part in case.message:
        assert part in message, diagnostic
    hint = str(diagnostic["hint"] or "")
    for part in case.hint:
        assert part in hint, diagnostic


def test_every_query_error_is_reported_at_once(tmp_path: Path) -> None:
    queries = (
        "      a:\n        key: owner = :o and count > :c\n"
        "      b:\n        key: status = :s\n"
        "      c:\n        key: kind = :k\n        consistent: true\n"
    )
    result, diagnostics = validate(tmp_path, queries)
    assert result.exit_code == 1
    assert [(d["line"], d["column"]) for d in diagnostics] == [
        (QUERIES_LINE + 1, 29),
        (QUERIES_LINE + 3, 14),
        (QUERIES_LINE + 6, 21),
    ]


def test_text_format_shows_the_line_and_a_caret(tmp_path: Path) -> None:
    schema = tmp_path / "schema.yaml"
    schema.write_text(
        BASE + "      q:\n        key: owner = :o and count > :c\n", encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["validate", str(schema)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    head = next(i for i, text in enumerate(lines) if ": error: " in text)
    assert (
        lines[head].split(": error: ")[0].endswith(f"schema.yaml:{QUERIES_LINE + 1}:29")
    )
    # the source line (indented by two spaces) and a caret under column 29
    assert lines[head + 1] == "  " + "        key: owner = :o and count > :c"
    assert lines[head + 2] == "  " + " " * 28 + "^"


def test_valid_queries_build(tmp_path: Path) -> None:
    """Counterparts of the errors that are fine: a filter on a template field (not a
    key attribute), consistent reads on the table and a local index, inclusive bounds
    on a final free string, a padded range."""
    queries = (
        "      a:\n        key: thing_id = :id\n        filter: at > :t and n > :m\n"
        "        consistent: true\n"
        "      b:\n        key: thing_id = :id and at = :at and name <= :n\n"
        "      c:\n        key: thing_id = :id and at = :at and name >= :n\n"
        "      d:\n        index: lsi1\n        key: thing_id = :id\n"
        "        consistent: true\n"
        "      e:\n        index: slim\n        key: kind = :k\n        view: brief\n"
    )
    result, diagnostics = validate(tmp_path, queries)
    assert result.exit_code == 0, diagnostics
    assert diagnostics == []


# --------------------------------------------------------------------------------------
# Known bugs (strict: they fail loudly once fixed, so the marker gets removed)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", ["< :t", "<= :t", "> :t", ">= :t", "between :t and :u"])
def test_range_on_a_field_starting_the_template_builds(tmp_path: Path, op: str) -> None:
    schema = tmp_path / "schema.yaml"
    schema.write_text(
        BASE + f"      q:\n        index: slim\n        key: kind = :k and at {op}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["validate", str(schema)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == 0, result.output


def test_located_in_a_multi_line_plain_scalar(tmp_path: Path) -> None:
    _, diagnostics = validate(
        tmp_path, "      q:\n        key: owner = :o\n          and count > :c\n"
    )
    assert [(d["line"], d["column"]) for d in diagnostics] == [(QUERIES_LINE + 2, 15)]


def test_messages_do_not_repeat_offset_and_hint(tmp_path: Path) -> None:
    _, diagnostics = validate(
        tmp_path, "      q:\n        key: owner = :o and count > :c\n"
    )
    (diagnostic,) = diagnostics
    assert "offset" not in str(diagnostic["message"])
    assert str(diagnostic["hint"]) not in str(diagnostic["message"])


def test_invalid_index_name_is_located_at_its_key(tmp_path: Path) -> None:
    schema = tmp_path / "schema.yaml"
    text = BASE.replace("      slim:\n", "      k4:\n")
    schema.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--format", "json", str(schema)])
    diagnostics = json.loads(result.output)
    line = text.splitlines().index("      k4:") + 1
    assert (diagnostics[0]["line"], diagnostics[0]["column"]) == (line, 7)
