"""Edge values of query parameters, the shape of generated requests, views and
projection classes (SPEC §3 "Queries and index selection", "Views").

* An exclusive bound on a final field uses the adjacent value; at the end of the
  field's domain there is none (``seq < 0``, ``event_id > ffff...``): the Python
  selection is empty.
* ``between`` with its low end above its high end selects nothing (DynamoDB refuses
  such a key condition, so the generated code must not send it).
* An empty string bound on a field that starts its template would be an empty key
  value, which DynamoDB refuses.
* Bad values raise ``ValueError``/``TypeError`` before any request is sent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
import yaml
from botocore.exceptions import ClientError

from tests.backends import Backend
from tests.declared_queries._model import SPEC_BY_NAME, UTC, Sizes, make_dataset
from tests.declared_queries._support import (
    SCHEMA,
    Generated,
    Seeded,
    assert_selection,
    key_of,
    object_for,
    seeded_table,
)

SIZES = Sizes(
    events_per_stream=12, customers=15, orders_per_customer=3, tasks_per_project=12
)


T = datetime(2024, 5, 1, 12, 0, 30, tzinfo=UTC)
D = date(2024, 5, 3)
US = timedelta(microseconds=1)
DAY = timedelta(days=1)
SPEC_NAMES = ["Van", "Van Dyke", "Van!", "Van#", "Van$", "VanDyke", "Vam", "Vao"]
SPEC_NAMES += ["carr", "carrpatrick", "carr patrick", "carr#"]
SPEC_LABELS = ["car", "carr", "carrpatrick", "carr patrick", "carr#", "carr$"]


def spec_examples(pkg: Any) -> dict[str, list[Any]]:
    """Hand-made items for the examples of SPEC §3 (prefixes, bounds at the ends)."""
    return {
        "Customer": [
            pkg.Customer(customer_id=f"spec-{i}", name=n, email="e", region="spec")
            for i, n in enumerate(SPEC_NAMES)
        ],
        "Event": [
            pkg.Event(
                stream="spec",
                at=T,
                event_id=UUID(int=i),
                seq=i,
                kind="spec",
                day=D,
                label=label,
                weight=0,
            )
            for i, label in enumerate(SPEC_LABELS)
        ]
        + [
            pkg.Event(
                stream="spec",
                at=T + n * US,
                event_id=UUID(int=100 + n),
                seq=100 + n,
                kind="spec",
                day=D + n * DAY,
                label="x",
                weight=0,
            )
            for n in (-1, 1, 2)
        ],
        "Order": [
            pkg.Order(
                customer_id="spec",
                placed_at=T + n * US,
                ship_on=D + n * DAY,
                amount=n,
            )
            for n in (-1, 0, 1, 1_000_000)
        ],
        "Task": [
            pkg.Task(
                project="spec",
                task_no=n,
                title="t",
                priority=1,
                due=D + (n % 3) * DAY,
                done=False,
            )
            for n in (0, 1, 2, 999_997, 999_998, 999_999)
        ],
    }


@pytest.fixture(scope="module")
def objects(gen: Generated) -> dict[str, list[Any]]:
    data = make_dataset(gen.package, 3, SIZES)
    for entity, extra in spec_examples(gen.package).items():
        data[entity] = data[entity] + extra
    return data


@pytest.fixture(scope="module")
def seeded(
    backend: Backend,
    gen: Generated,
    objects: dict[str, list[Any]],
    transport_kind: str,
) -> Iterator[Seeded]:
    with seeded_table(backend, gen, objects, transport_kind) as tables:
        yield tables


def run(
    seeded: Seeded,
    objects: dict[str, list[Any]],
    entity: str,
    name: str,
    params: dict[str, Any],
) -> None:
    """Run the query and compare it with the Python selection."""
    spec = SPEC_BY_NAME[entity, name]
    results = list(getattr(seeded.repos[entity], name)(**params).all())
    expected = spec.select(objects[entity], params)
    assert_selection(
        seeded.gen,
        entity,
        results,
        expected,
        spec.sort_key(),
        desc=spec.desc,
        context=f"{entity}.{name}({params})",
    )


def first(objects: dict[str, list[Any]], entity: str) -> Any:
    return objects[entity][0]


# --------------------------------------------------------------------------------------
# Exclusive bounds at the end of the field's domain
# --------------------------------------------------------------------------------------

MIN_TIME = datetime.min.replace(tzinfo=UTC)
MAX_TIME = datetime.max.replace(tzinfo=UTC)
EDGE_BOUNDS: list[tuple[str, str, Callable[[dict[str, list[Any]]], dict[str, Any]]]] = [
    ("Event", "l_seq_lt", lambda o: {"stream": "s1", "seq": 0}),
    ("Event", "l_seq_gt", lambda o: {"stream": "s1", "seq": 999_999}),
    ("Task", "no_lt", lambda o: {"project": "p1", "n": 0}),
    ("Task", "no_gt", lambda o: {"project": "p1", "n": 999_999}),
    (
        "Event",
        "t_id_lt",
        lambda o: {"stream": "s1", "at": first(o, "Event").at, "event_id": UUID(int=0)},
    ),
    (
        "Event",
        "t_id_gt",
        lambda o: {
            "stream": "s1",
            "at": first(o, "Event").at,
            "event_id": UUID(int=(1 << 128) - 1),
        },
    ),
    ("Order", "placed_lt", lambda o: {"customer_id": "c1", "at": MIN_TIME}),
    ("Order", "placed_gt", lambda o: {"customer_id": "c1", "at": MAX_TIME}),
    ("Order", "ship_lt", lambda o: {"customer_id": "c1", "on": date.min}),
    ("Order", "ship_gt", lambda o: {"customer_id": "c1", "on": date.max}),
]


@pytest.mark.parametrize(
    ("entity", "name", "params"),
    EDGE_BOUNDS,
    ids=[f"{e}.{n}" for e, n, _ in EDGE_BOUNDS],
)
def test_exclusive_bound_with_no_adjacent_value_selects_nothing(
    seeded: Seeded,
    objects: dict[str, list[Any]],
    entity: str,
    name: str,
    params: Callable[[dict[str, list[Any]]], dict[str, Any]],
) -> None:
    run(seeded, objects, entity, name, params(objects))


INCLUSIVE_EDGES: list[tuple[str, str, dict[str, Any]]] = [
    ("Event", "l_seq_le", {"stream": "s1", "seq": 0}),
    ("Event", "l_seq_ge", {"stream": "s1", "seq": 999_999}),
    ("Task", "no_le", {"project": "p1", "n": 0}),
    ("Task", "no_ge", {"project": "p1", "n": 999_999}),
    ("Order", "placed_ge", {"customer_id": "c1", "at": MIN_TIME}),
    ("Order", "placed_le", {"customer_id": "c1", "at": MAX_TIME}),
    ("Order", "ship_ge", {"customer_id": "c1", "on": date.min}),
    ("Order", "ship_le", {"customer_id": "c1", "on": date.max}),
    ("Event", "t_at_lt", {"stream": "s1", "at": MIN_TIME}),
    ("Event", "t_at_gt", {"stream": "s1", "at": MAX_TIME}),
]


@pytest.mark.parametrize(
    ("entity", "name", "params"),
    INCLUSIVE_EDGES,
    ids=[f"{e}.{n}" for e, n, _ in INCLUSIVE_EDGES],
)
def test_bounds_at_the_end_of_the_domain(
    seeded: Seeded,
    objects: dict[str, list[Any]],
    entity: str,
    name: str,
    params: dict[str, Any],
) -> None:
    run(seeded, objects, entity, name, params)


# --------------------------------------------------------------------------------------
# between with its ends the wrong way round
# --------------------------------------------------------------------------------------

INVERTED: list[tuple[str, str, dict[str, Any]]] = [
    ("Event", "t_at_between", {"stream": "s1", "lo": T, "hi": T.replace(second=29)}),
    ("Event", "l_seq_between", {"stream": "s1", "lo": 10, "hi": 9}),
    ("Customer", "name_between", {"region": "north", "lo": "b", "hi": "a"}),
    ("Order", "placed_between", {"customer_id": "c1", "lo": T, "hi": MIN_TIME}),
    ("Order", "ship_between", {"customer_id": "c1", "lo": D, "hi": date.min}),
    ("Task", "no_between", {"project": "p1", "lo": 5, "hi": 4}),
    ("Task", "due_between", {"project": "p1", "lo": D, "hi": date(2024, 5, 2)}),
    ("Event", "g_day_between", {"kind": "k1", "lo": D, "hi": date(2024, 5, 2)}),
]


@pytest.mark.parametrize(
    ("entity", "name", "params"), INVERTED, ids=[f"{e}.{n}" for e, n, _ in INVERTED]
)
def test_between_with_low_above_high_selects_nothing(
    seeded: Seeded,
    objects: dict[str, list[Any]],
    entity: str,
    name: str,
    params: dict[str, Any],
) -> None:
    """Expected: no items (the Python selection), or a ValueError before sending.
    DynamoDB (and dynalite) refuse ``BETWEEN`` with the low bound above the high one
    (ValidationException); moto returns nothing."""
    seeded.recorder.reset()
    try:
        run(seeded, objects, entity, name, params)
    except ValueError:
        assert seeded.recorder.requests == [], "ValueError after a request was sent"
    except ClientError as error:
        pytest.fail(
            f"between with low > high sent a key condition DynamoDB refuses: {error}"
        )


# --------------------------------------------------------------------------------------
# Empty strings where the field starts the template
# --------------------------------------------------------------------------------------

EMPTY: list[tuple[str, str, dict[str, Any]]] = [
    ("Task", "title_begins", {"project": "p1", "prefix": ""}),
    ("Task", "title_lt", {"project": "p1", "title": ""}),
    ("Task", "title_le", {"project": "p1", "title": ""}),
    ("Task", "title_gt", {"project": "p1", "title": ""}),
    ("Task", "title_ge", {"project": "p1", "title": ""}),
    ("Task", "title_eq", {"project": "p1", "title": ""}),
    ("Task", "title_between", {"project": "p1", "lo": "", "hi": ""}),
    ("Customer", "name_begins", {"region": "north", "prefix": ""}),
    ("Customer", "ids_prefix", {"prefix": ""}),
    ("Event", "g_label_begins", {"kind": "k1", "day": D, "prefix": ""}),
]


@pytest.mark.parametrize(
    ("entity", "name", "params"), EMPTY, ids=[f"{e}.{n}" for e, n, _ in EMPTY]
)
def test_empty_string_bounds(
    seeded: Seeded,
    objects: dict[str, list[Any]],
    entity: str,
    name: str,
    params: dict[str, Any],
) -> None:
    """``begins_with(title, "")`` selects every item and ``title < ""`` none; sent as
    they are they would be an empty key value, which DynamoDB (and moto) refuse."""
    try:
        run(seeded, objects, entity, name, params)
    except ClientError as error:
        pytest.fail(f"an empty string bound was sent as an empty key value: {error}")


# --------------------------------------------------------------------------------------
# Padded-int bounds no stored key can hold (issue 17): a negative value sorts below
# every key, one wider than the field above every key; they select, not raise
# --------------------------------------------------------------------------------------

OUT_OF_WIDTH: list[tuple[str, str, dict[str, Any]]] = [
    ("Task", "no_le", {"project": "p1", "n": 1_000_000}),
    ("Task", "no_lt", {"project": "p1", "n": 1_000_000}),
    ("Task", "no_ge", {"project": "p1", "n": 1_000_000}),
    ("Task", "no_gt", {"project": "p1", "n": 1_000_000}),
    ("Task", "no_ge", {"project": "p1", "n": -1}),
    ("Task", "no_gt", {"project": "p1", "n": -5}),
    ("Task", "no_le", {"project": "p1", "n": -1}),
    ("Task", "no_between", {"project": "p1", "lo": -3, "hi": 10**9}),
    ("Event", "l_seq_eq", {"stream": "s1", "seq": -5}),
    ("Event", "l_seq_eq", {"stream": "s1", "seq": 10**6}),
    ("Event", "l_seq_le", {"stream": "s1", "seq": 10**6}),
    ("Event", "l_seq_gt", {"stream": "s1", "seq": -1}),
    ("Event", "l_seq_between", {"stream": "s1", "lo": -1, "hi": 10**7}),
]


@pytest.mark.parametrize(
    ("entity", "name", "params"),
    OUT_OF_WIDTH,
    ids=[f"{e}.{n}-{list(p.values())[-1]}" for e, n, p in OUT_OF_WIDTH],
)
def test_padded_bounds_beyond_the_width_select(
    seeded: Seeded,
    objects: dict[str, list[Any]],
    entity: str,
    name: str,
    params: dict[str, Any],
) -> None:
    run(seeded, objects, entity, name, params)


# --------------------------------------------------------------------------------------
# Bad values: refused before any request
# --------------------------------------------------------------------------------------

BAD: list[tuple[str, str, dict[str, Any], type[Exception]]] = [
    ("Event", "l_seq_eq", {"stream": "s1", "seq": "5"}, TypeError),
    ("Event", "t_at_lt", {"stream": "s1", "at": datetime(2024, 5, 1)}, ValueError),
    ("Event", "t_at_eq", {"stream": "s1", "at": date(2024, 5, 1)}, TypeError),
    ("Customer", "profile", {"customer_id": 5}, TypeError),
    ("Customer", "name_le", {"region": "north", "name": None}, TypeError),
    ("Order", "ship_lt", {"customer_id": "c1", "on": "2024-05-01"}, TypeError),
    (
        "Event",
        "t_id_lt",
        {"stream": "s1", "at": T, "event_id": "0000-not-a-uuid"},
        TypeError,
    ),
    ("Task", "all_tasks", {"p": 1.5}, TypeError),
    ("Task", "open_owned", {"done": "yes"}, TypeError),
]


@pytest.mark.parametrize(
    ("entity", "name", "params", "error"),
    BAD,
    ids=[f"{e}.{n}-{type(next(iter(p.values()))).__name__}" for e, n, p, _ in BAD],
)
def test_bad_values_raise_before_any_request(
    seeded: Seeded,
    entity: str,
    name: str,
    params: dict[str, Any],
    error: type[Exception],
) -> None:
    seeded.recorder.reset()
    with pytest.raises(error):
        list(getattr(seeded.repos[entity], name)(**params).all())
    assert seeded.recorder.requests == []


# --------------------------------------------------------------------------------------
# Requests: index, consistency and order as declared
# --------------------------------------------------------------------------------------

QUERIES = {
    (entity, name): spec
    for entity, body in yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))[
        "entities"
    ].items()
    for name, spec in body.get("queries", {}).items()
}
EXPECTED_INDEX = {
    "t_": None,
    "l_": "lsi1",
    "g_": "gsi1",
    "profile": None,
    "in_region": "gsi1",
    "name_": "gsi1",
    "by_email": "gsi4",
    "ids_": "inverted",
    "for_customer": None,
    "placed_": None,
    "ship_": "lsi1",
    "at_time": "inverted",
    "tasks": None,
    "no_": None,
    "title_": "lsi1",
    "owned": "sparse",
    "open_owned": "sparse",
    "due_": "gsi4",
    "all_tasks": None,
}


def test_every_declared_query_has_a_python_model() -> None:
    assert set(QUERIES) == set(SPEC_BY_NAME)


def expected_index(name: str) -> str | None:
    matches = [p for p in EXPECTED_INDEX if name.startswith(p)]
    return EXPECTED_INDEX[max(matches, key=len)]


@pytest.mark.parametrize(
    ("entity", "name"), list(QUERIES), ids=[f"{e}.{n}" for e, n in QUERIES]
)
def test_request_uses_the_declared_index_consistency_and_order(
    seeded: Seeded, objects: dict[str, list[Any]], entity: str, name: str
) -> None:
    declared = QUERIES[entity, name]
    spec = SPEC_BY_NAME[entity, name]
    obj = objects[entity][1]
    params = {p: v for a, p in spec.eq for v in [getattr(obj, a)]}
    for cond in (spec.range, spec.filter):
        if cond is not None:
            for p in cond[2]:
                params[p] = getattr(obj, cond[0])
    seeded.recorder.reset()
    list(getattr(seeded.repos[entity], name)(**params).all())
    operation, request = seeded.recorder.requests[0]
    assert operation == ("Query" if "key" in declared else "Scan")
    assert request.get("IndexName") == declared.get("index", expected_index(name))
    assert request.get("ConsistentRead", False) is bool(declared.get("consistent"))
    assert request.get("ScanIndexForward", True) is (declared.get("order") != "desc")


# --------------------------------------------------------------------------------------
# Views and projection classes
# --------------------------------------------------------------------------------------


def test_get_view_reads_only_the_views_attributes(
    seeded: Seeded, objects: dict[str, list[Any]]
) -> None:
    models = seeded.gen.models
    repo = seeded.repos["Customer"]
    for customer in objects["Customer"]:
        summary = repo.get_summary(customer_id=customer.customer_id)
        assert summary == models.CustomerSummary(
            customer_id=customer.customer_id, name=customer.name, email=customer.email
        )
        assert summary.key() == key_of(seeded.gen, "Customer", customer)
    assert repo.get_summary(customer_id="no such customer") is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        summary.name = "x"


def test_view_queries_project_only_the_views_attributes(
    seeded: Seeded, objects: dict[str, list[Any]]
) -> None:
    customer = objects["Customer"][0]
    seeded.recorder.reset()
    list(
        seeded.repos["Customer"].profile_summary(customer_id=customer.customer_id).all()
    )
    list(seeded.repos["Customer"].in_region_summary(region=customer.region).all())
    for _, request in seeded.recorder.requests:
        names = request["ExpressionAttributeNames"]
        projected = {
            names[token.strip()] for token in request["ProjectionExpression"].split(",")
        }
        assert {"customer_id", "name", "email"} <= projected
        assert projected <= {"customer_id", "name", "email", "pk", "sk"}


#: Fields SPEC §3 requires of each projection class: the fields named by the table's
#: and the index's key templates (plain key attributes included) and the projected
#: attributes.
PROJECTION_FIELDS = {
    "CustomerInvertedProjection": {"customer_id"},
    "OrderInvertedProjection": {"customer_id", "placed_at"},
    "CustomerGsi4Projection": {"customer_id", "email"},
    "TaskGsi4Projection": {"project", "task_no", "due"},
    "TaskSparseProjection": {
        "project",
        "task_no",
        "owner",
        "priority",
        "title",
        "done",
    },
}
INCOMPLETE = {
    "CustomerGsi4Projection": "email (from gsi4pk EMAIL#{email})",
    "TaskGsi4Projection": "due (from gsi4sk {due})",
    "TaskSparseProjection": "priority (from gsi3sk {priority:3}#{task_no:6})",
}


@pytest.mark.parametrize(
    "cls",
    [name for name in PROJECTION_FIELDS],
)
def test_projection_classes_hold_the_key_template_fields(
    gen: Generated, cls: str
) -> None:
    fields = {f.name for f in dataclasses.fields(getattr(gen.models, cls))}
    assert fields == PROJECTION_FIELDS[cls]


def test_projection_key_recovers_key_fields_from_escaped_key_text(
    seeded: Seeded, objects: dict[str, list[Any]]
) -> None:
    """Customer ids like "c1#", "" and "日本" come back from ``pk`` through the escape."""
    results = list(seeded.repos["Customer"].ids_from(customer_id="").all())
    assert sorted(r.customer_id for r in results) == sorted(
        c.customer_id for c in objects["Customer"]
    )
    for result in results:
        assert result.key() == seeded.gen.models.CustomerKey(
            customer_id=result.customer_id
        )


# --------------------------------------------------------------------------------------
# The examples of SPEC §3, spelled out
# --------------------------------------------------------------------------------------

EXAMPLES: list[tuple[str, str, dict[str, Any], str, set[Any]]] = [
    # `name <= "Van"` must not return "Van Dyke" (nor "Van!", "Van#", ...)
    ("Customer", "name_le", {"region": "spec", "name": "Van"}, "name", {"Vam", "Van"}),
    ("Customer", "name_eq", {"region": "spec", "name": "carr"}, "name", {"carr"}),
    (
        "Customer",
        "name_ge",
        {"region": "spec", "name": "Van$"},
        "name",
        {"Van$", "VanDyke", "Vao", "carr", "carrpatrick", "carr patrick", "carr#"},
    ),
    (
        "Customer",
        "name_begins",
        {"region": "spec", "prefix": "Van"},
        "name",
        {"Van", "Van Dyke", "Van!", "Van#", "Van$", "VanDyke"},
    ),
    (
        "Customer",
        "name_begins",
        {"region": "spec", "prefix": "Van "},
        "name",
        {"Van Dyke"},
    ),
    (
        "Customer",
        "name_between",
        {"region": "spec", "lo": "Van", "hi": "Van#"},
        "name",
        {"Van", "Van Dyke", "Van!", "Van#"},
    ),
    # `carr` must not match `carrpatrick` with `=` (a field followed by "#")
    (
        "Event",
        "g_label_eq",
        {"kind": "spec", "day": D, "label": "carr"},
        "label",
        {"carr"},
    ),
    (
        "Event",
        "g_label_le",
        {"kind": "spec", "day": D, "label": "carr"},
        "label",
        {"car", "carr"},
    ),
    (
        "Event",
        "g_label_lt",
        {"kind": "spec", "day": D, "label": "carr"},
        "label",
        {"car"},
    ),
    (
        "Event",
        "g_label_gt",
        {"kind": "spec", "day": D, "label": "carr"},
        "label",
        {"carrpatrick", "carr patrick", "carr#", "carr$"},
    ),
    (
        "Event",
        "g_label_begins",
        {"kind": "spec", "day": D, "prefix": "carr#"},
        "label",
        {"carr#"},
    ),
    # between includes the items AT its ends; exclusive bounds step one unit
    (
        "Order",
        "placed_between",
        {"customer_id": "spec", "lo": T, "hi": T + US},
        "amount",
        {0, 1},
    ),
    ("Order", "placed_lt", {"customer_id": "spec", "at": T}, "amount", {-1}),
    ("Order", "placed_le", {"customer_id": "spec", "at": T}, "amount", {-1, 0}),
    ("Order", "placed_gt", {"customer_id": "spec", "at": T}, "amount", {1, 1_000_000}),
    (
        "Order",
        "ship_between",
        {"customer_id": "spec", "lo": D, "hi": D + DAY},
        "amount",
        {0, 1},
    ),
    ("Order", "ship_lt", {"customer_id": "spec", "on": D}, "amount", {-1}),
    ("Order", "ship_gt", {"customer_id": "spec", "on": D}, "amount", {1, 1_000_000}),
    (
        "Event",
        "t_at_between",
        {"stream": "spec", "lo": T - US, "hi": T},
        "seq",
        {0, 1, 2, 3, 4, 5, 99},
    ),
    ("Event", "t_at_gt", {"stream": "spec", "at": T}, "seq", {101, 102}),
    ("Event", "l_seq_lt", {"stream": "spec", "seq": 3}, "seq", {0, 1, 2}),
    ("Event", "l_seq_between", {"stream": "spec", "lo": 5, "hi": 99}, "seq", {5, 99}),
    (
        "Event",
        "g_day_between",
        {"kind": "spec", "lo": D - DAY, "hi": D},
        "seq",
        {0, 1, 2, 3, 4, 5, 99},
    ),
    ("Event", "g_day_gt", {"kind": "spec", "day": D}, "seq", {101, 102}),
    (
        "Task",
        "no_between",
        {"project": "spec", "lo": 999_998, "hi": 999_999},
        "task_no",
        {999_998, 999_999},
    ),
    ("Task", "no_gt", {"project": "spec", "n": 999_997}, "task_no", {999_998, 999_999}),
    ("Task", "no_lt", {"project": "spec", "n": 2}, "task_no", {0, 1}),
    (
        "Task",
        "due_between",
        {"project": "spec", "lo": D, "hi": D + DAY},
        "task_no",
        {0, 1, 999_997, 999_999},
    ),
    ("Task", "due_lt", {"project": "spec", "due": D + DAY}, "task_no", {0, 999_999}),
]


@pytest.mark.parametrize(
    ("entity", "name", "params", "attribute", "values"),
    EXAMPLES,
    ids=[f"{e}.{n}({next(reversed(p.values()))!r})" for e, n, p, _, _ in EXAMPLES],
)
def test_spec_examples(
    seeded: Seeded,
    objects: dict[str, list[Any]],
    entity: str,
    name: str,
    params: dict[str, Any],
    attribute: str,
    values: set[Any],
) -> None:
    run(seeded, objects, entity, name, params)  # exact, in order
    results = list(getattr(seeded.repos[entity], name)(**params).all())
    got = {
        getattr(object_for(seeded.gen, entity, objects[entity], r), attribute)
        for r in results
    }
    assert got == values
