"""The view of ``__init__.py`` and its stub ``__init__.pyi``: what the package
re-exports, and from where."""

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
#: The widest piece of a word table (``_EXPORTS``, ``_SUBMODULES``) on one line: with its
#: indent, quotes and trailing space it stays within the 88 columns of ``ruff format``.
TABLE_WIDTH = 80


def word_lines(words: list[str], width: int = TABLE_WIDTH) -> tuple[str, ...]:
    """``words`` as the pieces of one implicitly concatenated string, each piece at
    most ``width`` characters (a longer word alone) and ending with the space that
    separates it from the next piece, except the last."""
    lines: list[str] = []
    current = ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current + " ")
            current = word
        else:
            current = f"{current} {word}" if current else word
    return (*lines, current) if current else tuple(lines)


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
    def export_lines(self) -> tuple[str, ...]:
        """``_EXPORTS``: each module as ``module:`` followed by the names it exports,
        split by whitespace. One string constant is cheaper to load than a dict of
        every name (issue 16: import time flat in the number of entities)."""
        words = [w for m, names in self.imports for w in (f"{m}:", *names)]
        return word_lines(words)

    @property
    def submodule_lines(self) -> tuple[str, ...]:
        """``_SUBMODULES``: the modules that resolve as attributes without a first import."""
        return word_lines(list(self.modules))


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
