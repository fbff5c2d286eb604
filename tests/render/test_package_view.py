"""The word tables of the package ``__init__`` (``_EXPORTS``, ``_SUBMODULES``): pieces of
one implicitly concatenated string that give back the words, each piece within width."""

from __future__ import annotations

from dynagen.render.package_view import TABLE_WIDTH, word_lines
from hypothesis import given
from hypothesis import strategies as st

WORDS = st.lists(
    st.text(alphabet="abcXYZ_:019", min_size=1, max_size=TABLE_WIDTH + 10), max_size=60
)


@given(WORDS)
def test_pieces_join_back_to_the_words(words: list[str]) -> None:
    pieces = word_lines(words)
    assert "".join(pieces).split() == words
    for piece in pieces:
        # A piece longer than the width holds one word only (a word is never split).
        assert len(piece.rstrip()) <= TABLE_WIDTH or " " not in piece.rstrip()
    assert all(p.endswith(" ") for p in pieces[:-1])
    assert not pieces or not pieces[-1].endswith(" ")


def test_pieces_fill_lines_in_order() -> None:
    assert word_lines(["models:", "A", "B", "tables:", "c"], width=10) == (
        "models: A ",
        "B tables: ",
        "c",
    )
    assert word_lines([]) == ()
