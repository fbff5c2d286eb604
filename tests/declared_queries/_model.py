"""The Python model of schema.yaml's data and queries.

``make_dataset`` builds random (seeded) objects full of awkward values: times one
microsecond apart, uuids one apart, padded ints at 0 and 999999, strings that are
prefixes of each other or hold characters below and above the separator ``#`` and ``$``.
Every declared query has a :class:`Spec`: the selection it must return, computed in
Python over the inserted objects, and its sort order.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

UTC = timezone.utc
T0 = datetime(2024, 5, 1, 12, 0, 0, 500000, tzinfo=UTC)
D0 = date(2024, 5, 1)
US = timedelta(microseconds=1)
DAY = timedelta(days=1)

#: Strings that are prefixes of each other, hold characters below ``#`` (space, ``!``,
#: ``"``), ``#`` and ``$`` themselves, characters the key escape rewrites, and non-ASCII.
TRICKY = [
    "",
    "a",
    "a b",
    "a!",
    'a"',
    "a#",
    "a$",
    "a%",
    "a#b",
    "ab",
    "A",
    "Van",
    "Van Dyke",
    "Van#",
    "Van$",
    "Van!",
    "VanDyke",
    "Vanx",
    "carr",
    "carrpatrick",
    "carr patrick",
    "carr#patrick",
    "Zoë",
    "zoe",
    "日本",
    "日本語",
    "~tilde",
    "{brace}",
    "a\tb",
    "😀",
    "x/y",
    "x;y",
    "x[y",
    "x`y",
    "x@y.z",
    "MEMBER#m1",
]

Params = Mapping[str, Any]

ATTR_KINDS: dict[str, dict[str, str]] = {
    "Event": {
        "stream": "str",
        "at": "datetime",
        "event_id": "uuid",
        "seq": "int6",
        "kind": "str",
        "day": "date",
        "label": "str",
        "weight": "int",
    },
    "Customer": {"customer_id": "str", "name": "str", "email": "str", "region": "str"},
    "Order": {"customer_id": "str", "placed_at": "datetime", "ship_on": "date"},
    "Task": {
        "project": "str",
        "task_no": "int6",
        "title": "str",
        "priority": "int3",
        "owner": "str",
        "due": "date",
        "done": "bool",
    },
}


# --------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    events_per_stream: int = 24
    customers: int = 30
    orders_per_customer: int = 4
    tasks_per_project: int = 24


def _times(rnd: random.Random, count: int) -> list[datetime]:
    """``count`` distinct times, some one microsecond apart, one second apart..."""
    base = [T0 + timedelta(seconds=7 * i) for i in range(count)]
    times = set(base)
    for t in rnd.sample(base, min(len(base), max(2, count // 3))):
        times.add(t + US)
        times.add(t - US)
    return sorted(times)


def _padded(rnd: random.Random, count: int, width: int) -> list[int]:
    top = 10**width - 1
    values = {0, 1, 2, top - 1, top, 500, 501, 502}
    while len(values) < count:
        values.add(rnd.randrange(top + 1))
    return rnd.sample(sorted(values), count)


def make_dataset(pkg: Any, seed: int, sizes: Sizes = Sizes()) -> dict[str, list[Any]]:
    """Objects of every entity, keyed by entity name (deterministic for ``seed``)."""
    rnd = random.Random(seed)
    events: list[Any] = []
    times = _times(rnd, 12)
    days = [D0 + DAY * i for i in range(6)]
    for stream in ["s1", "s1 ", "s10", "s 2#ü"]:
        seqs = _padded(rnd, sizes.events_per_stream, 6)
        for i in range(sizes.events_per_stream):
            at = rnd.choice(times)
            if i % 10 < 3:  # uuids one apart under one time
                event_id = UUID(int=(1 << 120) + (i // 10) * 4 + i % 10)
                at = times[len(times) // 2]
            else:
                event_id = UUID(int=rnd.getrandbits(128))
            events.append(
                pkg.Event(
                    stream=stream,
                    at=at,
                    event_id=event_id,
                    seq=seqs[i],
                    kind=rnd.choice(["k1", "k 2", "k1#"]),
                    day=rnd.choice(days),
                    label=rnd.choice(TRICKY),
                    weight=rnd.randrange(20),
                )
            )
    customers: list[Any] = []
    orders: list[Any] = []
    ids = ["c1", "c1 ", "c1#", "c1$", "c10", "c2", "", "Van", "Van Dyke", "carr"]
    ids += ["carrpatrick", "日本", "é", "c1!", "c1%"]
    while len(ids) < sizes.customers:
        ids.append(f"c{len(ids):03d}")
    order_times = _times(rnd, 10)
    ship_days = [D0 + DAY * i for i in range(5)]
    for n, customer_id in enumerate(ids[: sizes.customers]):
        customers.append(
            pkg.Customer(
                customer_id=customer_id,
                name=rnd.choice(TRICKY),
                email=rnd.choice(["a@x", "b@x", "c d@x", "a@x#"]),
                region=rnd.choice(["north", "south", "n o#r"]),
                note=None if n % 2 else "note",
            )
        )
        count = rnd.randrange(sizes.orders_per_customer + 1)
        for placed_at in rnd.sample(order_times, min(count, len(order_times))):
            orders.append(
                pkg.Order(
                    customer_id=customer_id,
                    placed_at=placed_at,
                    ship_on=None if rnd.random() < 0.25 else rnd.choice(ship_days),
                    amount=rnd.randrange(1000),
                )
            )
    tasks: list[Any] = []
    for project in ["p1", "p1 ", "p#2"]:
        numbers = _padded(rnd, sizes.tasks_per_project, 6)
        for task_no in numbers:
            tasks.append(
                pkg.Task(
                    project=project,
                    task_no=task_no,
                    title=rnd.choice(TRICKY),
                    priority=rnd.choice([0, 1, 2, 5, 10, 99, 100, 998, 999]),
                    owner=rnd.choice([None, "ann", "bob", "Ann B", "ann#"]),
                    due=None if rnd.random() < 0.3 else rnd.choice(days),
                    done=rnd.random() < 0.5,
                )
            )
    return {"Event": events, "Customer": customers, "Order": orders, "Task": tasks}


# --------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------

Cond = tuple[str, str, tuple[str, ...]]  # attribute, operator, parameter names


def compare(value: Any, op: str, bounds: Sequence[Any]) -> bool:
    if op == "=":
        return bool(value == bounds[0])
    if op == "<":
        return bool(value < bounds[0])
    if op == "<=":
        return bool(value <= bounds[0])
    if op == ">":
        return bool(value > bounds[0])
    if op == ">=":
        return bool(value >= bounds[0])
    if op == "between":
        return bool(bounds[0] <= value <= bounds[1])
    if op == "begins":
        return bool(value.startswith(bounds[0]))
    raise AssertionError(op)


@dataclass(frozen=True)
class Spec:
    """One declared query of schema.yaml and what it must return."""

    entity: str
    name: str
    family: str
    eq: tuple[tuple[str, str], ...] = ()
    """(attribute, parameter) equalities: the partition's fields, then sort fields."""
    range: Cond | None = None
    order: tuple[str, ...] | None = ()
    """Sort attributes of the queried key; None for a scan (no order)."""
    desc: bool = False
    present: tuple[str, ...] = ()
    """Attributes an item needs to be in the queried (sparse) index."""
    filter: Cond | None = None
    result: str | None = None
    """Class name of a view or projection result; None: the entity."""
    starting: bool = False
    """The range field starts its template (no literal before it)."""

    @property
    def is_scan(self) -> bool:
        return self.order is None

    @property
    def params(self) -> tuple[str, ...]:
        names = [p for _, p in self.eq]
        for cond in (self.range, self.filter):
            if cond is not None:
                names.extend(cond[2])
        return tuple(names)

    def matches(self, obj: Any, params: Params) -> bool:
        if any(getattr(obj, a) is None for a in self.present):
            return False
        if any(getattr(obj, a) != params[p] for a, p in self.eq):
            return False
        for cond in (self.range, self.filter):
            if cond is not None:
                attribute, op, names = cond
                if not compare(getattr(obj, attribute), op, [params[n] for n in names]):
                    return False
        return True

    def sort_key(self) -> Callable[[Any], tuple[Any, ...]] | None:
        if self.order is None:
            return None
        attributes = self.order
        return lambda obj: tuple(getattr(obj, a) for a in attributes)

    def select(self, objects: Sequence[Any], params: Params) -> list[Any]:
        return [obj for obj in objects if self.matches(obj, params)]


