"""Random documents through load → validate → model: only diagnostics, never a crash.

Random YAML trees, mutations of schemas/shop.yaml (keys deleted, renamed or given random
values), edits of its text, and random text and bytes all go through
``dynagen.pipeline.check_schema``. Whatever comes in, no exception escapes and every
diagnostic is located inside the file (line and column from 1).
"""

from __future__ import annotations

import copy
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from dynagen.diagnostics import format_json, format_text
from dynagen.pipeline import Compilation, check_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
SHOP_TEXT = (ROOT / "schemas" / "shop.yaml").read_text(encoding="utf-8")
SHOP: dict[str, Any] = yaml.safe_load(SHOP_TEXT)

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def run_pipeline(raw: bytes) -> Compilation:
    """``check_schema`` on ``raw`` written to a temporary file; checks its diagnostics."""
    with tempfile.TemporaryDirectory(prefix="dynagen-fuzz-") as tmp:
        path = Path(tmp) / "schema.yaml"
        path.write_bytes(raw)
        result, _ = check_schema(path, "schema.yaml")
    try:  # YAML counts \r, \x85, \u2028 and \u2029 as line breaks too, as splitlines does
        last_line = len(raw.decode("utf-8").splitlines()) + 1
    except UnicodeDecodeError:
        last_line = raw.count(b"\n") + 1
    for diagnostic in result.diagnostics:
        assert diagnostic.file == "schema.yaml"
        assert 1 <= diagnostic.line <= last_line, diagnostic
        assert diagnostic.column >= 1, diagnostic
        assert diagnostic.message, diagnostic
    assert result.ok == (not result.diagnostics)
    if not result.ok:
        assert result.model is None
    text = format_text(result.diagnostics, {result.display_name: result.source})
    assert text.count(": error: ") == len(result.diagnostics)
    assert len(json.loads(format_json(result.diagnostics))) == len(result.diagnostics)
    return result


def dump(data: Any) -> bytes:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode("utf-8")


# ----------------------------------------------------------------------------- strategies

names = st.sampled_from(
    [
        "dynagen",
        "package",
        "tables",
        "entities",
        "types",
        "enums",
        "attributes",
        "key",
        "table",
        "type",
        "partition_key",
        "sort_key",
        "indexes",
        "local",
        "projection",
        "optional",
        "default",
        "auto",
        "version",
        "values",
        "pk",
        "sk",
        "Shop",
        "Order",
        "string",
    ]
) | st.text(max_size=8)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(
        [
            "string",
            "int",
            "enum",
            "set<float>",
            "list<map<int>>",
            "list<",
            "X#{id}",
            "{",
            "#{a:3}",
            "{x:99}",
            "Shop",
            "new_and_old_images",
            "on_demand",
        ]
    )
)

trees = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(names, children, max_size=5)
    ),
    max_leaves=25,
)

PathKey = tuple[str | int, ...]


def paths(data: Any, path: PathKey = ()) -> Iterator[PathKey]:
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from paths(value, (*path, index))


SHOP_PATHS = [p for p in paths(SHOP) if p]


def parent_of(data: Any, path: PathKey) -> Any:
    for step in path[:-1]:
        data = data[step]
    return data


@st.composite
def shop_mutations(draw: st.DrawFn) -> Any:
    """schemas/shop.yaml with one to four keys deleted, renamed or given new values."""
    data = copy.deepcopy(SHOP)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        live = [p for p in SHOP_PATHS if _exists(data, p)]
        if not live:
            break
        path = draw(st.sampled_from(live))
        parent = parent_of(data, path)
        last = path[-1]
        action = draw(st.sampled_from(["delete", "replace", "rename", "tree"]))
        if action == "delete":
            del parent[last]
        elif action == "replace":
            parent[last] = draw(scalars)
        elif action == "tree":
            parent[last] = draw(trees)
        elif isinstance(parent, dict):
            new_name = draw(names)
            parent[new_name] = parent.pop(last)
        else:
            parent[last] = draw(scalars)
    return data


