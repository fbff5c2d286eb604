"""The fast transport's JSON: orjson when installed (imported at the first request, not
at import), else the standard library, with the same request bytes either way (so
nothing sent depends on what is installed)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import orjson
import pytest
from dynagen._runtime import fast
from hypothesis import given
from hypothesis import strategies as st

fast._choose_json()  # what the first request does: the helpers below are bound after it

# What a wire-form request holds: str keys; str, bool, int, None, lists and maps.
# (Lone surrogates are refused before a request is built: see check_str.)
text = st.text(st.characters(codec="utf-8"))
scalars = st.one_of(text, st.booleans(), st.none(), st.integers(-(2**63), 2**63 - 1))
requests = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)
    ),
    max_leaves=20,
)


@given(st.dictionaries(text, requests, max_size=5))
def test_request_bytes_do_not_depend_on_orjson(request: dict[str, Any]) -> None:
    body = fast._dumps_stdlib(request)
    assert body == orjson.dumps(request)
    assert json.loads(body) == request


@given(st.dictionaries(text, requests, max_size=5))
def test_responses_read_alike(body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()  # ASCII-escaped, as servers may send it
    assert fast._loads_orjson(data) == json.loads(data) == body


def test_a_lone_surrogate_escape_still_reads() -> None:
    data = b'{"Item":{"s":{"S":"\\ud800"}}}'
    assert fast._loads_orjson(data) == {"Item": {"s": {"S": "\ud800"}}}


def test_orjson_is_used_when_installed() -> None:
    assert fast._dumps is orjson.dumps
    assert fast._loads is fast._loads_orjson


def test_orjson_is_imported_at_the_first_request_not_at_import() -> None:
    probe = (
        "import sys\n"
        "from dynagen._runtime import fast\n"
        "before = 'orjson' in sys.modules\n"
        "body = fast._dumps({'TableName': 't'})\n"
        "import orjson\n"
        "print(before, body, fast._dumps is orjson.dumps,"
        " fast._loads is fast._loads_orjson)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["False", 'b\'{"TableName":"t"}\'', "True", "True"]


@pytest.mark.parametrize("data", [b"", b"{", b"[1,"])
def test_malformed_bodies_raise_value_error(data: bytes) -> None:
    with pytest.raises(ValueError):
        fast._loads_orjson(data)
