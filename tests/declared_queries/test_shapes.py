"""Every declared query of schema.yaml against both servers, with bounds AT stored values.

For each query the parameters are chosen from the seeded objects: the smallest,
largest and a middle stored value of the range field, the values next to them (one
microsecond, one day, one, a uuid one apart; a string with a character below or above
``#``/``$`` appended or one removed), ``between`` pairs including equal ends, and
prefixes for ``begins_with``. The results must be exactly the Python selection, in
sort-key order, and DynamoDB must not even read an item outside it (``ScannedCount``
equals the number of results when the query has no filter): the key condition alone
is exact.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from tests.backends import Backend
from tests.declared_queries._model import (
    SPECS,
    Spec,
    above,
    below,
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

SEED = 20240501


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


def _usable(spec: Spec, op: str, value: Any) -> bool:
    """Bounds left to test_edges: an exclusive bound with no adjacent value, and an
    empty string where the field starts the template."""
    assert spec.range is not None
    kind = param_kind(spec, spec.range[2][0])
    if not exclusive_ok(kind, op, value):
        return False
    return not (spec.starting and value == "" and op in ("<", "begins"))


def cases(spec: Spec, objects: list[Any], rnd: random.Random) -> list[dict[str, Any]]:
    """Parameter sets for ``spec``: bounds at, next to and outside stored values, in
    the partition with the most items, plus one partition (or sort prefix) without
    any item."""
    members = [
        o for o in objects if all(getattr(o, a) is not None for a in spec.present)
    ]
    eq_attrs = [a for a, _ in spec.eq]
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for obj in members:
        groups.setdefault(tuple(getattr(obj, a) for a in eq_attrs), []).append(obj)
    first = sorted(groups, key=lambda k: (-len(groups[k]), repr(k)))[0]
    base = {p: v for (_, p), v in zip(spec.eq, first, strict=True)}
    out = _with_range(spec, base, groups[first], rnd)
    if spec.eq:  # a partition (or sort prefix) holding no item: nothing comes back
        for other in neighbours(param_kind(spec, spec.eq[-1][1]), first[-1]):
            missing = (*first[:-1], other)
            if missing not in groups:
                base = {p: v for (_, p), v in zip(spec.eq, missing, strict=True)}
                out.extend(_with_range(spec, base, groups[first], rnd)[:1])
                break
    return out


def _with_range(
    spec: Spec, base: dict[str, Any], group: list[Any], rnd: random.Random
) -> list[dict[str, Any]]:
    """Range parameters over the values ``group`` holds: a stored value (items AT the
    bound), the values next to it, the smallest and largest stored values and the
    values just outside them; at most five sets, the first at a stored value."""
    filters: list[dict[str, Any]] = [{}]
    if spec.filter is not None:
        attribute, _, (param,) = spec.filter
        values = sorted({getattr(o, attribute) for o in group})
        filters = [{param: values[len(values) // 2]}]
    if spec.range is None:
        return [{**base, **f} for f in filters]
    attribute, op, params = spec.range
    kind = param_kind(spec, params[0])
    values = sorted({getattr(o, attribute) for o in group})
    low, mid, high = values[0], values[len(values) // 2], values[-1]
    if op == "begins":
        with_hash = [v[: v.index("#") + 1] for v in values if "#" in v]
        prefixes = [mid, "", mid[:1], *with_hash[:1], mid + " "]
        if spec.starting:
            prefixes.remove("")  # DynamoDB refuses an empty bound: see test_edges
        sets = [{params[0]: p} for p in prefixes]
    elif op == "between":
        pairs = [
            (mid, mid),
            (low, mid),
            (below(kind, mid), high),
            (low, above(kind, mid)),
            (below(kind, low), low),
        ]
        sets = [
            {params[0]: a, params[1]: b}
            for a, b in pairs
            if a is not None and b is not None and a <= b
        ]
    else:
        bounds = [mid, below(kind, mid), above(kind, mid), low, high]
        bounds += [below(kind, low), above(kind, high)]
        sets = [
            {params[0]: b} for b in bounds if b is not None and _usable(spec, op, b)
        ]
    head, tail = sets[:1], sets[1:]
    rnd.shuffle(tail)
    return [{**base, **p, **f} for p in (head + tail)[:5] for f in filters]


@pytest.mark.parametrize("spec", SPECS, ids=[f"{s.entity}.{s.name}" for s in SPECS])
def test_query_returns_exactly_the_python_selection(
    seeded: Seeded, objects: dict[str, list[Any]], spec: Spec
) -> None:
    method = getattr(seeded.repos[spec.entity], spec.name)
    rnd = random.Random(f"{SEED}{spec.name}")
    population = objects[spec.entity]
    non_empty = at_bound = 0
    for params in cases(spec, population, rnd):
        expected = spec.select(population, params)
        seeded.recorder.reset()
        results = list(method(**params).all())
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
                f"{len(expected)} matches: the key condition is not exact"
            )
        non_empty += bool(expected)
        if spec.range is not None:
            attribute, _, names = spec.range
            bounds = [params[n] for n in names]
            at_bound += any(
                getattr(o, attribute) in bounds
                for o in population
                if all(getattr(o, a) == params[p] for a, p in spec.eq)
                and all(getattr(o, a) is not None for a in spec.present)
            )
    assert non_empty, f"{spec.name}: no case with results (test data too thin)"
    if spec.range is not None and spec.range[1] != "begins":
        assert at_bound, f"{spec.name}: no case with an item at a bound"