def _exists(data: Any, path: PathKey) -> bool:
    for step in path:
        if isinstance(data, dict):
            if step not in data:
                return False
            data = data[step]
        elif isinstance(data, list):
            if not isinstance(step, int) or step >= len(data):
                return False
            data = data[step]
        else:
            return False
    return True


YAMLISH = "abcdk01:#{}[]-,&*!|>'\"%@`?.< \n\t\\é\x85"
yamlish = st.text(alphabet=st.sampled_from(list(YAMLISH)), max_size=80)


@st.composite
def shop_text_edits(draw: st.DrawFn) -> str:
    """The text of shop.yaml with a slice replaced by random YAML-ish text."""
    start = draw(st.integers(min_value=0, max_value=len(SHOP_TEXT)))
    end = draw(st.integers(min_value=start, max_value=min(len(SHOP_TEXT), start + 40)))
    return SHOP_TEXT[:start] + draw(yamlish) + SHOP_TEXT[end:]


# ----------------------------------------------------------------------------- tests


def test_shop_is_valid() -> None:
    assert run_pipeline(SHOP_TEXT.encode()).ok


@FUZZ
@given(trees)
def test_random_documents(data: Any) -> None:
    run_pipeline(dump(data))


@FUZZ
@given(trees)
def test_random_documents_under_a_valid_header(data: Any) -> None:
    run_pipeline(dump({"dynagen": 1, "package": "app", "tables": data}))
    run_pipeline(dump({"dynagen": 1, "package": "app", "entities": data}))


@FUZZ
@given(shop_mutations())
def test_mutations_of_shop(data: Any) -> None:
    run_pipeline(dump(data))


@FUZZ
@given(shop_text_edits())
def test_text_edits_of_shop(text: str) -> None:
    run_pipeline(text.encode("utf-8"))


@settings(max_examples=30, deadline=None)
@given(st.text(max_size=200) | yamlish)
def test_random_text(text: str) -> None:
    run_pipeline(text.encode("utf-8"))


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes(raw: bytes) -> None:
    run_pipeline(raw)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# only a comment\n",
        "~\n",
        "[]\n",
        "'just text'\n",
        "\ufeffdynagen: 1\npackage: app\n",
        "dynagen: 1\r\npackage: app\r\n",
        "a: &x {b: 1}\nc: *x\n",
        "<<: {dynagen: 1}\npackage: app\n",
        "? [a]\n: b\n? {c: d}\n: e\n",
        "1: a\ntrue: b\nnull: c\n1.5: d\n",
        "dynagen: 1\npackage: app\ntables: {T: {partition_key: pk}}\n"
        "entities: {E: {table: T, key: {pk: 'A#{x}'}, attributes: {x: {type: int,"
        " default: .nan}}}}\n",
        "dynagen: 1\npackage: app\nenums: {E: [yes, no, on, off, 'null']}\n",
        "dynagen: 1\npackage: app\ntypes: {A: {b: {type: A, optional: true}}}\n",
        "dynagen: 1\npackage: app\ntypes: {A: {b: 'list<B>'}, B: {a: 'map<A>'}}\n",
        "\t\n",
        "a: !!binary 'aGVsbG8='\n",
        "a: 2001-12-14\nb: 2001-12-14t21:59:43.10-05:00\n",
        "dynagen: 1\x00\n",
        "dynagen: 1\npackage: a\x1fb\n",
        "# \x7f\n",
        "a: \ufffe\n",
        "a: b\u2028c: d\x85e: f\n",
    ],
)
def test_awkward_documents(text: str) -> None:
    run_pipeline(text.encode("utf-8"))


@pytest.mark.parametrize(
    "text",
    [
        "dynagen: !!int one\n",
        "dynagen: !!float one\n",
        "dynagen: !!bool maybe\n",
        "dynagen: !!timestamp soon\n",
        "? !!int one\n: 1\n",
        "a: &x [*x]\n",
    ],
)
def test_bad_tagged_scalars_are_diagnostics(text: str) -> None:
    run_pipeline(text.encode("utf-8"))
