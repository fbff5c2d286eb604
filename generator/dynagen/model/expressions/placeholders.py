"""Placeholders for ExpressionAttributeNames and ExpressionAttributeValues.

Every attribute name segment becomes ``#n<i>`` and every parameter ``:p<i>``, numbered
in order of first appearance, one placeholder per distinct stored name or parameter.
Names are always replaced, so no reserved word (``name``, ``status``, ``size``...) and
no name with a dot or dash can break an expression. Parameters are renamed too, rather
than kept as ``:name``: a schema parameter may be any identifier (``:from``,
``:d_fines``, a non-ASCII name), and renaming leaves every other placeholder name free
for the caller.

The caller's own placeholders (versions, timestamps, defaults, derived keys) must not
look like ``#n<digits>`` or ``:p<digits>``; or the caller allocates them here too.
"""

from __future__ import annotations

from collections.abc import Callable

from dynagen.model.expressions.ast import Segment

#: Maps a path (up to and including a name segment) to that segment's stored name,
#: which differs from the schema name where an attribute or a field has ``column:``.
StoredName = Callable[[tuple[Segment, ...]], str]

NAME_PREFIX = "#n"
VALUE_PREFIX = ":p"


def same_name(path: tuple[Segment, ...]) -> str:
    """A :data:`StoredName` for schemas without renames: the name as written."""
    name = path[-1]
    assert isinstance(name, str)
    return name


def placeholder_index(placeholder: str) -> int:
    """The number of a placeholder (``#n12`` gives 12), for sorting."""
    return int(placeholder[len(NAME_PREFIX) :])


class Placeholders:
    """Allocates placeholders for one request.

    Pass one instance to every compile call whose expressions go into the same request
    (a query's key condition, filter and projection; an update and its condition), so
    that their placeholders agree. Allocation is deterministic: the same calls in the
    same order give the same placeholders.
    """

    def __init__(self) -> None:
        self._names: dict[str, str] = {}
        self._values: dict[str, str] = {}

    def name(self, stored: str) -> str:
        """The ``#n<i>`` placeholder of a stored attribute name."""
        if stored not in self._names:
            self._names[stored] = f"{NAME_PREFIX}{len(self._names)}"
        return self._names[stored]

    def value(self, param: str) -> str:
        """The ``:p<i>`` placeholder of a schema parameter (named without its colon)."""
        if param not in self._values:
            self._values[param] = f"{VALUE_PREFIX}{len(self._values)}"
        return self._values[param]
