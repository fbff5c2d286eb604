"""Hypothesis strategies for every attribute type of the all_types schema.

Values stay inside what DynamoDB can hold: numbers with at most 38 significant digits
and a magnitude of 1E-130 to below 1E+126 (or zero), aware datetimes whose UTC instant
is inside years 1-9999, text without lone surrogates (DynamoDB stores UTF-8), non-empty
map keys. Empty strings, empty binaries and astral characters are in.

The generated classes exist only at run time, so every strategy of an entity or type
takes the generated ``models`` module (typed ``Any``).
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

UTC = timezone.utc

#: Zones with odd offsets (half and quarter hours, +13/+14, DST, historic LMT offsets).
ZONE_NAMES = (
    "Europe/Amsterdam",
    "America/St_Johns",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "Australia/Lord_Howe",
    "America/Los_Angeles",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
)

#: Characters worth meeting often: separators, escapes' prefixes, astral, controls.
SPECIAL_CHARACTERS = (
    "#",
    "$",
    " ",
    "%",
    "{",
    "/",
    ";",
    "[",
    "`",
    "\x00",
    "\n",
    "é",
    "\u00ff",
    "\uffff",
    "😀",
    "𝄞",
    "\U0010ffff",
)

characters = st.one_of(
    st.characters(codec="utf-8"), st.sampled_from(SPECIAL_CHARACTERS)
)
texts = st.text(characters, max_size=12)
#: Map keys. Not empty (moto drops an empty map key), and not a DynamoDB type tag:
#: dynalite reads ``{"M": {"NS": {"L": []}}}`` back as ``{"M": {"NS": ["L"]}}``.
WIRE_TYPE_TAGS = frozenset({"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"})
map_keys = st.text(characters, min_size=1, max_size=8).filter(
    lambda key: key not in WIRE_TYPE_TAGS
)

I38 = 10**38
small_ints = st.integers(min_value=-I38 + 1, max_value=I38 - 1)
ints = st.one_of(
    st.integers(min_value=-1000, max_value=1000),
    small_ints,
    st.builds(lambda m, e: m * 10**e, small_ints, st.integers(0, 87)),
    st.sampled_from([I38 - 1, -(I38 - 1), 10**125, -(10**125), (I38 - 1) * 10**87]),
)


def _decimal(negative: bool, coefficient: int, zeros: int, adjusted: int) -> Decimal:
    digits = tuple(int(c) for c in str(coefficient)) + (0,) * zeros
    return Decimal((int(negative), digits, adjusted - len(digits) + 1))


#: Decimals DynamoDB holds, trailing zeros beyond the 38th digit included.
decimals = st.one_of(
    st.builds(
        _decimal,
        st.booleans(),
        st.integers(0, I38 - 1),
        st.integers(0, 3),
        st.integers(-130, 125),
    ),
    st.decimals(min_value=-(10**6), max_value=10**6, places=3, allow_nan=False),
    st.sampled_from(
        [
            Decimal("0.10"),
            Decimal("-0"),
            Decimal("1E-130"),
            Decimal("-1E-130"),
            Decimal("9.9999999999999999999999999999999999999E+125"),
            Decimal("1" * 38),
            Decimal("0E+50"),
        ]
    ),
)

floats = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).filter(
        lambda f: f == 0 or 1e-130 <= abs(f) < 1e126
    ),
    st.sampled_from([0.1, -0.0, 1e-130, -1e-130, 9.999999999999998e125, 1.5]),
)

fixed_offsets = st.builds(
    lambda minutes: timezone(timedelta(minutes=minutes)),
    st.integers(-(24 * 60) + 1, 24 * 60 - 1),
)
zones: st.SearchStrategy[tzinfo] = st.one_of(
    st.just(UTC), fixed_offsets, st.sampled_from([ZoneInfo(z) for z in ZONE_NAMES])
)
#: Aware datetimes whose instant lies inside years 2-9998 (safe in UTC).
datetimes = st.datetimes(
    min_value=datetime(2, 1, 2), max_value=datetime(9998, 12, 30), timezones=zones
)
#: Whole seconds: what an ``epoch`` attribute holds.
epochs = datetimes.map(lambda d: d.replace(microsecond=0))
dates = st.dates()
uuids = st.uuids()
binaries = st.binary(max_size=16)


@functools.cache
def json_values() -> st.SearchStrategy[Any]:
    """JSON-like documents (``rt.Json``): None, bool, int, Decimal, str, list, dict."""
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        ints,
        decimals,
        texts,
    )
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3),
            st.dictionaries(map_keys, inner, max_size=3),
        ),
        max_leaves=8,
    )


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@functools.cache
def geos(models: Any) -> st.SearchStrategy[Any]:
    return st.builds(models.Geo, lat=decimals, lng=decimals, label=optional(texts))


@functools.cache
def addresses(models: Any) -> st.SearchStrategy[Any]:
    return st.builds(
        models.Address,
        street=texts,
        city=texts,
        postcode=optional(texts),
        geo=geos(models),
        previous=optional(geos(models)),
        color=st.sampled_from(models.Color),
        floors=st.lists(ints, max_size=3),
    )


@functools.cache
def lines(models: Any) -> st.SearchStrategy[Any]:
    return st.builds(
        models.Line,
        sku=texts,
        quantity=ints,
        price=decimals,
        note=optional(texts),
        tags=optional(st.sets(texts, max_size=3)),
        where=optional(addresses(models)),
    )


@functools.cache
def things(models: Any, name: st.SearchStrategy[str] = texts) -> st.SearchStrategy[Any]:
    """Every field of ``Thing`` drawn; optional sets may be empty (stored as absent)."""
    string_sets = st.sets(texts, max_size=3)
    int_sets = st.sets(ints, max_size=3)
    bytes_sets = st.sets(binaries, max_size=3)
    return st.builds(
        models.Thing,
        name=name,
        n=st.integers(0, 999_999),
        at=datetimes,
        id=uuids,
        nickname=optional(texts),
        text=texts,
        count=ints,
        ratio=floats,
        price=decimals,
        flag=st.booleans(),
        data=binaries,
        date_=dates,
        expires=optional(epochs),
        uid=uuids,
        timestamp=datetimes,
        color=st.sampled_from(models.Color),
        size=st.sampled_from(models.ThingSize),
        tags=st.lists(texts, max_size=3),
        scores=st.dictionaries(map_keys, ints, max_size=3),
        labels=string_sets,
        numbers=int_sets,
        blobs=bytes_sets,
        doc=json_values(),
        address=addresses(models),
        lines=st.lists(lines(models), max_size=2),
        matrix=st.dictionaries(map_keys, st.lists(ints, max_size=3), max_size=2),
        nested=st.lists(
            st.dictionaries(map_keys, st.lists(decimals, max_size=2), max_size=2),
            max_size=2,
        ),
        opt_text=optional(texts),
        opt_int=optional(ints),
        opt_float=optional(floats),
        opt_decimal=optional(decimals),
        opt_bool=optional(st.booleans()),
        opt_bytes=optional(binaries),
        opt_datetime=optional(datetimes),
        opt_date=optional(dates),
        opt_uuid=optional(uuids),
        opt_color=optional(st.sampled_from(models.Color)),
        opt_labels=optional(string_sets),
        opt_numbers=optional(int_sets),
        opt_blobs=optional(bytes_sets),
        opt_tags=optional(st.lists(texts, max_size=2)),
        opt_scores=optional(st.dictionaries(map_keys, ints, max_size=2)),
        opt_doc=optional(json_values()),
        opt_address=optional(addresses(models)),
        def_text=texts,
        def_int=ints,
        def_float=floats,
        def_decimal=decimals,
        def_bool=st.booleans(),
        def_color=st.sampled_from(models.Color),
        def_size=st.sampled_from(models.ThingDefSize),
        def_tags=st.lists(texts, max_size=2),
        def_labels=string_sets,
        def_numbers=int_sets,
        def_scores=st.dictionaries(map_keys, ints, max_size=2),
        def_lines=st.lists(lines(models), max_size=1),
        renamed=texts,
        from_=optional(texts),
        class_=ints,
        value=optional(decimals),
        version=optional(st.integers(0, 10**9)),
    )


# --------------------------------------------------------------------------------------
# What a round trip gives back, and a strict comparison
# --------------------------------------------------------------------------------------


def json_after_roundtrip(value: Any) -> Any:
    """A JSON document as decoding gives it back: integral numbers as ``int``."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, list):
        return [json_after_roundtrip(v) for v in value]
    if isinstance(value, dict):
        return {k: json_after_roundtrip(v) for k, v in value.items()}
    return value


