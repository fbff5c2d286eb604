"""What an entity's items look like to the generated code, decided once for every view.

- The partial classes an entity has (SPEC §4 "Views" and index projections): one per
  ``views:`` entry, and one per index with a partial projection that some query without a
  view reads. ``models.py`` defines them, each repository returns them: both take them
  from :func:`partial_classes` and :func:`result_class`.
- When an item holds each derived index key attribute (an item outside a sparse index
  holds none of that index's key attributes): :func:`presence`, from the derived-keys
  rule of :mod:`dynagen.model.derived`.
- Where each field of a key template sits in the key text, so that it can be read back
  from a stored key: :func:`field_positions`, split on the template separator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dynagen.model.derived import Presence, derived_groups
from dynagen.model.naming import pascal_case
from dynagen.model.schema import Entity, Index, QueryPlan
from dynagen.model.templates import SEPARATOR, KeyTemplate, segments


@dataclass(frozen=True, slots=True)
class PartialClass:
    """A frozen class holding part of an entity: a view, or what an index projects.

    ``attributes``: the entity attributes it holds beyond the key fields (in the view's
    order, or the entity's for a projection); ``stored``: the stored names the read that
    fills it holds (a field not among them is read back from the key text).
    """

    name: str
    kind: Literal["view", "projection"]
    source: str  # the view's name, or the index's
    attributes: tuple[str, ...]
    stored: frozenset[str]
    index: Index | None = None  # for a projection: the index it reads


def projection_class_name(entity: Entity, index: Index) -> str:
    return f"{entity.name}{pascal_case(index.name)}Projection"


def partial_classes(entity: Entity) -> tuple[PartialClass, ...]:
    """Every partial class of ``entity``: its views, then the projections of the
    partially projected indexes its queries read (a query returning a view reads the
    view's class instead), each index once, in query order."""
    key_stored = [a.stored_name for a in entity.key_fields]
    classes = [
        PartialClass(
            name=view.class_name,
            kind="view",
            source=view.name,
            attributes=view.attributes,
            stored=frozenset(
                [
                    *key_stored,
                    *(entity.attribute(n).stored_name for n in view.attributes),
                ]
            ),
        )
        for view in entity.views
    ]
    seen: set[str] = set()
    for query in entity.queries:
        index = query.index
        if index is None or index.projection == "ALL" or query.view:
            continue
        if index.name in seen:
            continue
        seen.add(index.name)
        projected = entity.table.projected_by(index)
        assert projected is not None
        template_fields = {
            name
            for k in index.key_attributes
            if (source := entity.key_source(k.name)) is not None
            for name in source.field_names
        }
        classes.append(
            PartialClass(
                name=projection_class_name(entity, index),
                kind="projection",
                source=index.name,
                attributes=tuple(
                    a.name
                    for a in entity.attributes
                    if a.stored_name in projected or a.name in template_fields
                ),
                stored=projected,
                index=index,
            )
        )
    return tuple(classes)


def result_class(entity: Entity, plan: QueryPlan) -> PartialClass | None:
    """The partial class a query returns, or None when it returns whole entities."""
    if plan.view is not None:
        wanted = ("view", plan.view)
    elif plan.index is not None and plan.index.projection != "ALL":
        wanted = ("projection", plan.index.name)
    else:
        return None
    return next(c for c in partial_classes(entity) if (c.kind, c.source) == wanted)


def presence(entity: Entity) -> dict[str, Presence]:
    """For each derived index key attribute of ``entity``: when an item holds it (empty:
    always; else when every field of some alternative is set — the optional fields of
    the sparse indexes it keys)."""
    return {k.name: k.presence for g in derived_groups(entity) for k in g.keys}


@dataclass(frozen=True, slots=True)
class FieldPosition:
    """Where a field's text sits in a key: the ``segment``-th piece of the key split on
    ``separator``, after ``skip`` characters of literal text."""

    name: str
    separator: str
    segment: int
    skip: int


def field_positions(template: KeyTemplate) -> tuple[FieldPosition, ...]:
    """Every field of ``template`` with its position, from the template's segments (a
    field's text never holds the separator, the key escape guarantees it, and a field
    ends its segment)."""
    fields = iter(template.fields)
    return tuple(
        FieldPosition(next(fields).name, SEPARATOR, segment, len(literal))
        for segment, (literal, is_open) in enumerate(segments(template))
        if is_open
    )