def _family(
    entity: str,
    family: str,
    eq: tuple[tuple[str, str], ...],
    order: tuple[str, ...],
    attribute: str,
    queries: Mapping[
        str, tuple[str, tuple[str, ...]] | tuple[str, tuple[str, ...], bool]
    ],
    **common: Any,
) -> list[Spec]:
    """Specs of queries sharing their equalities and range field: ``queries`` maps a
    query name to (operator, parameters) or (operator, parameters, descending)."""
    specs = []
    for name, entry in queries.items():
        op, params = entry[0], entry[1]
        desc = bool(entry[2]) if len(entry) == 3 else False
        specs.append(
            Spec(
                entity,
                name,
                family,
                eq=eq,
                range=(attribute, op, params),
                order=order,
                desc=desc,
                **common,
            )
        )
    return specs


_OPS = ("lt", "le", "gt", "ge")
_SYM = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}

EV_T = ("at", "event_id")
EV_G = ("day", "label", "event_id")
STREAM = (("stream", "stream"),)
KIND = (("kind", "kind"),)

SPECS: list[Spec] = [
    # Event, table key: EVENT#{at}#{event_id}
    Spec("Event", "t_all", "event_table", eq=STREAM, order=EV_T),
    Spec("Event", "t_desc", "event_table", eq=STREAM, order=EV_T, desc=True),
    *_family(
        "Event",
        "event_table",
        STREAM,
        EV_T,
        "at",
        {
            "t_at_eq": ("=", ("at",)),
            "t_at_between": ("between", ("lo", "hi")),
            "t_at_between_desc": ("between", ("lo", "hi"), True),
            **{f"t_at_{o}": (_SYM[o], ("at",)) for o in _OPS},
        },
    ),
    Spec(
        "Event",
        "t_full",
        "event_table",
        eq=(*STREAM, ("at", "at"), ("event_id", "event_id")),
        order=EV_T,
    ),
    *_family(
        "Event",
        "event_table",
        (*STREAM, ("at", "at")),
        EV_T,
        "event_id",
        {
            "t_id_between": ("between", ("lo", "hi")),
            **{f"t_id_{o}": (_SYM[o], ("event_id",)) for o in _OPS},
        },
    ),
    Spec(
        "Event",
        "t_filtered",
        "event_table",
        eq=STREAM,
        order=EV_T,
        filter=("weight", "=", ("weight",)),
    ),
    # Event, local index: SEQ#{seq:6}
    Spec("Event", "l_all", "event_lsi", eq=STREAM, order=("seq",)),
    *_family(
        "Event",
        "event_lsi",
        STREAM,
        ("seq",),
        "seq",
        {
            "l_seq_eq": ("=", ("seq",)),
            "l_seq_between": ("between", ("lo", "hi"), True),
            **{f"l_seq_{o}": (_SYM[o], ("seq",)) for o in _OPS},
        },
    ),
    # Event, global index: {day}#{label}#{event_id}
    Spec("Event", "g_all", "event_gsi", eq=KIND, order=EV_G),
    *_family(
        "Event",
        "event_gsi",
        KIND,
        EV_G,
        "day",
        {
            "g_day_eq": ("=", ("day",)),
            "g_day_between": ("between", ("lo", "hi"), True),
            **{f"g_day_{o}": (_SYM[o], ("day",)) for o in _OPS},
        },
        starting=True,
    ),
    *_family(
        "Event",
        "event_gsi",
        (*KIND, ("day", "day")),
        EV_G,
        "label",
        {
            "g_label_eq": ("=", ("label",)),
            "g_label_between": ("between", ("lo", "hi")),
            "g_label_begins": ("begins", ("prefix",)),
            "g_label_begins_desc": ("begins", ("prefix",), True),
            **{f"g_label_{o}": (_SYM[o], ("label",)) for o in _OPS},
        },
    ),
    # Customer: table key PROFILE (shared partition with Order), gsi1 NAME#{name},
    # gsi4 (keys_only) EMAIL#{email} / CUSTOMER, inverted (keys_only) PROFILE / pk
    Spec("Customer", "profile", "customer", eq=(("customer_id", "customer_id"),)),
    Spec(
        "Customer",
        "profile_summary",
        "customer",
        eq=(("customer_id", "customer_id"),),
        result="CustomerSummary",
    ),
    Spec(
        "Customer", "in_region", "customer", eq=(("region", "region"),), order=("name",)
    ),
    Spec(
        "Customer",
        "in_region_summary",
        "customer",
        eq=(("region", "region"),),
        order=("name",),
        desc=True,
        result="CustomerSummary",
    ),
    *_family(
        "Customer",
        "customer",
        (("region", "region"),),
        ("name",),
        "name",
        {
            "name_eq": ("=", ("name",)),
            "name_le": ("<=", ("name",)),
            "name_ge": (">=", ("name",)),
            "name_between": ("between", ("lo", "hi")),
            "name_begins": ("begins", ("prefix",)),
        },
    ),
    Spec(
        "Customer",
        "by_email",
        "customer",
        eq=(("email", "email"),),
        result="CustomerGsi4Projection",
    ),
    *_family(
        "Customer",
        "customer",
        (),
        ("customer_id",),
        "customer_id",
        {
            "ids_from": (">=", ("customer_id",)),
            "ids_upto": ("<=", ("customer_id",), True),
            "ids_prefix": ("begins", ("prefix",)),
        },
        result="CustomerInvertedProjection",
    ),
    # Order: table key ORDER#{placed_at} (final datetime), lsi1 SHIP#{ship_on} (final
    # date, sparse), inverted (keys_only) ORDER#{placed_at} / CUSTOMER#{customer_id}
    Spec(
        "Order",
        "for_customer",
        "order",
        eq=(("customer_id", "customer_id"),),
        order=("placed_at",),
    ),
    *_family(
        "Order",
        "order",
        (("customer_id", "customer_id"),),
        ("placed_at",),
        "placed_at",
        {
            "placed_eq": ("=", ("at",)),
            "placed_lt": ("<", ("at",)),
            "placed_le": ("<=", ("at",)),
            "placed_gt": (">", ("at",), True),
            "placed_ge": (">=", ("at",)),
            "placed_between": ("between", ("lo", "hi")),
        },
    ),
    *_family(
        "Order",
        "order",
        (("customer_id", "customer_id"),),
        ("ship_on",),
        "ship_on",
        {
            "ship_between": ("between", ("lo", "hi")),
            **{f"ship_{o}": (_SYM[o], ("on",)) for o in _OPS},
        },
        present=("ship_on",),
    ),
    Spec(
        "Order",
        "at_time",
        "order",
        eq=(("placed_at", "at"),),
        order=("customer_id",),
        result="OrderInvertedProjection",
    ),
    Spec(
        "Order",
        "at_time_from",
        "order",
        eq=(("placed_at", "at"),),
        range=("customer_id", ">=", ("customer_id",)),
        order=("customer_id",),
        result="OrderInvertedProjection",
    ),
    # Task: table key TASK#{task_no:6}, lsi1 {title}#{task_no:6}, sparse (include)
    # owner / {priority:3}#{task_no:6}, gsi4 (keys_only) DUE#{project} / {due}
    Spec(
        "Task",
        "tasks",
        "task",
        eq=(("project", "project"),),
        order=("task_no",),
        desc=True,
    ),
    *_family(
        "Task",
        "task",
        (("project", "project"),),
        ("task_no",),
        "task_no",
        {
            "no_eq": ("=", ("n",)),
            "no_between": ("between", ("lo", "hi")),
            **{f"no_{o}": (_SYM[o], ("n",)) for o in _OPS},
        },
    ),
    *_family(
        "Task",
        "task",
        (("project", "project"),),
        ("title", "task_no"),
        "title",
        {
            "title_eq": ("=", ("title",)),
            "title_between": ("between", ("lo", "hi")),
            "title_begins": ("begins", ("prefix",)),
            **{f"title_{o}": (_SYM[o], ("title",)) for o in _OPS},
        },
        starting=True,
    ),
    Spec(
        "Task",
        "owned",
        "task",
        eq=(("owner", "owner"),),
        order=("priority", "task_no"),
        present=("owner",),
        result="TaskSparseProjection",
    ),
    *_family(
        "Task",
        "task",
        (("owner", "owner"),),
        ("priority", "task_no"),
        "priority",
        {
            "owned_priority_lt": ("<", ("p",)),
            "owned_priority_ge": (">=", ("p",), True),
            "owned_priority_between": ("between", ("lo", "hi")),
        },
        present=("owner",),
        result="TaskSparseProjection",
        starting=True,
    ),
    Spec(
        "Task",
        "due_all",
        "task",
        eq=(("project", "project"),),
        order=("due",),
        present=("due",),
        result="TaskGsi4Projection",
    ),
    *_family(
        "Task",
        "task",
        (("project", "project"),),
        ("due",),
        "due",
        {
            "due_eq": ("=", ("due",)),
            "due_between": ("between", ("lo", "hi")),
            **{f"due_{o}": (_SYM[o], ("due",)) for o in _OPS},
        },
        present=("due",),
        result="TaskGsi4Projection",
        starting=True,
    ),
    Spec(
        "Task",
        "open_owned",
        "task",
        order=None,
        present=("owner",),
        filter=("done", "=", ("done",)),
        result="TaskSparseProjection",
    ),
    Spec(
        "Task",
        "all_tasks",
        "task",
        order=None,
        filter=("priority", ">=", ("p",)),
    ),
]

