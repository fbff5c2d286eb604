"""JSON: the ``json`` attribute type's codec, and the canonical compact JSON text that
cursors, batches and transactions use to name keys."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import (
    Any,
    Final,
    TypeAlias,
)

from .scalars import _a2b_base64, _to_decimal, _type_name, format_decimal, format_int

__all__ = ["Json", "decode_json", "encode_json"]


Json: TypeAlias = bool | int | Decimal | str | list["Json"] | dict[str, "Json"] | None
"""A JSON-like document.  Floats are accepted by ``encode_json`` too."""


class _JsonError(Exception):
    def __init__(self, kind: type[Exception], detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.path: list[str] = []


def encode_json(value: object, where: str) -> dict[str, Any]:
    """Wire attribute value of a JSON-like document.

    ``None`` → NULL, ``bool`` → BOOL, ``int``/``Decimal`` → N (checked like
    ``format_int``/``format_decimal``), ``float`` → N via ``Decimal(repr(f))`` (exact,
    NaN/inf refused), ``str`` → S, ``list``/``tuple`` → L, ``dict`` with ``str`` keys →
    M. Anything else raises ``TypeError`` (bad numbers ``ValueError``) naming the path
    inside the document, e.g. ``Order.meta["lines"][2]``.
    """
    try:
        return _encode_json(value)
    except _JsonError as e:
        path = "".join(reversed(e.path))
        raise e.kind(f"{where}{path}: {e.detail}") from None


def _json_number(value: Any, fmt: Callable[[Any, str], str]) -> dict[str, Any]:
    try:
        return {"N": fmt(value, "")}
    except (TypeError, ValueError) as e:
        raise _JsonError(type(e), str(e).removeprefix(": ")) from None


def _encode_json(value: object) -> dict[str, Any]:
    t = type(value)
    if t is str:
        return {"S": value}
    if t is dict:
        return {"M": _encode_json_map(value)}  # type: ignore[arg-type]
    if t is int:
        return _json_number(value, format_int)
    if t is bool:
        return {"BOOL": value}
    if value is None:
        return {"NULL": True}
    if t is list or t is tuple:
        return {"L": _encode_json_list(value)}  # type: ignore[arg-type]
    if t is Decimal:
        return _json_number(value, format_decimal)
    if t is float:
        f: float = value  # type: ignore[assignment]
        if f - f != 0.0:
            raise _JsonError(ValueError, f"{f} cannot be stored in DynamoDB")
        return _json_number(Decimal(repr(f)), format_decimal)
    # subclasses, on the slow path
    if isinstance(value, bool):
        return {"BOOL": bool(value)}
    if isinstance(value, str):
        return {"S": str.__str__(value)}
    if isinstance(value, int):
        return _json_number(int(value), format_int)
    if isinstance(value, float):
        return _encode_json(float(value))
    if isinstance(value, Decimal):
        return _json_number(value, format_decimal)
    if isinstance(value, Mapping):
        return {"M": _encode_json_map(value)}
    if isinstance(value, (list, tuple)):
        return {"L": _encode_json_list(value)}
    raise _JsonError(TypeError, f"{_type_name(value)} is not a JSON value")


def _encode_json_map(value: Mapping[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    k: Any = None
    try:
        for k, v in value.items():
            if type(k) is not str:
                if not isinstance(k, str):
                    raise _JsonError(TypeError, f"map key {k!r} is not a str")
                k = str.__str__(k)
            out[k] = _encode_json(v)
    except _JsonError as e:
        if type(k) is str:  # the failure is inside the value under k
            e.path.append(f"[{k!r}]")
        raise
    return out


def _encode_json_list(value: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    i = 0
    try:
        for v in value:
            out.append(_encode_json(v))
            i += 1
    except _JsonError as e:
        e.path.append(f"[{i}]")
        raise
    return out


def _json_number_value(text: str) -> int | Decimal:
    try:
        return int(text)
    except ValueError:
        pass
    d = _to_decimal(text)
    if d.adjusted() <= 200 and d == d.to_integral_value():
        return int(d)
    return d


def decode_json(value: dict[str, Any]) -> Json:
    """JSON-like document from a wire attribute value.

    N reads back as ``int`` when integral (``"1.0"`` → 1), else as ``Decimal``.  Values
    the ``Json`` type does not model, written by other code, are still decoded: SS/NS/BS
    become *lists* (in the server's order; numbers as above, binaries as ``bytes``) and
    B becomes ``bytes`` (not strictly ``Json``).  An unknown type raises ``ValueError``.
    """
    result: Json = _decode_json(value)
    return result


def _decode_json(value: dict[str, Any]) -> Any:
    for kind, v in value.items():
        if kind == "S":
            return v
        if kind == "N":
            return _json_number_value(v)
        if kind == "M":
            return {k: _decode_json(x) for k, x in v.items()}
        if kind == "L":
            return [_decode_json(x) for x in v]
        if kind == "BOOL":
            return v
        if kind == "NULL":
            return None
        if kind == "SS":
            return list(v)
        if kind == "NS":
            return [_json_number_value(x) for x in v]
        if kind == "B":
            return _a2b_base64(v)
        if kind == "BS":
            return [_a2b_base64(x) for x in v]
        raise ValueError(f"unknown DynamoDB type {kind!r}")
    raise ValueError("empty attribute value")


_compact_json: Final = json.JSONEncoder(separators=(",", ":"), sort_keys=True).encode
