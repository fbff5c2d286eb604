"""The view of ``<entity>_repository.py``: every method's arguments and request parts.

Assembled from the reads (:mod:`dynagen.render.repository_reads`) and the writes
(:mod:`dynagen.render.repository_writes`), both written through one
:class:`~dynagen.render.references.References`, so the module's imports are the names
its code was built with. The placeholders are the model's scheme
(:mod:`dynagen.model.expressions.placeholders`).

Templates are chosen here per method kind, not by ``if`` chains in one template:
``repository.py.jinja`` lays out the module and includes one partial per method kind
(``templates/repository/``), named by :func:`partials` and by each view's ``template``.
"""

from __future__ import annotations

from dataclasses import dataclass

from dynagen.model.schema import Attribute, Entity
from dynagen.model.updates import generic_update
from dynagen.render.python import import_block, literal
from dynagen.render.references import References
from dynagen.render.repository_reads import (
    ReadMethodView,
    ScanView,
    ViewMethodView,
    read_methods,
    scan_view,
    view_methods,
)
from dynagen.render.repository_writes import (
    DeclaredUpdateView,
    GenericUpdateView,
    declared_update_view,
    generic_update_view,
)

__all__ = ["RepositoryView", "repository_view"]


@dataclass(frozen=True, slots=True)
class RepositoryView:
    entity: str
    snake: str
    table_id: str
    key_params: str  # "customer_id: str, ..."
    key_args: str  # "customer_id=customer_id, ..."
    key_args_from_new: str  # "customer_id=new.customer_id, ..."
    key_args_from_key: str  # "customer_id=key.customer_id, ..."
    key_names: tuple[str, ...]  # the table's key attributes
    key_placeholder: str  # placeholder of the table's partition key attribute
    key_stored_name: str
    version: Attribute | None
    version_placeholder: str
    auto_created: tuple[Attribute, ...]
    auto_updated: tuple[Attribute, ...]
    update: GenericUpdateView
    models_imports: tuple[str, ...]
    declared_updates: tuple[DeclaredUpdateView, ...]
    scan: ScanView
    reads: tuple[ReadMethodView, ...]
    views: tuple[ViewMethodView, ...]
    imports: tuple[str, ...]  # standard-library import lines, as the code needs
    # the template of each method family whose code depends on the entity's kind
    partials: dict[str, str]


#: The standard-library names every repository module uses.
ALWAYS_IMPORTED = (
    "from collections.abc import Callable, Sequence",
    "from dataclasses import replace",
    "from datetime import datetime",
    "from typing import Any",
)


def repository_view(entity: Entity) -> RepositoryView:
    refs = References()
    key_fields = entity.key_fields
    key_params = ", ".join(
        f"{a.py_name}: {refs.annotation(a.type)}" for a in key_fields
    )
    key_args = ", ".join(f"{a.py_name}={a.py_name}" for a in key_fields)
    key_args_from_new = ", ".join(
        f"{a.py_name}=rt.required(new.{a.py_name}, {literal(entity.name + '.' + a.name)})"
        if a.nullable
        else f"{a.py_name}=new.{a.py_name}"
        for a in key_fields
    )
    update = generic_update(entity)
    update_view = generic_update_view(refs, entity, update)
    declared = tuple(declared_update_view(refs, entity, u) for u in entity.updates)
    reads = read_methods(refs, entity)
    views = view_methods(refs, entity)
    always = {entity.name, f"{entity.name}Key", f"{entity.snake}_key_item"}
    always |= {f"decode_{entity.snake}", f"encode_{entity.snake}"}
    return RepositoryView(
        entity=entity.name,
        snake=entity.snake,
        table_id=entity.table.id,
        key_params=key_params,
        key_args=key_args,
        key_args_from_new=key_args_from_new,
        key_args_from_key=", ".join(f"{a.py_name}=key.{a.py_name}" for a in key_fields),
        key_names=tuple(k.name for k in entity.table.key_attributes),
        key_placeholder=update.key_placeholder,
        key_stored_name=update.key_attribute,
        version=update.version,
        version_placeholder=update.version_placeholder,
        auto_created=tuple(a for a in entity.attributes if a.auto == "created"),
        auto_updated=tuple(s.attribute for s in update.stamps),
        update=update_view,
        models_imports=refs.models_names(always),
        declared_updates=declared,
        scan=scan_view(entity),
        reads=reads,
        views=views,
        imports=import_block([*ALWAYS_IMPORTED, *refs.scalar_imports()]),
        partials=partials(update.version is not None),
    )


def partials(versioned: bool) -> dict[str, str]:
    """The templates of ``put``/``create``, ``delete`` and the stamping and checking
    helpers: a versioned entity's check and step the version, a plain one's do not."""
    kind = "versioned" if versioned else "plain"
    return {
        family: f"repository/{family}_{kind}.py.jinja"
        for family in ("put", "delete", "stamped")
    }
