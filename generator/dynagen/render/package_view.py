"""The view of ``__init__.py``: what the package re-exports, and from where."""

from __future__ import annotations

from dataclasses import dataclass

from dynagen.model.naming import dunder_all_key, isort_key, natural
from dynagen.model.schema import Model
from dynagen.render import layout
from dynagen.resources import runtime_public

#: What ``__init__`` re-exports from ``_runtime`` (``CollectionQuery`` only with collections).
RUNTIME_EXPORTS = tuple(n for n in runtime_public() if n != "CollectionQuery")
TABLES_EXPORTS = ("create_tables", "delete_tables")
#: What the package re-exports from ``_stream_runtime`` when it has streams.
STREAM_RUNTIME_EXPORTS = ("StreamBatch", "StreamFailure")


@dataclass(frozen=True, slots=True)
class PackageView:
    package: str
    version: str
    imports: tuple[tuple[str, tuple[str, ...]], ...]  # (module, names), sorted
    modules: tuple[str, ...] = ()  # every module of the package, sorted

    @property
    def all_names(self) -> tuple[str, ...]:
        return tuple(
            sorted({n for _, names in self.imports for n in names}, key=dunder_all_key)
        )

    @property
    def lookup(self) -> tuple[tuple[str, str], ...]:
        """(name, module) of every public name, by name."""
        pairs = [(n, m) for m, names in self.imports for n in names]
        return tuple(sorted(pairs, key=lambda pair: natural(pair[0])))


def package_view(model: Model, version: str) -> PackageView:
    models = layout.model_modules(model)
    imports = {
        "_runtime": RUNTIME_EXPORTS,
        "tables": TABLES_EXPORTS,
        "database": ("Database",),
        layout.MODELS: tuple(n for m in models for n in m.classes),
    }
    if model.collections:
        imports["_runtime"] = (*RUNTIME_EXPORTS, "CollectionQuery")
        imports[layout.COLLECTIONS] = layout.collections_exports(model)
    if layout.stream_tables(model):
        imports["_stream_runtime"] = STREAM_RUNTIME_EXPORTS
        imports[layout.STREAMS] = layout.stream_exports(model)
    modules = {*imports, layout.MODELS, *(m.name for m in models)}
    modules |= {layout.repository_module(e) for e in model.entities}
    return PackageView(
        package=model.package,
        version=version,
        modules=tuple(sorted(modules, key=natural)),
        imports=tuple(
            (module, tuple(sorted(names, key=isort_key)))
            for module, names in sorted(imports.items())
        ),
    )