SPEC_BY_NAME: dict[tuple[str, str], Spec] = {(s.entity, s.name): s for s in SPECS}
assert len(SPEC_BY_NAME) == len(SPECS), "duplicate query specs"


def param_kind(spec: Spec, param: str) -> str:
    """The attribute kind (``datetime``, ``int6``, ``str``...) a parameter binds to."""
    kinds = ATTR_KINDS[spec.entity]
    for attribute, name in spec.eq:
        if name == param:
            return kinds[attribute]
    for cond in (spec.range, spec.filter):
        if cond is not None and param in cond[2]:
            return kinds.get(cond[0], "int")
    raise KeyError(param)


# --------------------------------------------------------------------------------------
# Values next to a value, in the attribute's own order
# --------------------------------------------------------------------------------------

WIDTH = {"int6": 6, "int3": 3}


def below(kind: str, value: Any) -> Any:
    """The value just below ``value`` in the attribute's order (None: there is none,
    or, for a string, the value with its last character removed)."""
    if kind == "str":
        return value[:-1] if value else None
    return _step(kind, value, -1)


def above(kind: str, value: Any) -> Any:
    """The value just above ``value`` (for a string: the separator ``#`` appended)."""
    if kind == "str":
        return value + "#"
    return _step(kind, value, 1)


