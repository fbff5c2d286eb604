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

The repository's own placeholders are all made by the functions below, the one scheme
every request of a generated repository follows:

- Requests built from a compiled expression (declared updates, queries) name attributes
  with :class:`Placeholders`; requests the repository writes without one (the generic
  ``update``, ``put`` and ``delete`` conditions, collections) name an attribute by its
  stored name, :func:`attribute_name` (``#email``, or ``#n`` and a digest for a name that
  is not a plain word), so one placeholder always means one stored name.
- Values a caller gives are ``:p<i>`` (compiled) or :func:`argument_value`
  (``:v_<attribute>``, the generic ``update``).
- Every value the repository adds itself starts with ``:__``, so no attribute or
  parameter name, not even ``__one``, can take it: :func:`updated_value` (an ``auto:
  updated`` time), :func:`derived_value` / :func:`derived_write_value` (a derived key of
  ``update`` / of a declared update), :func:`default_value` (a default read by an
  expression), :func:`upsert_value` / :func:`upsert_key_value` (what an upsert writes
  for a new item), :data:`ZERO` and :data:`ONE` (the version step),
  :data:`EXPECTED_VERSION` (the version checked), :data:`TYPE_VALUE`
  and :data:`KEY_PREFIX_VALUE` (the filters that keep a read to one entity). A query's
  key condition sends ``:__k0`` (partition) and ``:__k1``/``:__k2`` (sort bounds),
  written by ``model.queries.key_condition_text``, whose text the run time reads back.
- Requests of their own (the scan's type filter, a view's projection, the defaults an
  update fills in first) use short fixed names: :data:`SCAN_TYPE_NAME`,
  :func:`projection_name`, :func:`fill_name`.
"""

from __future__ import annotations

import hashlib
import re
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


_WORD = re.compile(r"[A-Za-z0-9_]+")

#: The version step: ``#v = if_not_exists(#v, :__zero) + :__one``.
ZERO = ":__zero"
ONE = ":__one"
#: The version a write expects (written by the run time's ``version_condition``; the
#: model measures the longest condition with it).
EXPECTED_VERSION = ":__expected_version"
#: The type filter of a query (its name placeholder is allocated with the query's).
TYPE_VALUE = ":__type"
#: The type filter of ``scan``, a request of its own: ``#t = :t``.
SCAN_TYPE_NAME = "#t"
SCAN_TYPE_VALUE = ":t"
#: The key-prefix filter of a declared scan of a shared index.
KEY_PREFIX_NAME = "#kp"
KEY_PREFIX_VALUE = ":__kp"
#: The partition key attribute of the request that fills in defaults before an update.
FILL_KEY_NAME = "#f"


def attribute_name(name: str) -> str:
    """The placeholder of stored attribute name ``name``: ``#`` and the name when it is
    a plain word, else ``#n`` and a digest of the name."""
    if _WORD.fullmatch(name):
        return f"#{name}"
    return "#n" + hashlib.sha256(name.encode()).hexdigest()[:8]


def argument_value(attribute: str) -> str:
    """The value of an attribute the generic ``update`` sets."""
    return f":v_{attribute}"


def updated_value(attribute: str) -> str:
    """The ``auto: updated`` time a write sets."""
    return f":__u_{attribute}"


def derived_value(stored: str) -> str:
    """A derived key attribute the generic ``update`` rewrites."""
    if _WORD.fullmatch(stored):
        return f":__k_{stored}"
    return ":__k" + attribute_name(stored)[1:]


def derived_write_value(number: int) -> str:
    """The ``number``-th derived key attribute a declared update writes."""
    return f":__k{number}"


def default_value(attribute: str) -> str:
    """The default of an attribute an update expression reads."""
    return f":__d_{attribute}"


def upsert_value(number: int) -> str:
    """The ``number``-th attribute an upsert writes so that a new item is whole."""
    return f":__u{number}"


def upsert_key_value(number: int) -> str:
    """The ``number``-th derived key an upsert writes for a new item."""
    return f":__uk{number}"


def fill_name(number: int) -> str:
    """The ``number``-th attribute the defaults request fills in."""
    return f"#f{number}"


def fill_value(number: int) -> str:
    """The default of the ``number``-th attribute the defaults request fills in."""
    return f":f{number}"


def projection_name(number: int) -> str:
    """The ``number``-th attribute a view's ProjectionExpression reads."""
    return f"#r{number}"
