"""Page cursors: opaque, URL-safe, bound to a query and its arguments."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import uuid
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
from dynagen import _runtime as rt
from hypothesis import given
from hypothesis import strategies as st

KEY: dict[str, Any] = {
    "pk": {"S": "CUSTOMER#c1"},
    "sk": {"S": "ORDER#2024-05-01T12:00:00.000000Z#é"},
    "gsi1pk": {"B": "AAEC/w=="},
    "total": {"N": "12.50"},
}
QID = "Order.for_customer"
DIGEST = rt.digest_params("c1", datetime(2024, 1, 1, tzinfo=timezone.utc))
SECRET = b"s3cret"


@pytest.mark.parametrize("secret", [None, SECRET])
def test_round_trip(secret: bytes | None) -> None:
    cursor = rt.encode_cursor(QID, DIGEST, KEY, secret)
    assert cursor.isascii() and cursor.replace("-", "").replace("_", "").isalnum()
    assert "=" not in cursor
    assert rt.decode_cursor(cursor, QID, DIGEST, secret) == KEY


key_values = st.one_of(
    st.builds(lambda s: {"S": s}, st.text(min_size=1)),
    st.builds(lambda n: {"N": str(n)}, st.integers()),
    st.builds(lambda b: {"B": base64.b64encode(b).decode()}, st.binary(min_size=1)),
)


@given(
    st.dictionaries(st.text(min_size=1), key_values, min_size=1, max_size=4),
    st.text(),
    st.one_of(st.none(), st.binary()),
)
def test_round_trip_any_key(
    key: dict[str, Any], query_id: str, secret: bytes | None
) -> None:
    cursor = rt.encode_cursor(query_id, DIGEST, key, secret)
    assert rt.decode_cursor(cursor, query_id, DIGEST, secret) == key


def test_deterministic() -> None:
    assert rt.encode_cursor(QID, DIGEST, KEY, None) == rt.encode_cursor(
        QID, DIGEST, dict(reversed(list(KEY.items()))), None
    )


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@pytest.mark.parametrize("secret", [None, SECRET])
def test_every_changed_character_is_refused(secret: bytes | None) -> None:
    cursor = rt.encode_cursor(QID, DIGEST, KEY, secret)
    for i, original in enumerate(cursor):
        for replacement in (
            ALPHABET[(ALPHABET.index(original) + 1) % 64],
            ALPHABET[(ALPHABET.index(original) + 33) % 64],
            "=",
            "+",
            "é",
        ):
            bad = cursor[:i] + replacement + cursor[i + 1 :]
            with pytest.raises(rt.InvalidCursorError):
                rt.decode_cursor(bad, QID, DIGEST, secret)


@pytest.mark.parametrize("secret", [None, SECRET])
def test_every_flipped_bit_is_refused(secret: bytes | None) -> None:
    cursor = rt.encode_cursor(QID, DIGEST, KEY, secret)
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    for i in range(len(raw)):
        for bit in range(8):
            flipped = bytearray(raw)
            flipped[i] ^= 1 << bit
            bad = base64.urlsafe_b64encode(bytes(flipped)).decode().rstrip("=")
            with pytest.raises(rt.InvalidCursorError):
                rt.decode_cursor(bad, QID, DIGEST, secret)


@pytest.mark.parametrize("secret", [None, SECRET])
def test_every_truncation_is_refused(secret: bytes | None) -> None:
    cursor = rt.encode_cursor(QID, DIGEST, KEY, secret)
    for n in range(len(cursor)):
        with pytest.raises(rt.InvalidCursorError):
            rt.decode_cursor(cursor[:n], QID, DIGEST, secret)
        with pytest.raises(rt.InvalidCursorError):
            rt.decode_cursor(cursor[n + 1 :], QID, DIGEST, secret)
    with pytest.raises(rt.InvalidCursorError):
        rt.decode_cursor(cursor + "A", QID, DIGEST, secret)
    with pytest.raises(rt.InvalidCursorError):
        rt.decode_cursor(cursor + "AAAA", QID, DIGEST, secret)


@pytest.mark.parametrize("secret", [None, SECRET])
def test_foreign_cursors_are_refused(secret: bytes | None) -> None:
    cursor = rt.encode_cursor(QID, DIGEST, KEY, secret)
    with pytest.raises(rt.InvalidCursorError, match="another query"):
        rt.decode_cursor(cursor, "Order.by_id", DIGEST, secret)
    with pytest.raises(rt.InvalidCursorError, match="other arguments"):
        rt.decode_cursor(cursor, QID, rt.digest_params("c2"), secret)
    with pytest.raises(rt.InvalidCursorError):
        rt.decode_cursor(cursor, QID, DIGEST, b"other secret")
    with pytest.raises(rt.InvalidCursorError):
        rt.decode_cursor(cursor, QID, DIGEST, None if secret else SECRET)


def test_wrong_secret_message() -> None:
    cursor = rt.encode_cursor(QID, DIGEST, KEY, SECRET)
    with pytest.raises(rt.InvalidCursorError, match="signature"):
        rt.decode_cursor(cursor, QID, DIGEST, b"other")
    with pytest.raises(rt.InvalidCursorError, match="secret"):
        rt.decode_cursor(cursor, QID, DIGEST, None)


@pytest.mark.parametrize(
    "bad",
    [None, 1, b"abc", ["x"], "", "A", "AA", "!!!!", "a b", "é", "x" * 100_000],
)
def test_malformed_inputs(bad: Any) -> None:
    for secret in (None, SECRET):
        with pytest.raises(rt.InvalidCursorError):
            rt.decode_cursor(bad, QID, DIGEST, secret)


def _forge(payload: bytes, secret: bytes | None) -> str:
    """A cursor with a valid checksum/HMAC around an arbitrary payload."""
    if secret is None:
        tag = hashlib.sha256(payload).digest()[:8]
    else:
        tag = hmac.new(secret, payload, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(payload + tag).decode().rstrip("=")


@pytest.mark.parametrize("secret", [None, SECRET])
@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b'{"a": 1}',
        b"[1, 2]",
        b'["Order.for_customer"]',
        json.dumps([QID, DIGEST, None]).encode(),
        json.dumps([QID, DIGEST, {}]).encode(),
        json.dumps([QID, DIGEST, []]).encode(),
        json.dumps([QID, DIGEST, {"pk": "x"}]).encode(),
        json.dumps([QID, DIGEST, {"pk": {"S": 1}}]).encode(),
        json.dumps([QID, DIGEST, {"pk": {"M": {}}}]).encode(),
        json.dumps([QID, DIGEST, {"pk": {"S": "a", "N": "1"}}]).encode(),
        json.dumps([[QID], DIGEST, {"pk": {"S": "a"}}]).encode(),
        b"[" * 100_000,
    ],
)
def test_well_signed_but_malformed_payloads(secret: bytes | None, body: bytes) -> None:
    version = b"\x01" if secret is None else b"\x02"
    for payload in (version + body, b"\x07" + body):
        with pytest.raises(rt.InvalidCursorError):
            rt.decode_cursor(_forge(payload, secret), QID, DIGEST, secret)


def test_checksum_cursor_is_readable_but_hmac_needed_against_forgery() -> None:
    forged = _forge(
        b"\x01" + json.dumps([QID, DIGEST, {"pk": {"S": "x"}}]).encode(), None
    )
    assert rt.decode_cursor(forged, QID, DIGEST, None) == {"pk": {"S": "x"}}
    with pytest.raises(rt.InvalidCursorError):
        rt.decode_cursor(forged, QID, DIGEST, SECRET)


# --------------------------------------------------------------------------------------
# digest_params
# --------------------------------------------------------------------------------------


def test_digest_params_distinguishes_and_is_stable() -> None:
    d = rt.digest_params
    assert d("a", 1) == d("a", 1)
    assert len(d("a")) == 16
    assert d("a", 1) != d("a", 2)
    assert d("a", 1) != d(1, "a")
    assert d("1") != d(1)
    assert d(Decimal("1.5")) != d("1.5")
    assert d({"b", "a"}) == d({"a", "b"}) == d(frozenset({"a", "b"}))
    assert d(None) != d()
    assert d(uuid.UUID(int=1)) == d(uuid.UUID(int=1))
    with pytest.raises(TypeError):
        d(object())


def test_digest_params_is_deterministic_across_processes() -> None:
    code = (
        "from dynagen import _runtime as rt; import enum, uuid, datetime, decimal\n"
        "class C(enum.Enum):\n    A = 'a'\n"
        "print(rt.digest_params({'x', 'y', 'z', 'w'}, frozenset({b'a', b'b'}), C.A, "
        "uuid.UUID(int=5), datetime.date(2024, 1, 2), decimal.Decimal('1.10'), "
        "{'k': [1, 2.5, None, True]}, (1, 'a')))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
        ).stdout
        for seed in (1, 2, 3)
    }
    assert len(outputs) == 1
