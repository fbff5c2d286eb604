"""Check a loaded document against the JSON Schema, with a location for every error."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any, cast

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from dynagen.diagnostics import Diagnostic, sort_diagnostics
from dynagen.load import Document, PathKey
from dynagen.resources import json_schema


def validate_structure(document: Document) -> list[Diagnostic]:
    """Every way ``document`` breaks the JSON Schema of the language, located."""
    validator = jsonschema.Draft202012Validator(json_schema())
    diagnostics: list[Diagnostic] = []
    for error in validator.iter_errors(document.data):
        diagnostics.extend(_diagnose(document, _most_specific(error)))
    return sort_diagnostics(diagnostics)


def _most_specific(error: ValidationError) -> ValidationError:
    """For anyOf/oneOf failures, the alternative that got furthest (jsonschema's
    ``best_match``: the deepest error, type mismatches of a whole alternative last)."""
    return best_match([error]) or error


def _diagnose(document: Document, error: ValidationError) -> Iterable[Diagnostic]:
    path: PathKey = tuple(error.absolute_path)
    where = _describe(path)
    schema: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(_allowed_keys(schema))
        declared = set(schema.get("properties", {}))
        for key in error.instance:
            if key in declared or _matches_pattern(key, schema):
                continue
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"did you mean '{close[0]}'?" if close else _allowed_hint(allowed)
            yield Diagnostic.at(
                document.file,
                document.key_location((*path, key)),
                f"unknown key '{key}' in {where}",
                hint,
            )
        return
    if error.validator == "required":
        missing = (
            str(error.message).split("'")[1] if "'" in error.message else error.message
        )
        yield Diagnostic.at(
            document.file,
            document.key_location(path),
            f"{where} is missing the required key '{missing}'",
        )
        return
    if error.validator == "propertyNames" or "propertyNames" in error.schema_path:
        # The offending name is error.instance; point at that key.
        name = error.instance
        yield Diagnostic.at(
            document.file,
            document.key_location((*path, name))
            if isinstance(name, str)
            else document.key_location(path),
            f"'{name}' is not a valid name in {where}",
            _schema_hint(error.schema)
            or _schema_hint(error.parent and error.parent.schema),
        )
        return
    location = document.value_location(path)
    yield Diagnostic.at(
        document.file,
        location,
        f"{where}: {_message(error)}",
        _schema_hint(error.schema),
    )


def _message(error: ValidationError) -> str:
    if error.validator == "enum":
        options = ", ".join(str(v) for v in cast(list[Any], error.validator_value))
        return f"{error.instance!r} is not one of: {options}"
    if error.validator == "const":
        return f"{error.instance!r} must be {error.validator_value!r}"
    if error.validator == "type":
        return f"expected {_type_words(error.validator_value)}, got {_json_type(error.instance)}"
    if error.validator == "pattern":
        return f"{error.instance!r} does not have the expected form"
    return str(error.message)


def _type_words(expected: Any) -> str:
    if isinstance(expected, list):
        return " or ".join(_type_words(e) for e in expected)
    return {"object": "a mapping", "array": "a list", "string": "text"}.get(
        str(expected), f"a {expected}"
    )


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"text {value!r}"


def _schema_hint(schema: Any) -> str | None:
    if isinstance(schema, dict):
        description = schema.get("description")
        if isinstance(description, str):
            return description
    return None


def _allowed_keys(schema: dict[str, Any]) -> set[str]:
    return set(schema.get("properties", {}))


def _allowed_hint(allowed: list[str]) -> str | None:
    return f"allowed keys: {', '.join(allowed)}" if allowed else None


def _matches_pattern(key: Any, schema: dict[str, Any]) -> bool:
    import re

    return any(re.search(p, str(key)) for p in schema.get("patternProperties", {}))


def _describe(path: PathKey) -> str:
    if not path:
        return "the schema"
    parts = []
    for segment in path:
        parts.append(f"[{segment}]" if isinstance(segment, int) else f".{segment}")
    return "'" + "".join(parts).lstrip(".") + "'"