def _step(kind: str, value: Any, step: int) -> Any:
    if kind == "datetime":
        return value + US * step
    if kind == "date":
        return value + DAY * step
    if kind in WIDTH:
        result = value + step
        return result if 0 <= result < 10 ** WIDTH[kind] else None
    if kind == "int":
        return value + step
    if kind == "uuid":
        number = value.int + step
        return UUID(int=number) if 0 <= number < 1 << 128 else None
    if kind == "bool":
        return not value
    raise AssertionError(kind)


def neighbours(kind: str, value: Any) -> list[Any]:
    """Values next to ``value``; for strings also with a character below or above
    ``#``/``$`` appended."""
    out = [below(kind, value), above(kind, value)]
    if kind == "str":
        out += [value + c for c in (" ", "!", "$", "\x00", "~", "é")]
    return [v for v in out if v is not None]


def exclusive_ok(kind: str, op: str, value: Any) -> bool:
    """False for a bound whose adjacent value leaves the type's domain (tested apart:
    test_edges)."""
    if op not in ("<", ">"):
        return True
    if kind in WIDTH:
        return bool(value > 0 if op == "<" else value < 10 ** WIDTH[kind] - 1)
    if kind == "uuid":
        return bool(value.int > 0 if op == "<" else value.int < (1 << 128) - 1)
    return True
