"""Key templates: the order-preserving escape of string fields, zero-padded ints, and
the bounds of key ranges (adjacent values for exclusive bounds)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import (
    Any,
    Final,
)
from uuid import UUID

from .scalars import _type_name, format_date, format_datetime, format_epoch, format_uuid

__all__ = [
    "adjacent",
    "adjacent_text",
    "escape_key_text",
    "format_padded_int",
    "padded_bound",
    "unescape_key_text",
]


# Kept as themselves: ASCII letters, digits and - . : _ @
_KEY_KEPT: Final = "-.0123456789:@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
_key_kept_match: Final = re.compile(r"[A-Za-z0-9.:_@-]*").fullmatch
_key_token_match: Final = re.compile(
    r"[A-Za-z0-9.:_@-]+|%[0-2][0-9A-F]|/2F|;3[B-F]|\[5[B-E]|`60|\{[0-9A-F]{6}"
).match


def _key_escape_of(cp: int) -> str:
    """Escape of one character that is not kept (the prefix names its gap)."""
    if cp <= 0x2C:
        return f"%{cp:02X}"
    if cp == 0x2F:
        return "/2F"
    if 0x3B <= cp <= 0x3F:
        return f";{cp:02X}"
    if 0x5B <= cp <= 0x5E:
        return f"[{cp:02X}"
    if cp == 0x60:
        return "`60"
    if cp >= 0x7B:
        return f"{{{cp:06X}"
    raise AssertionError(cp)  # pragma: no cover - kept characters have no escape


class _KeyEscapeTable(dict[int, str]):
    """``str.translate`` table: ASCII precomputed, everything above ``{`` + 6 hex."""

    __slots__ = ()

    def __missing__(self, cp: int) -> str:
        return f"{{{cp:06X}"


_KEY_ESCAPE_TABLE: Final = _KeyEscapeTable(
    {cp: (chr(cp) if chr(cp) in _KEY_KEPT else _key_escape_of(cp)) for cp in range(128)}
)


def escape_key_text(value: str) -> str:
    """Escape a string field value for a key template (reversible, order-preserving).

    Letters, digits and ``- . : _ @`` are kept; every other character becomes a prefix
    plus fixed-width uppercase hex of its code point, the prefix chosen by the gap
    between kept characters it falls in: 0x00–0x2C ``%XX``, ``/`` ``/2F``, 0x3B–0x3F
    ``;XX``, 0x5B–0x5E ``[XX``, 0x60 ``\\`60``, 0x7B and above ``{XXXXXX``.  Hence, for
    all strings: ``a < b`` iff ``escape(a) < escape(b)``; the output is ASCII (UTF-8
    byte order equals ``str`` order); every output character sorts above ``$``, so
    ``escape(a) + "#"`` sorts below ``escape(b)`` for every ``b`` that extends ``a``.
    ``value`` must be a ``str``.

    Outputs of ``format_datetime``, ``format_date``, ``format_uuid``, ``format_int`` and
    ``format_padded_int`` consist of kept characters only and need no escaping.
    """
    if (value.isascii() and value.isalnum()) or _key_kept_match(value) is not None:
        return value
    return value.translate(_KEY_ESCAPE_TABLE)


def unescape_key_text(text: str) -> str:
    """Inverse of ``escape_key_text``; ``ValueError`` for text it cannot produce."""
    if _key_kept_match(text) is not None:
        return text
    out: list[str] = []
    pos = 0
    end = len(text)
    while pos < end:
        m = _key_token_match(text, pos)
        if m is None:
            raise ValueError(f"malformed escaped key text {text!r} at offset {pos}")
        token = m.group()
        pos = m.end()
        first = token[0]
        if first in "%/;[`{":
            cp = int(token[1:], 16)
            if first == "{" and not 0x7B <= cp <= 0x10FFFF:
                raise ValueError(f"malformed escaped key text {text!r}: {token!r}")
            if first == "%" and cp > 0x2C:
                raise ValueError(f"malformed escaped key text {text!r}: {token!r}")
            out.append(chr(cp))
        else:
            out.append(token)
    return "".join(out)


def format_padded_int(value: int, width: int, where: str) -> str:
    """``{field:N}`` of a key template: a non-negative ``int`` zero-padded to ``width``.

    A negative value or one with more than ``width`` digits raises ``ValueError``.
    """
    if type(value) is not int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{where}: expected int, got {_type_name(value)}")
        value = int(value)
    if value < 0:
        raise ValueError(
            f"{where}: {value} is negative; a padded key field must be >= 0"
        )
    text = f"{value:0{width}d}"
    if len(text) > width:
        raise ValueError(f"{where}: {value} has more than {width} digits")
    return text


def padded_bound(value: int, width: int, where: str) -> str:
    """A query bound on a ``{field:N}`` key field: the padded text, or for a value no
    stored key can hold, text that sorts where that value would: "" below every stored
    value (a negative one), "|" above them all (more than ``width`` digits). So
    ``n <= 10000`` on ``{n:4}`` matches every item and ``n >= 10000`` none."""
    if type(value) is not int and (
        isinstance(value, bool) or not isinstance(value, int)
    ):
        raise TypeError(f"{where}: expected int, got {_type_name(value)}")
    if value < 0:
        return ""
    if value >= 10**width:
        return "|"
    return format_padded_int(value, width, where)


def adjacent_text(
    value: Any,
    step: int,
    where: str,
    *,
    width: int | None = None,
    seconds: bool = False,
) -> str:
    """The key text of the value next to ``value`` (see :func:`adjacent`), for an
    exclusive bound on a key template's last field.

    ``value`` itself is checked first. Where no value lies beyond it (``< 0`` on a padded
    int, ``> 999999`` at width 6, ``datetime.max``...), the text is "" below and "|"
    above: bounds that no stored key can pass, so the query finds nothing.
    """
    encode = _bound_encoder(value, width, seconds)
    encode(value, where)
    try:
        return encode(adjacent(value, step, where, seconds=seconds), where)
    except (ValueError, OverflowError):
        return "" if step < 0 else "|"


def _bound_encoder(
    value: Any, width: int | None, seconds: bool
) -> Callable[[Any, str], str]:
    if width is not None:
        return lambda v, w: padded_bound(v, width, w)
    if isinstance(value, datetime):
        return format_epoch if seconds else format_datetime
    if isinstance(value, date):
        return format_date
    if isinstance(value, UUID):
        return format_uuid
    raise TypeError(f"{_type_name(value)} has no adjacent value")


_MICROSECOND: Final = timedelta(microseconds=1)
_DAY: Final = timedelta(days=1)
_SECOND: Final = timedelta(seconds=1)


def adjacent(value: Any, step: int, where: str, *, seconds: bool = False) -> Any:
    """The value next to ``value`` in key order: ``step`` -1 the one below, +1 above.

    For exclusive bounds on a key template's last field (SPEC §3): one microsecond for a
    ``datetime`` (one second with ``seconds``, for an ``epoch``), one day for a ``date``,
    one for an ``int`` and for a ``UUID`` read as a 128-bit number.
    """
    result: Any
    if isinstance(value, datetime):
        result = value + (_SECOND if seconds else _MICROSECOND) * step
    elif isinstance(value, date):
        result = value + _DAY * step
    elif type(value) is int:
        result = value + step
    elif isinstance(value, UUID):
        number = value.int + step
        if not 0 <= number < 1 << 128:
            raise ValueError(f"{where}: no UUID next to {value}")
        result = UUID(int=number)
    else:
        raise TypeError(f"{where}: {_type_name(value)} has no adjacent value")
    return result
