"""The order-preserving escape of string values in key templates (SPEC §3 Keys)."""

from __future__ import annotations

import pytest
from dynagen import _runtime as rt
from hypothesis import example, given
from hypothesis import strategies as st

KEPT = "-.0123456789:@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"

# every code point class: kept, each escape gap, non-ASCII incl. astral
texts = st.text(
    alphabet=st.one_of(
        st.sampled_from(KEPT + "#$%/;<=>?[\\]^`{|}~ \x00\x7f/"),
        # Lone surrogates cannot be encoded as UTF-8, so DynamoDB can never hold them.
        st.characters(codec="utf-8"),
    )
)


def b(s: str) -> bytes:
    return s.encode("utf-8")


@given(texts)
@example("")
@example("#")
@example("\U0010ffff")
def test_round_trip_and_alphabet(a: str) -> None:
    e = rt.escape_key_text(a)
    assert e.isascii()
    assert all(c > "$" for c in e)
    assert "#" not in e
    assert rt.unescape_key_text(e) == a


@given(texts, texts)
@example("a", "a#")
@example("a", "a$")
@example("a/", "a0")
@example("a.", "a/")
@example("Z", "[")
@example("_", "`")
@example("`", "a")
@example("z", "{")
@example("z", "\x80")
@example("\uffff", "\U00010000")
def test_order_preserved(a: str, c: str) -> None:
    ea, ec = rt.escape_key_text(a), rt.escape_key_text(c)
    # Python compares str by code point, which is UTF-8 byte order
    assert (b(a) < b(c)) == (b(ea) < b(ec)) == (a < c)
    assert (a == c) == (ea == ec)


@given(texts, texts.filter(bool))
def test_separator_property(a: str, rest: str) -> None:
    """For templates "P#{a}#...": escape(a) + "#" sorts below every extension of a."""
    extended = rt.escape_key_text(a + rest)
    assert rt.escape_key_text(a) + "#" < extended
    # the upper bound "P#<a>$" is above every "P#<a>#..." composite key
    assert rt.escape_key_text(a) + "$" > rt.escape_key_text(a) + "#" + extended


@given(texts, texts)
def test_upper_bound_below_every_greater_value(a: str, c: str) -> None:
    """ "P#<a>$" (the bound of `field <= a`) is below every key whose field is > a."""
    if not a < c:
        a, c = c, a
    if a == c:
        return
    ea, ec = rt.escape_key_text(a), rt.escape_key_text(c)
    assert ea + "$" < ec  # field ends the template
    assert ea + "$" < ec + "#"  # field followed by the separator and more fields
    assert ea + "#" < ec  # "P#<a>#" (the bound of `field >= a`) is below them too


@given(texts, texts, texts, texts)
def test_composite_keys_sort_field_by_field(a1: str, a2: str, c1: str, c2: str) -> None:
    """ "ORDER#{x}#{y}" sorts as the tuple (x, y)."""
    ka = "ORDER#" + rt.escape_key_text(a1) + "#" + rt.escape_key_text(a2)
    kc = "ORDER#" + rt.escape_key_text(c1) + "#" + rt.escape_key_text(c2)
    assert ((a1, a2) < (c1, c2)) == (ka < kc)


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("ISBN#978-0", "ISBN%23978-0"),
        ("MEMBER:m1_x@y.z", "MEMBER:m1_x@y.z"),
        ("a b", "a%20b"),
        ("a/b", "a/2Fb"),
        ("<>?", ";3C;3E;3F"),
        ("[\\]^", "[5B[5C[5D[5E"),
        ("`", "`60"),
        ("é", "{0000E9"),
        ("😀", "{01F600"),
        ("{|}~\x7f", "{00007B{00007C{00007D{00007E{00007F"),
        ("%$#", "%25%24%23"),
        ("", ""),
    ],
)
def test_examples(raw: str, escaped: str) -> None:
    assert rt.escape_key_text(raw) == escaped
    assert rt.unescape_key_text(escaped) == raw


@pytest.mark.parametrize(
    "bad",
    [
        "a#b",  # separator never appears in escaped text
        "a$",
        "a b",
        "é",
        "%2",  # truncated
        "%2d",  # lowercase hex
        "%41",  # 'A' is kept, never escaped
        "%2D",  # '-' is kept
        "/2E",  # only '/' uses the '/' prefix
        ";3A",  # ':' is kept
        "[5F",
        "`61",
        "{000041",  # ASCII letter via the wide form
        "{00007A",  # 'z' is kept
        "{110000",  # beyond Unicode
        "{0000E",
        "%",
    ],
)
def test_unescape_refuses_malformed(bad: str) -> None:
    with pytest.raises(ValueError):
        rt.unescape_key_text(bad)


def test_kept_text_returned_unchanged() -> None:
    s = "customer-123e4567-e89b-12d3-a456-426614174000"
    assert rt.escape_key_text(s) is s


@pytest.mark.parametrize(
    ("value", "width", "expected"),
    [(0, 4, "0000"), (42, 4, "0042"), (9999, 4, "9999"), (7, 1, "7")],
)
def test_padded_int(value: int, width: int, expected: str) -> None:
    assert rt.format_padded_int(value, width, "Loan.copy") == expected


@given(st.integers(0, 10**6 - 1), st.integers(0, 10**6 - 1))
def test_padded_int_sorts(a: int, c: int) -> None:
    ta, tc = rt.format_padded_int(a, 6, "x"), rt.format_padded_int(c, 6, "x")
    assert (a < c) == (ta < tc)
    assert rt.escape_key_text(ta) == ta


def test_padded_int_refusals() -> None:
    with pytest.raises(ValueError, match=r"Loan\.copy: -1 is negative"):
        rt.format_padded_int(-1, 4, "Loan.copy")
    with pytest.raises(ValueError, match=r"Loan\.copy: 10000 has more than 4 digits"):
        rt.format_padded_int(10000, 4, "Loan.copy")
    with pytest.raises(TypeError, match=r"Loan\.copy"):
        rt.format_padded_int(True, 4, "Loan.copy")
    with pytest.raises(TypeError, match=r"Loan\.copy"):
        rt.format_padded_int("1", 4, "Loan.copy")  # type: ignore[arg-type]


def test_padded_bound_sorts_out_of_width_values_beyond_every_key() -> None:
    """Issue 17: a query bound on {n:4} below 0 or above 9999 is text that sorts below
    (``""``) or above (``"|"``) every stored key instead of a ``ValueError``."""
    assert rt.padded_bound(42, 4, "T.n") == "0042"
    assert rt.padded_bound(9999, 4, "T.n") == "9999"
    assert rt.padded_bound(10_000, 4, "T.n") == "|"
    assert rt.padded_bound(-1, 4, "T.n") == ""
    assert "" < "0000" and "9999" < "|"
    with pytest.raises(TypeError):
        rt.padded_bound(True, 4, "T.n")
    with pytest.raises(TypeError):
        rt.padded_bound("1", 4, "T.n")  # type: ignore[arg-type]
