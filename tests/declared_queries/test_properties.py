"""Property tests: for random bounds over random data, a query returns the Python
selection.

The data (``make_dataset`` with this module's seed) is seeded once per backend; each
example draws a declared query and its parameters: partition values that exist (or
not), and bounds that are stored values, values one step next to them, or arbitrary
values of the type (datetimes in other time zones, equal ``between`` ends, strings that
are prefixes or extensions of stored ones, with characters below and above ``#`` and
``$``, non-ASCII and astral characters).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.backends import Backend
from tests.declared_queries._model import (
    D0,
    SPECS,
    T0,
    UTC,
    WIDTH,
    Spec,
    exclusive_ok,
    make_dataset,
    neighbours,
    param_kind,
)
from tests.declared_queries._support import (
    Generated,
    Seeded,
    assert_selection,
    seeded_table,
)

SEED = 7

ALPHABET = " !\"#$%&'+/09:;@AZ[]_`az{|}~\x7f\x00\té€日😀"
ZONES = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))]


@pytest.fixture(scope="module")
def objects(gen: Generated) -> dict[str, list[Any]]:
    return make_dataset(gen.package, SEED)


@pytest.fixture(scope="module")
def seeded(
    backend: Backend,
    gen: Generated,
    objects: dict[str, list[Any]],
    transport_kind: str,
) -> Iterator[Seeded]:
    with seeded_table(backend, gen, objects, transport_kind) as tables:
        yield tables


def values_of(kind: str, stored: Sequence[Any]) -> st.SearchStrategy[Any]:
    """Stored values, values next to them, and arbitrary values of ``kind``."""
    near = sorted({n for v in stored for n in neighbours(kind, v)})
    options: list[st.SearchStrategy[Any]] = [st.sampled_from(list(stored))]
    if near:
        options.append(st.sampled_from(near))
    if kind == "datetime":
        options.append(
            st.datetimes(
                min_value=(T0 - timedelta(seconds=20)).replace(tzinfo=None),
                max_value=(T0 + timedelta(seconds=120)).replace(tzinfo=None),
                timezones=st.just(UTC),
            ).flatmap(lambda t: st.sampled_from(ZONES).map(t.astimezone))
        )
    elif kind == "date":
        options.append(st.dates(D0 - timedelta(days=3), D0 + timedelta(days=9)))
    elif kind == "uuid":
        options.append(st.integers(0, (1 << 128) - 1).map(lambda n: UUID(int=n)))
    elif kind in WIDTH:
        options.append(st.integers(0, 10 ** WIDTH[kind] - 1))
    elif kind == "int":
        options.append(st.integers(0, 19))
    elif kind == "str":
        options.append(st.text(ALPHABET, max_size=5))
        options.append(
            st.tuples(
                st.sampled_from(list(stored)),
                st.integers(0, 4),
                st.text(ALPHABET, max_size=2),
            ).map(lambda t: t[0][: t[1]] + t[2])
        )
    elif kind == "bool":
        options.append(st.booleans())
    return st.one_of(options)


def _exclusive_ok_for(kind: str, op: str) -> Callable[[Any], bool]:
    return lambda value: exclusive_ok(kind, op, value)


def draw_params(
    data: st.DataObject, spec: Spec, population: Sequence[Any]
) -> dict[str, Any]:
    members = [
        o for o in population if all(getattr(o, a) is not None for a in spec.present)
    ]
    params: dict[str, Any] = {}
    group = members
    for attribute, param in spec.eq:
        kind = param_kind(spec, param)
        stored = sorted({getattr(o, attribute) for o in group})
        strategy: st.SearchStrategy[Any] = st.sampled_from(stored)
        if data.draw(st.integers(0, 9), label=f"{param}: any value") == 0:
            strategy = values_of(kind, stored)
        value = data.draw(strategy, label=param)
        params[param] = value
        narrowed = [o for o in group if getattr(o, attribute) == value]
        group = narrowed or group  # bounds come from the last non-empty group
    for cond in (spec.range, spec.filter):
        if cond is None:
            continue
        attribute, op, names = cond
        kind = param_kind(spec, names[0])
        stored = sorted({getattr(o, attribute) for o in group})
        values = values_of(kind, stored)
        if op == "between":
            low = data.draw(values, label=names[0])
            high = (
                low
                if data.draw(st.booleans(), label="equal ends")
                else data.draw(values, label=names[1])
            )
            params[names[0]], params[names[1]] = sorted([low, high])
            continue
        if op == "begins" and spec.starting:
            values = values.filter(lambda v: v != "")  # see test_edges
        if op == "<" and spec.starting and kind == "str":
            values = values.filter(lambda v: v != "")  # see test_edges
        if op in ("<", ">"):
            values = values.filter(_exclusive_ok_for(kind, op))
        params[names[0]] = data.draw(values, label=names[0])
    return params


def check(
    seeded: Seeded, objects: dict[str, list[Any]], spec: Spec, params: dict[str, Any]
) -> None:
    population = objects[spec.entity]
    expected = spec.select(population, params)
    seeded.recorder.reset()
    results = list(getattr(seeded.repos[spec.entity], spec.name)(**params).all())
    context = f"{spec.entity}.{spec.name}({params!r})"
    assert_selection(
        seeded.gen,
        spec.entity,
        results,
        expected,
        spec.sort_key(),
        desc=spec.desc,
        context=context,
    )
    if spec.filter is None and not spec.is_scan:
        assert seeded.recorder.scanned == len(expected), (
            f"{context}: DynamoDB read {seeded.recorder.scanned} items for "
            f"{len(expected)} matches"
        )


FAMILIES = {
    "event_table_and_lsi": ("event_table", "event_lsi"),
    "event_gsi": ("event_gsi",),
    "customer_and_order": ("customer", "order"),
    "task": ("task",),
}


@pytest.mark.parametrize("family", list(FAMILIES))
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_random_bounds_return_the_python_selection(
    seeded: Seeded, objects: dict[str, list[Any]], family: str, data: st.DataObject
) -> None:
    specs = [s for s in SPECS if s.family in FAMILIES[family] and not s.is_scan]
    spec = data.draw(st.sampled_from(specs), label="query")
    params = draw_params(data, spec, objects[spec.entity])
    check(seeded, objects, spec, params)
