"""Files shipped with dynagen: the JSON Schema of the language and the Jinja templates.

In a wheel they sit inside the package (``dynagen/schemas``, ``dynagen/templates``); in a
source checkout they are the repository's top-level ``schemas/`` and ``templates/``.
"""

from __future__ import annotations

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


def runtime_source(module: str = "_runtime") -> str:
    """The source of ``_runtime.py`` (or another run-time module, such as
    ``_stream_runtime``), copied into generated packages."""
    return (_PACKAGE / f"{module}.py").read_text(encoding="utf-8")
