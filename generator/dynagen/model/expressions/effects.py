"""What an update does to an item, and the rules on what it may write.

DynamoDB refuses an update that writes one path twice or two overlapping paths (``a``
and ``a.b``; ``lines`` and ``lines[0]``); dynagen also refuses writes to attributes the
repository maintains (key template fields, ``version``, ``auto`` attributes), which the
caller names with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dynagen.model.expressions.ast import Param, Path, SetAction, Update
from dynagen.model.expressions.errors import ExpressionError


@dataclass(frozen=True, slots=True)
class UpdateEffects:
    """The top-level attributes an update touches, in order of first appearance.

    ``writes``: attributes that keep a value, changed by SET, ADD, DELETE or a REMOVE of
    a nested path. ``removes``: attributes removed whole (``REMOVE x``); never in
    ``writes``. ``computed``: the attributes of ``writes`` whose new value the server
    computes (``+``, ``-``, ADD, DELETE, ``list_append``, ``if_not_exists``, a copy of
    another path, or any write below the top level), so the client does not know it.
    ``assignments``: the other attributes of ``writes``, each set whole from one
    parameter (``SET x = :p``), as (attribute, parameter name).
    """

    writes: tuple[str, ...]
    removes: tuple[str, ...]
    computed: tuple[str, ...]
    assignments: tuple[tuple[str, str], ...]


def overlaps(a: Path, b: Path) -> bool:
    """Whether one path is the other or lies inside it."""
    n = min(len(a.segments), len(b.segments))
    return a.segments[:n] == b.segments[:n]


def check_overlaps(paths: Sequence[Path], what: str) -> None:
    """Raise at the first path that repeats or overlaps an earlier one.

    ``what`` names the expression in the message ("this update", "this projection").
    """
    for i, path in enumerate(paths):
        check_overlap(path, paths[:i], what)


def check_overlap(path: Path, earlier: Sequence[Path], what: str) -> None:
    """Raise at ``path`` if it repeats or overlaps one of the ``earlier`` paths."""
    for other in earlier:
        if path.segments == other.segments:
            raise ExpressionError(f"'{path.text}' appears twice in {what}", path.offset)
        if overlaps(path, other):
            raise ExpressionError(
                f"'{path.text}' overlaps '{other.text}', also in {what}",
                path.offset,
                "DynamoDB refuses overlapping paths in one expression",
            )


def update_effects(update: Update, forbidden: Mapping[str, str]) -> UpdateEffects:
    """Check what ``update`` writes and describe it.

    ``forbidden`` maps a top-level attribute to the reason it cannot be written. Raises
    :class:`ExpressionError`, located at the path, for a forbidden attribute and for a
    path written twice or overlapping another written path (reading a written path, as
    in ``SET a = a + :n``, is fine).
    """
    targets: list[Path] = []
    writes: dict[str, None] = {}
    removes: dict[str, None] = {}
    computed: dict[str, None] = {}
    assignments: list[tuple[str, str]] = []
    for action in update.actions():
        path = action if isinstance(action, Path) else action.path
        top = path.top
        if top in forbidden:
            raise ExpressionError(
                f"this update cannot write '{top}': {forbidden[top]}", path.offset
            )
        check_overlap(path, targets, "this update")
        targets.append(path)
        whole = len(path.segments) == 1
        if isinstance(action, Path) and whole:
            removes[top] = None
            continue
        writes[top] = None
        if whole and isinstance(action, SetAction) and isinstance(action.value, Param):
            assignments.append((top, action.value.name))
        else:
            computed[top] = None
    return UpdateEffects(
        tuple(writes), tuple(removes), tuple(computed), tuple(assignments)
    )
