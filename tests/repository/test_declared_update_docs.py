"""What a declared update's docstring promises: exactly the errors it can raise.

The expected errors are read from the schema YAML by the rule SPEC §4 gives the
methods (not from the generator): `NotFoundError` unless the update is an upsert,
`ConditionFailedError` only where the schema gives a ``condition``, and
`VersionConflictError` where the entity is versioned and the update steps the version.
Each documented error must also be raised somewhere in the method's body.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from dynagen.pipeline import compile_schema

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = [
    *sorted((ROOT / "schemas").glob("*.yaml")),
    ROOT / "tests" / "corpus" / "online_shop.yaml",
    ROOT / "tests" / "github" / "schema.yaml",
    *sorted(
        p.parent / "schema.yaml" for p in (ROOT / "tests/cases").glob("*/expected")
    ),
]
ERROR = re.compile(r"`(\w+Error)`")


def expected_errors(entity: dict[str, Any], update: dict[str, Any]) -> set[str]:
    versioned = any(
        isinstance(spec, dict) and spec.get("version") is True
        for spec in entity.get("attributes", {}).values()
    )
    errors = set()
    if not update.get("upsert", False):
        errors.add("NotFoundError")
    if "condition" in update:
        errors.add("ConditionFailedError")
    if versioned and update.get("touch", True):
        errors.add("VersionConflictError")
    return errors


def raised(method: ast.FunctionDef) -> set[str]:
    names = set()
    for node in ast.walk(method):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            function = node.exc.func
            if isinstance(function, ast.Attribute):
                names.add(function.attr)
    return names


def test_restock_documents_no_condition_failure() -> None:
    """``restock`` (``ADD count :quantity``, no condition) cannot fail a condition."""
    result = compile_schema(ROOT / "schemas" / "shop.yaml", "shop.yaml")
    assert result.files is not None
    tree = ast.parse(result.files["product_repository.py"])
    repository = next(
        n
        for n in tree.body
        if isinstance(n, ast.ClassDef) and n.name == "ProductRepository"
    )
    restock = next(
        n
        for n in repository.body
        if isinstance(n, ast.FunctionDef) and n.name == "restock"
    )
    doc = ast.get_docstring(restock) or ""
    assert "ConditionFailedError" not in doc
    assert set(ERROR.findall(doc)) == {"NotFoundError", "VersionConflictError"}


CASES = [
    (schema, entity, update, expected)
    for schema in SCHEMAS
    for entity, spec in (yaml.safe_load(schema.read_text())["entities"] or {}).items()
    for update, expected in (
        (name, expected_errors(spec, u))
        for name, u in (spec.get("updates") or {}).items()
    )
]


@pytest.mark.parametrize(
    ("schema", "entity", "update", "expected"),
    CASES,
    ids=[f"{s.parent.name}/{s.name}:{e}.{u}" for s, e, u, _ in CASES],
)
def test_declared_update_documents_the_errors_it_can_raise(
    schema: Path, entity: str, update: str, expected: set[str], built: Any
) -> None:
    method = built(schema, entity, update)
    documented = set(ERROR.findall(ast.get_docstring(method) or ""))
    assert documented == expected
    assert documented <= raised(method)


def test_the_schemas_declare_updates_with_and_without_each_error() -> None:
    """The corpus covers each case: with and without a condition, upserts, touch."""
    kinds = [expected for *_, expected in CASES]
    assert any("ConditionFailedError" in k for k in kinds)
    assert any("ConditionFailedError" not in k for k in kinds)
    assert any("NotFoundError" not in k for k in kinds)
    assert any("VersionConflictError" in k for k in kinds)


@pytest.fixture(scope="module")
def built() -> Any:
    """The method of a declared update in the schema's generated repository."""
    files: dict[Path, dict[str, str]] = {}

    def method(schema: Path, entity: str, update: str) -> ast.FunctionDef:
        if schema not in files:
            result = compile_schema(schema, schema.name)
            assert result.files is not None, result.diagnostics
            files[schema] = result.files
        module = next(
            text
            for path, text in files[schema].items()
            if path.endswith("_repository.py") and f"class {entity}Repository:" in text
        )
        repository = next(
            n
            for n in ast.parse(module).body
            if isinstance(n, ast.ClassDef) and n.name == f"{entity}Repository"
        )
        return next(
            n
            for n in repository.body
            if isinstance(n, ast.FunctionDef) and n.name == update
        )

    return method
