"""Cursors: opaque, checksummed (or HMAC-signed) page positions bound to one query and
its arguments."""

from __future__ import annotations

import binascii
import dataclasses
import enum
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import (
    Any,
    Final,
)
from uuid import UUID

from .documents import _compact_json
from .errors import InvalidCursorError
from .scalars import _type_name

__all__ = ["decode_cursor", "digest_params", "encode_cursor"]


_CURSOR_CHECKSUM: Final = 1  # version byte: payload + 8 bytes of SHA-256
_CURSOR_HMAC: Final = 2  # version byte: payload + 16 bytes of HMAC-SHA256
_CURSOR_MAX_LENGTH: Final = 65_536
_cursor_text_match: Final = re.compile(r"[A-Za-z0-9_-]+").fullmatch
_KEY_TYPES: Final = frozenset(("S", "N", "B"))


def _cursor_tag(payload: bytes, secret: bytes | None) -> bytes:
    if secret is None:
        return hashlib.sha256(payload).digest()[:8]
    return hmac.new(secret, payload, hashlib.sha256).digest()[:16]


def _b64url(raw: bytes) -> str:
    return (
        binascii.b2a_base64(raw, newline=False)
        .rstrip(b"=")
        .translate(_TO_URLSAFE)
        .decode("ascii")
    )


_TO_URLSAFE: Final = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE: Final = bytes.maketrans(b"-_", b"+/")


def encode_cursor(
    query_id: str, params_digest: str, last_key: dict[str, Any], secret: bytes | None
) -> str:
    """Opaque URL-safe cursor for resuming a query after ``last_key``.

    Carries a version byte, ``query_id``, ``params_digest`` (see ``digest_params``) and
    ``last_key`` (DynamoDB's LastEvaluatedKey, wire form) as compact JSON, followed by a
    tag: 8 bytes of SHA-256 (a checksum against corruption) without ``secret``, 16 bytes
    of HMAC-SHA256 keyed with ``secret`` (against forgery) with it.  base64url, no
    padding.  The key values are readable by whoever holds the cursor.
    """
    version = _CURSOR_CHECKSUM if secret is None else _CURSOR_HMAC
    payload = bytes((version,)) + _compact_json(
        [query_id, params_digest, last_key]
    ).encode("ascii")
    return _b64url(payload + _cursor_tag(payload, secret))


def decode_cursor(
    cursor: str, query_id: str, params_digest: str, secret: bytes | None
) -> dict[str, Any]:
    """The LastEvaluatedKey inside a cursor made by ``encode_cursor``.

    Raises ``InvalidCursorError`` -- never anything else -- for a non-``str``, tampered,
    truncated or malformed cursor, or one made for another query id, other arguments
    (``params_digest``) or another secret (or with/without one when this side has none).
    """
    try:
        return _decode_cursor(cursor, query_id, params_digest, secret)
    except InvalidCursorError:
        raise
    except Exception:  # noqa: BLE001 (contract: any malformed cursor is this error)
        raise InvalidCursorError("malformed cursor") from None


def _decode_cursor(
    cursor: object, query_id: str, params_digest: str, secret: bytes | None
) -> dict[str, Any]:
    if type(cursor) is not str:
        raise InvalidCursorError(f"a cursor is a str, not {_type_name(cursor)}")
    if (
        len(cursor) > _CURSOR_MAX_LENGTH
        or _cursor_text_match(cursor) is None
        or len(cursor) % 4 == 1
    ):
        raise InvalidCursorError("malformed cursor")
    text = cursor.encode("ascii")
    raw = binascii.a2b_base64(text.translate(_FROM_URLSAFE) + b"=" * (-len(text) % 4))
    if _b64url(raw) != cursor:  # non-canonical base64 (changed padding bits)
        raise InvalidCursorError("malformed cursor")
    expected = _CURSOR_CHECKSUM if secret is None else _CURSOR_HMAC
    if raw[0] != expected:
        if raw[0] in (_CURSOR_CHECKSUM, _CURSOR_HMAC):
            raise InvalidCursorError(
                "cursor was signed with a secret, but none is configured"
                if secret is None
                else "cursor is not signed, but a cursor secret is configured"
            )
        raise InvalidCursorError("malformed cursor (unknown version)")
    tag_length = 8 if secret is None else 16
    payload, tag = raw[:-tag_length], raw[-tag_length:]
    if len(payload) < 2 or not hmac.compare_digest(tag, _cursor_tag(payload, secret)):
        raise InvalidCursorError(
            "cursor is corrupted (checksum mismatch)"
            if secret is None
            else "cursor signature mismatch (tampered, or made with another secret)"
        )
    data = json.loads(payload[1:])
    if type(data) is not list or len(data) != 3:
        raise InvalidCursorError("malformed cursor")
    cursor_query, cursor_digest, key = data
    if cursor_query != query_id:
        raise InvalidCursorError(
            f"cursor belongs to another query "
            f"({str(cursor_query)[:80]!r}, not {query_id!r})"
        )
    if cursor_digest != params_digest:
        raise InvalidCursorError(
            f"cursor was made for {query_id!r} with other arguments"
        )
    if type(key) is not dict or not key:
        raise InvalidCursorError("malformed cursor (no key)")
    for name, value in key.items():
        if type(value) is not dict or len(value) != 1:
            raise InvalidCursorError(f"malformed cursor (key attribute {name!r})")
        for kind, v in value.items():
            if kind not in _KEY_TYPES or type(v) is not str:
                raise InvalidCursorError(f"malformed cursor (key attribute {name!r})")
    return key


def _canonical(value: object) -> Any:
    """JSON-able canonical form of a query argument, for ``digest_params``."""
    t = type(value)
    if value is None or t is str or t is int or t is bool or t is float:
        return value
    if t is list or t is tuple:
        return [_canonical(v) for v in value]  # type: ignore[attr-defined]
    if t is dict:
        items = value.items()  # type: ignore[attr-defined]
        return {str(k): _canonical(v) for k, v in items}
    if isinstance(value, enum.Enum):
        return _canonical(value.value)
    if isinstance(value, Decimal):
        return "D" + str(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "B" + binascii.b2a_base64(value, newline=False).decode("ascii")
    if isinstance(value, (set, frozenset)):
        return sorted(_compact_json(_canonical(v)) for v in value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _canonical(getattr(value, f.name))
            for f in dataclasses.fields(value)
        }
    raise TypeError(f"digest_params: unsupported argument type {_type_name(value)}")


def digest_params(*values: object) -> str:
    """Short stable digest (16 hex digits of SHA-256) of a query's arguments.

    Deterministic across processes (no ``hash()``): values are put into a canonical JSON
    form first (sets sorted, enums by value, Decimal/datetime/date/UUID/bytes as text,
    dataclasses by field).  Supports those types plus None/bool/int/float/str and nested
    list/tuple/dict; anything else raises ``TypeError``.
    """
    canonical = _compact_json([_canonical(v) for v in values])
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
