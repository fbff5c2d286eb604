"""Files shipped with dynagen: the JSON Schema of the language, the Jinja templates, and
the run-time package copied into every generated package.

In a wheel they sit inside the package (``dynagen/schemas``, ``dynagen/templates``); in a
source checkout they are the repository's top-level ``schemas/`` and ``templates/``.
"""

from __future__ import annotations

import ast
import functools
import json
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent.parent


def _shipped(package_relative: str, checkout_relative: str) -> Path:
    inside = _PACKAGE / package_relative
    return inside if inside.exists() else _CHECKOUT / checkout_relative


def templates_dir() -> Path:
    """The folder holding the Jinja templates."""
    return _shipped("templates", "templates")


def json_schema_path() -> Path:
    """The JSON Schema (Draft 2020-12) of the schema language."""
    return _shipped("schemas/dynagen.schema.json", "schemas/dynagen.schema.json")


@functools.cache
def json_schema() -> dict[str, Any]:
    """The parsed JSON Schema of the schema language."""
    loaded: dict[str, Any] = json.loads(json_schema_path().read_text(encoding="utf-8"))
    return loaded


def runtime_source(module: str) -> str:
    """The source of a run-time module copied into generated packages as it is
    (``_stream_runtime``)."""
    return (_PACKAGE / f"{module}.py").read_text(encoding="utf-8")


#: The run-time package (``dynagen/_runtime/``), copied into every generated package
#: under the same name; generated code imports it as ``rt``.
RUNTIME_PACKAGE = "_runtime"


def runtime_files() -> dict[str, str]:
    """Every file of the run-time package, keyed by its path inside a generated package
    (``_runtime/query.py``): the source, byte for byte."""
    folder = _PACKAGE / RUNTIME_PACKAGE
    return {
        f"{RUNTIME_PACKAGE}/{path.name}": path.read_text(encoding="utf-8")
        for path in sorted(folder.glob("*.py"))
    }


def _module_list(tree: ast.Module, name: str) -> tuple[str, ...] | None:
    """The strings of the module-level list or tuple assigned to ``name``, if any."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id == name:
            listed = ast.literal_eval(value)
            if isinstance(listed, (list, tuple)):
                return tuple(str(v) for v in listed)
    return None


@functools.cache
def runtime_names() -> dict[str, str]:
    """The run-time package's names, each with the module of its concern: read from the
    ``__all__`` of every module of ``_runtime/`` (the one place they are listed)."""
    names: dict[str, str] = {}
    for path, source in runtime_files().items():
        module = path.removeprefix(f"{RUNTIME_PACKAGE}/").removesuffix(".py")
        if module != "__init__":
            listed = _module_list(ast.parse(source), "__all__") or ()
            names.update(dict.fromkeys(listed, module))
    return dict(sorted(names.items()))


@functools.cache
def runtime_public() -> tuple[str, ...]:
    """The run-time names a generated package's ``__init__`` re-exports (SPEC §4: Page,
    Query, the errors, UNSET): ``PUBLIC`` of ``_runtime/__init__.py``."""
    source = runtime_files()[f"{RUNTIME_PACKAGE}/__init__.py"]
    return _module_list(ast.parse(source), "PUBLIC") or ()
