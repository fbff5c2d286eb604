"""Compile checked syntax trees into DynamoDB expression text with placeholders.

The output is deterministic and canonical (see :mod:`render`): every name segment is an
``#n<i>`` placeholder and every parameter a ``:p<i>`` one (see :mod:`placeholders`),
numbered by first appearance in the text. The caller supplies ``stored_name`` so that
``column:`` renames reach DynamoDB, and gets back which placeholder stands for which
stored name and which parameter.

Updates are also checked for what they write (see :mod:`effects`) and read attributes
with defaults through ``if_not_exists`` (SPEC §4): an item written by other code may
lack them. Conditions are compiled as written: they see the stored item as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, replace

from dynagen.model.expressions.ast import (
    AddAction,
    Arithmetic,
    Between,
    Condition,
    IfNotExists,
    Param,
    Path,
    SetAction,
    Update,
    walk,
)
from dynagen.model.expressions.effects import check_overlaps, update_effects
from dynagen.model.expressions.errors import ExpressionError
from dynagen.model.expressions.placeholders import (
    Placeholders,
    StoredName,
    placeholder_index,
)
from dynagen.model.expressions.render import (
    join_update,
    render_add_action,
    render_condition,
    render_projection,
    render_set_action,
)

#: DynamoDB's limit on the length of one expression string, in bytes.
MAX_EXPRESSION_BYTES = 4096

Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class CompiledExpression:
    """An expression ready for a request.

    ``names``: (``#n<i>``, stored attribute name) for ExpressionAttributeNames;
    ``params``: (``:p<i>``, schema parameter name), whose values go into
    ExpressionAttributeValues. Both hold exactly the placeholders this text uses, in
    placeholder order.
    """

    text: str
    names: Pairs
    params: Pairs
    #: (low, high) value placeholders of every BETWEEN whose bounds are both
    #: parameters: the caller checks them in order before sending (DynamoDB refuses a
    #: reversed BETWEEN).
    between: Pairs = ()


@dataclass(frozen=True, slots=True)
class CompiledUpdate:
    """An update expression ready for a request, with what it does to the item.

    ``text`` joins ``set_actions`` ... ``delete_actions`` with :func:`join_update`; the
    caller may join them again with actions of its own (version, timestamps, derived
    keys). ``names`` and ``params`` are as in :class:`CompiledExpression`. ``defaults``:
    (default value placeholder, attribute) for each caller-given default placeholder the
    text uses; send exactly those values (DynamoDB refuses unused ones). ``writes``,
    ``removes``, ``computed`` and ``assignments`` are described on
    :class:`~dynagen.model.expressions.effects.UpdateEffects`.
    """

    text: str
    names: Pairs
    params: Pairs
    defaults: Pairs
    set_actions: tuple[str, ...]
    remove_actions: tuple[str, ...]
    add_actions: tuple[str, ...]
    delete_actions: tuple[str, ...]
    writes: tuple[str, ...]
    removes: tuple[str, ...]
    computed: tuple[str, ...]
    assignments: Pairs

    @property
    def expression(self) -> CompiledExpression:
        return CompiledExpression(self.text, self.names, self.params)


class _Placeholding:
    """The formatter that prints placeholders and records the ones it used."""

    def __init__(
        self,
        placeholders: Placeholders,
        stored_name: StoredName,
        defaults: Mapping[str, str] | None = None,
    ) -> None:
        self._placeholders = placeholders
        self._stored_name = stored_name
        self._defaults = defaults or {}
        self.names: dict[str, str] = {}
        self.params: dict[str, str] = {}
        self.default_values: dict[str, str] = {}

    def path(self, path: Path) -> str:
        parts: list[str] = []
        for i, segment in enumerate(path.segments):
            if isinstance(segment, int):
                parts.append(f"[{segment}]")
                continue
            stored = self._stored_name(path.segments[: i + 1])
            placeholder = self._placeholders.name(stored)
            self.names[placeholder] = stored
            parts.append(f".{placeholder}" if i else placeholder)
        return "".join(parts)

    def read(self, path: Path) -> str:
        text = self.path(path)
        default = self._defaults.get(path.top) if len(path.segments) == 1 else None
        if default is None:
            return text
        self.default_values[default] = path.top
        return f"if_not_exists({text}, {default})"

    def param(self, param: Param) -> str:
        placeholder = self._placeholders.value(param.name)
        self.params[placeholder] = param.name
        return placeholder

    def expression(self, text: str) -> CompiledExpression:
        check_length(text)
        return CompiledExpression(text, _sorted(self.names), _sorted(self.params))


def check_length(text: str, what: str = "the compiled expression") -> None:
    """Raise :class:`ExpressionError` if ``text`` is over DynamoDB's limit. Callers that
    add to a compiled expression (a repository's own conditions and actions) check the
    expression as sent again."""
    if len(text.encode()) > MAX_EXPRESSION_BYTES:
        raise ExpressionError(
            f"{what} is longer than DynamoDB's limit of {MAX_EXPRESSION_BYTES} bytes",
            0,
        )


def _sorted(pairs: dict[str, str]) -> Pairs:
    return tuple(sorted(pairs.items(), key=lambda pair: placeholder_index(pair[0])))


def compile_condition(
    condition: Condition,
    stored_name: StoredName,
    *,
    placeholders: Placeholders | None = None,
) -> CompiledExpression:
    """Compile a checked condition, filter or key condition as written."""
    fmt = _Placeholding(placeholders or Placeholders(), stored_name)
    compiled = fmt.expression(render_condition(condition, fmt))
    between = tuple(
        (fmt.param(node.low), fmt.param(node.high))
        for node in walk(condition)
        if isinstance(node, Between)
        and isinstance(node.low, Param)
        and isinstance(node.high, Param)
    )
    return replace(compiled, between=between) if between else compiled


def compile_projection(
    paths: Sequence[Path],
    stored_name: StoredName,
    *,
    placeholders: Placeholders | None = None,
) -> CompiledExpression:
    """Compile a projection. Raises :class:`ExpressionError` at a repeated or
    overlapping path (DynamoDB refuses both)."""
    check_overlaps(paths, "this projection")
    fmt = _Placeholding(placeholders or Placeholders(), stored_name)
    return fmt.expression(render_projection(paths, fmt))


def _check_default_reads(update: Update, defaults: Mapping[str, str]) -> None:
    """An attribute with a default is read through ``if_not_exists(x, :default)``; as
    ``if_not_exists``'s own default it cannot be (the function does not nest on every
    server), so it would be read as stored and fail where it is missing."""
    for action in update.set:
        for node in walk(action.value):
            if not isinstance(node, IfNotExists) or not isinstance(node.default, Path):
                continue
            default = node.default
            if len(default.segments) == 1 and default.top in defaults:
                raise ExpressionError(
                    f"'{default.text}' has a default, which if_not_exists() cannot "
                    "read in its second argument",
                    default.offset,
                    f"pass the fallback as a :parameter, or write "
                    f"if_not_exists({node.path.text}, :{default.text})",
                )


def compile_update(
    update: Update,
    stored_name: StoredName,
    *,
    forbidden: Mapping[str, str] | None = None,
    defaults: Mapping[str, str] | None = None,
    nonzero_number_defaults: Set[str] = frozenset(),
    placeholders: Placeholders | None = None,
) -> CompiledUpdate:
    """Compile a checked update expression.

    ``forbidden`` maps top-level attributes that must not be written to the reason why.
    ``defaults`` maps a top-level attribute with a default to the caller's placeholder
    of that default value (``{"fines": ":d_fines"}``): every read of the whole attribute
    in a SET value becomes ``if_not_exists(#n, :d_fines)``. ``nonzero_number_defaults``
    names the number attributes among them whose default is not 0: ``ADD x :n`` on such
    an attribute becomes the SET action ``x = if_not_exists(x, :d_x) + :n``, placed
    after the written SET actions. Raises :class:`ExpressionError` for a forbidden,
    repeated or overlapping write; ``ValueError`` if ``nonzero_number_defaults`` names
    an attribute without a default.
    """
    effects = update_effects(update, forbidden or {})
    defaults = defaults or {}
    _check_default_reads(update, defaults)
    missing = sorted(set(nonzero_number_defaults) - set(defaults))
    if missing:
        raise ValueError(
            f"nonzero_number_defaults without a default placeholder: {missing}"
        )
    set_actions = list(update.set)
    add_actions: list[AddAction] = []
    for action in update.add:
        if (
            len(action.path.segments) == 1
            and action.path.top in nonzero_number_defaults
        ):
            value = Arithmetic("+", action.path, action.value, action.offset)
            set_actions.append(SetAction(action.path, value, action.offset))
        else:
            add_actions.append(action)
    fmt = _Placeholding(placeholders or Placeholders(), stored_name, defaults)
    sets = tuple(render_set_action(a, fmt) for a in set_actions)
    removes = tuple(fmt.path(p) for p in update.remove)
    adds = tuple(render_add_action(a, fmt) for a in add_actions)
    deletes = tuple(render_add_action(a, fmt) for a in update.delete)
    compiled = fmt.expression(join_update(sets, removes, adds, deletes))
    return CompiledUpdate(
        text=compiled.text,
        names=compiled.names,
        params=compiled.params,
        defaults=tuple(sorted(fmt.default_values.items())),
        set_actions=sets,
        remove_actions=removes,
        add_actions=adds,
        delete_actions=deletes,
        writes=effects.writes,
        removes=effects.removes,
        computed=effects.computed,
        assignments=effects.assignments,
    )
