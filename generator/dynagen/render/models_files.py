"""``models.py`` as a lazy index over one module per entity (issue 16, cold start).

The entity classes, key classes, views and codecs of one entity live in
``<entity>_model.py``; each enum, and each group of named map types that refer to each
other, in ``_model_<name>.py``; ``models.py``
names every one of them for type checkers (under ``TYPE_CHECKING``) and imports a
module on first access to one of its names (PEP 562 ``__getattr__``). A process pays
only for the entities it touches.

Each module's import block is decided from the names its rendered body uses (Python
tokens, so names in docstrings or comments do not count): every candidate import that
the body does not mention is left out, so no module imports what it does not use.
"""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass, replace

import jinja2

from dynagen.model.naming import dunder_all_key, isort_key, natural
from dynagen.model.schema import Model
from dynagen.render.codecs import enum_members
from dynagen.render.imports import import_block
from dynagen.render.models_view import (
    ModelsView,
    entity_module,
    models_view,
    shared_modules,
    type_class,
)

_MARKER = "# dynagen: imports"


@dataclass(frozen=True, slots=True)
class ModelsIndexView:
    package: str
    all_names: tuple[str, ...]
    modules: tuple[tuple[str, tuple[str, ...]], ...]  # (module, names), by module

    @property
    def lookup(self) -> tuple[tuple[str, str], ...]:
        """(name, module) for every name of every module, by name."""
        pairs = [(n, m) for m, names in self.modules for n in names]
        return tuple(sorted(pairs, key=lambda pair: natural(pair[0])))


def _defined(view: ModelsView) -> tuple[str, ...]:
    """Every top-level name a models module defines that other modules may import."""
    names = [n for e in view.enums for n in (e.name, enum_members(e.name))]
    for cls in view.types:
        names += [cls.name, f"encode_{cls.snake}", f"decode_{cls.snake}"]
    for entity in view.entities:
        snake = entity.cls.snake
        names += [entity.cls.name, f"{entity.cls.name}Key"]
        names += [f"encode_{snake}", f"decode_{snake}", f"{snake}_key_item"]
    for partial in view.partials:
        names += [partial.name, f"decode_{partial.snake}"]
    return tuple(sorted(names, key=isort_key))


def _all_defined(views: dict[str, ModelsView]) -> set[str]:
    return {name for view in views.values() for name in _defined(view)}


def _used_names(text: str) -> set[str]:
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return {t.string for t in tokens if t.type == tokenize.NAME}


def _render_module(
    template: jinja2.Template,
    head: str,
    view: ModelsView,
    shared: dict[str, str],  # name -> module, of the enum and type modules
    module: str,
) -> str:
    text = template.render(header=head, view=replace(view, imports=(_MARKER,)))
    before, after = text.split(_MARKER + "\n", 1)
    used = _used_names(after)
    stdlib = []
    for line in view.imports:
        if line.startswith("import "):
            if line.split()[1] in used:
                stdlib.append(line)
            continue
        source, names = line.split(" import ", 1)
        kept = [n for n in names.split(", ") if n in used]
        if kept:
            stdlib.append(f"{source} import {', '.join(kept)}")
    wanted: dict[str, list[str]] = {}
    for name, owner in shared.items():
        if name in used and owner != module:
            wanted.setdefault(owner, []).append(name)
    local = ["from . import _runtime as rt"] if "rt" in used else []
    for owner in sorted(wanted, key=natural):
        names = ", ".join(sorted(wanted[owner], key=isort_key))
        local.append(f"from .{owner} import {names}")
    block = "\n\n".join(
        part for part in ("\n".join(import_block(stdlib)), "\n".join(local)) if part
    )
    return f"{before}{block}\n{after}" if block else f"{before}{after.lstrip()}"


def models_files(env: jinja2.Environment, head: str, model: Model) -> dict[str, str]:
    """``models.py``, one module per enum and per group of named types, and one
    ``<entity>_model.py`` per entity."""
    full = models_view(model)
    template = env.get_template("models.py.jinja")
    empty = replace(full, enums=(), types=(), entities=(), partials=())
    views: dict[str, ModelsView] = {}
    for module, enums, types in shared_modules(model):
        views[module] = replace(
            empty, enums=enums, types=tuple(type_class(t) for t in types)
        )
    shared = {name: module for module, view in views.items() for name in _defined(view)}
    for entity, view in zip(model.entities, full.entities, strict=True):
        views[entity_module(entity)] = replace(
            empty,
            entities=(view,),
            partials=tuple(p for p in full.partials if p.entity == entity.name),
        )
    files = {
        f"{module}.py": _render_module(template, head, view, shared, module)
        for module, view in views.items()
    }
    # Every name is in __all__: a name imported under TYPE_CHECKING is re-exported to
    # mypy --strict only so (``X as X`` would do too, but ruff flags it outside
    # ``__init__.py``), and repositories import the codecs from here.
    index = ModelsIndexView(
        package=model.package,
        all_names=tuple(sorted(_all_defined(views), key=dunder_all_key)),
        modules=tuple(
            (module, _defined(view))
            for module, view in sorted(views.items(), key=lambda kv: natural(kv[0]))
        ),
    )
    files["models.py"] = env.get_template("models_index.py.jinja").render(
        header=head, view=index
    )
    return files
