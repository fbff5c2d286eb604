"""Item size, counted as DynamoDB counts it (the 400 KB limit)."""

from __future__ import annotations

from typing import (
    Any,
    Final,
)

__all__ = ["MAX_ITEM_SIZE", "check_item_size", "item_size"]


MAX_ITEM_SIZE: Final = 409_600


def _utf8_len(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


def _b64_raw_len(text: str) -> int:
    n = len(text)
    if text[-2:] == "==":
        return n * 3 // 4 - 2
    if text[-1:] == "=":
        return n * 3 // 4 - 1
    return n * 3 // 4


def _number_size(text: str) -> int:
    """DynamoDB's storage size of a number.

    Significant digits are stored two to a byte after an exponent byte, as DynamoDB does
    (and dynalite models): ``1 + ceil(digits / 2)``, plus one byte when the digit count
    and the decimal exponent are both even (the digits do not start on a byte boundary),
    plus one for a negative number.  Zero takes 1 byte.  This is the documented "1 byte
    per two significant digits + 1 byte" with DynamoDB's rounding made exact.
    """
    negative = text[:1] == "-"
    if negative or text[:1] == "+":
        text = text[1:]
    if text.isdigit() and text.isascii():
        digits = text.lstrip("0")
        if not digits:
            return 1
        exponent = len(digits) - 1
    else:
        mantissa, e, exp_text = text.upper().partition("E")
        int_part, _, frac_part = mantissa.partition(".")
        all_digits = int_part + frac_part
        digits = all_digits.lstrip("0")
        if not digits:
            return 1
        leading = len(all_digits) - len(digits)
        exponent = len(int_part) - 1 - leading + (int(exp_text) if e else 0)
    count = len(digits.rstrip("0"))
    size = 1 + (count + 1) // 2
    if count % 2 == 0 and exponent % 2 == 0:
        size += 1
    if negative:
        size += 1
    return size


def _value_size(value: dict[str, Any]) -> int:
    for kind, v in value.items():
        if kind == "S":
            return _utf8_len(v)
        if kind == "N":
            return _number_size(v)
        if kind == "B":
            return _b64_raw_len(v)
        if kind == "BOOL" or kind == "NULL":
            return 1
        if kind == "M":
            size = 3
            for name, x in v.items():
                size += 1 + _utf8_len(name) + _value_size(x)
            return size
        if kind == "L":
            size = 3
            for x in v:
                size += 1 + _value_size(x)
            return size
        if kind == "SS":
            return sum(_utf8_len(x) for x in v)
        if kind == "NS":
            return sum(_number_size(x) for x in v)
        if kind == "BS":
            return sum(_b64_raw_len(x) for x in v)
        raise ValueError(f"unknown DynamoDB type {kind!r}")
    raise ValueError("empty attribute value")


def item_size(item: dict[str, Any]) -> int:
    """DynamoDB's size in bytes of a wire-form item (the 400 KB limit's measure).

    Per attribute: UTF-8 length of its name plus its value: S its UTF-8 length; N see
    ``_number_size`` (about one byte per two significant digits plus one); B its raw
    byte length (computed from the base64 length, nothing decoded); BOOL and NULL 1; L
    and M 3 bytes plus, per element, 1 byte plus the element (and, in M, the element's
    name); SS/NS/BS the sum of their elements.
    """
    size = 0
    for name, value in item.items():
        size += _utf8_len(name) + _value_size(value)
    return size


def check_item_size(item: dict[str, Any], where: str) -> None:
    """``ValueError`` naming ``where`` when the item is over 400 KB (409,600 bytes)."""
    size = item_size(item)
    if size > MAX_ITEM_SIZE:
        raise ValueError(
            f"{where}: item size {size:,} bytes exceeds DynamoDB's limit of "
            f"400 KB ({MAX_ITEM_SIZE:,} bytes)"
        )
