"""The imports of each module behind ``models.py`` are collected from the view objects
(the names their code mentions), not read back from the rendered text: checked here
against the text itself, with ``ast`` as the independent oracle — every name a module
imports is used, and every name it uses is imported, defined or a builtin."""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

import pytest
from dynagen.pipeline import check_schema
from dynagen.render import render

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = [
    "schemas/shop.yaml",
    "schemas/library.yaml",
    "tests/declared_queries/schema.yaml",
    "tests/github/schema.yaml",
    "tests/corpus/online_shop.yaml",
    "tests/codecs/schema.yaml",
    "tests/collections/schema.yaml",
    "tests/streams/schema.yaml",
    "tests/style/defaults.yaml",
    "benchmarks/bench.yaml",
]


def _imported(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            names |= {alias.asname or alias.name for alias in node.names}
    return names


def _bound(tree: ast.Module) -> set[str]:
    """Every name bound anywhere: module names, locals, parameters, caught errors."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.ClassDef | ast.FunctionDef | ast.ExceptHandler):
            names.add(node.name or "")
    return names


def _loaded(tree: ast.Module) -> set[str]:
    """Every name read anywhere in the module, string type arguments of base classes
    (``rt.Key["Order"]``) included."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, ast.ClassDef):
            for base in node.bases:
                for inner in ast.walk(base):
                    if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
                        names.add(inner.value)
    return names


@pytest.mark.parametrize("schema", SCHEMAS)
def test_model_modules_import_exactly_what_they_use(schema: str) -> None:
    result, _ = check_schema(ROOT / schema, schema)
    assert result.model is not None
    files = render(result.model)
    modules = [n for n in files if n.endswith("_model.py") or n.startswith("_model_")]
    assert modules
    for name in modules:
        tree = ast.parse(files[name])
        imported = _imported(tree)
        used = _loaded(tree) - _bound(tree) - set(dir(builtins))
        assert imported == used, name
