"""The view of ``models.py``: a lazy index over the modules behind it (issue 16, cold start).

The entity classes, key classes, partial classes and codecs of one entity live in
``<entity>_model.py``; each enum, and each group of named map types that refer to each
other, in ``_model_<name>.py`` (:mod:`dynagen.render.layout`). ``models.py`` names every
one of them for type checkers (under ``TYPE_CHECKING``) and imports a module on first
access to one of its names (PEP 562 ``__getattr__``). A process pays only for the
entities it touches.
"""

from __future__ import annotations

from dataclasses import dataclass

from dynagen.model.naming import dunder_all_key, natural
from dynagen.model.schema import Model
from dynagen.render.layout import model_modules


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


def models_index_view(model: Model) -> ModelsIndexView:
    # Every name is in __all__: a name imported under TYPE_CHECKING is re-exported to
    # mypy --strict only so (``X as X`` would do too, but ruff flags it outside
    # ``__init__.py``), and repositories import the codecs from here.
    modules = sorted(model_modules(model), key=lambda m: natural(m.name))
    return ModelsIndexView(
        package=model.package,
        all_names=tuple(
            sorted({n for m in modules for n in m.defined}, key=dunder_all_key)
        ),
        modules=tuple((m.name, m.defined) for m in modules),
    )