def _empty_set_to_none(value: Any) -> Any:
    return None if value == set() else value


def line_after_roundtrip(line: Any) -> Any:
    return dataclasses.replace(
        line,
        tags=_empty_set_to_none(line.tags),
        where=line.where,
    )


def thing_after_roundtrip(thing: Any) -> Any:
    """``thing`` as reading it back gives it: per SPEC, an empty optional set reads as
    None, a missing version as 0, JSON numbers as int when integral."""
    return dataclasses.replace(
        thing,
        opt_labels=_empty_set_to_none(thing.opt_labels),
        opt_numbers=_empty_set_to_none(thing.opt_numbers),
        opt_blobs=_empty_set_to_none(thing.opt_blobs),
        lines=[line_after_roundtrip(x) for x in thing.lines],
        def_lines=[line_after_roundtrip(x) for x in thing.def_lines],
        doc=json_after_roundtrip(thing.doc),
        opt_doc=json_after_roundtrip(thing.opt_doc),
        version=0 if thing.version is None else thing.version,
    )


def canonical(value: Any) -> Any:
    """A comparable tree that keeps Python types: ``1 != True``, ``1 != Decimal(1)``.

    Datetimes become their UTC instant (they come back in UTC); a decoded datetime must
    be aware. Decimals compare by value (``0.10 == 0.1``: servers may canonicalise).
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            tuple(
                (f.name, canonical(getattr(value, f.name)))
                for f in dataclasses.fields(value)
            ),
        )
    if isinstance(value, datetime):
        assert value.utcoffset() is not None, f"naive datetime {value!r}"
        return ("datetime", value.astimezone(UTC))
    if isinstance(value, date):
        return ("date", value)
    if isinstance(value, list):
        return ("list", tuple(canonical(v) for v in value))
    if isinstance(value, dict):
        return ("dict", frozenset((k, canonical(v)) for k, v in value.items()))
    if isinstance(value, (set, frozenset)):
        return ("set", frozenset(canonical(v) for v in value))
    return (type(value).__name__, value)


# --------------------------------------------------------------------------------------
# Hand-written objects
# --------------------------------------------------------------------------------------


def make_thing(models: Any, **overrides: Any) -> Any:
    """A valid ``Thing`` with every required field set to a plain value."""
    fields: dict[str, Any] = {
        "name": "thing",
        "n": 1,
        "at": datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
        "id": UUID("12345678-1234-5678-1234-567812345678"),
        "text": "text",
        "count": 1,
        "ratio": 0.5,
        "price": Decimal("9.99"),
        "flag": True,
        "data": b"\x00\x01",
        "date_": date(2024, 5, 1),
        "uid": UUID("87654321-4321-8765-4321-876543218765"),
        "timestamp": datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
        "color": models.Color.RED,
        "size": models.ThingSize.SMALL,
        "tags": [],
        "scores": {},
        "labels": set(),
        "numbers": set(),
        "blobs": set(),
        "doc": None,
        "address": models.Address(
            street="s", city="c", geo=models.Geo(lat=Decimal(1), lng=Decimal(2))
        ),
        "lines": [],
        "matrix": {},
        "nested": [],
        "renamed": "r",
    }
    fields.update(overrides)
    return models.Thing(**fields)
