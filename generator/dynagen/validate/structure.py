"""Check a loaded document against the JSON Schema, with a location for every error.

Error recovery (``recover_structure``): every structurally broken node is reported, then
the smallest enclosing *unit* (an enum, a type or one of its fields, a table or one of its
indexes, an entity or one of its attributes, key templates, queries, updates and views)
is cut out of the data, so that the semantic rules can run on everything that is sound.
The cut units are returned as ``broken`` paths: the model builder leaves out, silently,
whatever depends on one (a key template naming a cut attribute, an entity on a cut
table), so that no error cascades into others.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterable
from dataclasses import dataclass
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


#: The units error recovery cuts out, as path patterns ("*" is any name), deepest wins.
_UNITS: tuple[tuple[str, ...], ...] = (
    ("enums", "*"),
    ("types", "*"),
    ("types", "*", "*"),
    ("tables", "*"),
    ("tables", "*", "indexes", "*"),
    # Table settings no entity depends on: a broken one is cut alone.
    *(
        ("tables", "*", setting)
        for setting in (
            "name",
            "billing",
            "ttl",
            "stream",
            "point_in_time_recovery",
            "replicas",
            "tags",
            "table_class",
            "deletion_protection",
        )
    ),
    ("entities", "*"),
    ("entities", "*", "attributes", "*"),
    ("entities", "*", "key", "*"),
    ("entities", "*", "queries", "*"),
    ("entities", "*", "updates", "*"),
    ("entities", "*", "views", "*"),
)
#: Entity keys that others depend on: a misspelling of one breaks what uses it.
_ENTITY_DEPENDENCIES = frozenset({"key", "views"})


@dataclass(frozen=True, slots=True)
class Recovery:
    """The structural diagnostics, the data without its broken units, and those units.

    ``sound`` is False when the semantic rules cannot run at all (the document is not a
    mapping)."""

    diagnostics: list[Diagnostic]
    data: Any
    broken: frozenset[PathKey]
    sound: bool


def recover_structure(document: Document) -> Recovery:
    """Validate ``document`` and cut out every unit holding a structural error."""
    validator = jsonschema.Draft202012Validator(json_schema())
    errors = list(validator.iter_errors(document.data))
    diagnostics: list[Diagnostic] = []
    for error in _one_per_node(errors):
        diagnostics.extend(_diagnose(document, _most_specific(error)))
    data = copy.deepcopy(document.data)
    broken: set[PathKey] = set()
    cut: set[PathKey] = set()
    while errors:
        units: set[PathKey] = set()
        for error in errors:
            found, breaks = _units_of(error)
            units |= found
            broken |= breaks
        fresh = {u for u in units if u and u not in cut}
        if not fresh:
            break
        for unit in sorted(fresh, key=len):
            _remove(data, unit)
        cut |= fresh
        errors = list(validator.iter_errors(data))
    broken |= {u for u in cut if _is_unit(u)}
    # What remains wrong is at the top: a missing required key is no obstacle to the
    # semantic rules; anything else (the document is not a mapping) is.
    sound = isinstance(data, dict) and all(
        e.validator == "required" and not e.absolute_path for e in errors
    )
    return Recovery(sort_diagnostics(diagnostics), data, frozenset(broken), sound)


def _one_per_node(errors: list[ValidationError]) -> list[ValidationError]:
    """The errors to report: a node of the wrong JSON type gets only that error (its
    enum, pattern or ``not`` errors would say the same thing less clearly)."""
    mistyped = {tuple(e.absolute_path) for e in errors if e.validator == "type"}
    return [
        e
        for e in errors
        if e.validator == "type" or tuple(e.absolute_path) not in mistyped
    ]


def _units_of(error: ValidationError) -> tuple[set[PathKey], set[PathKey]]:
    """The paths to cut for ``error``, and the paths it breaks without cutting them."""
    path: PathKey = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        schema: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
        allowed = sorted(_allowed_keys(schema))
        cut: set[PathKey] = set()
        breaks: set[PathKey] = set()
        for key in error.instance:
            if key in schema.get("properties", {}) or _matches_pattern(key, schema):
                continue
            cut.add((*path, key))
            close = difflib.get_close_matches(str(key), allowed, n=1)
            if not close:
                continue
            intended: PathKey = (*path, close[0])
            if not path:
                breaks.add(intended)
            elif _matches((*path, "*"), ("entities", "*", "*")):
                if close[0] in _ENTITY_DEPENDENCIES:
                    breaks.add(intended)
            else:
                cut.add(_unit(intended))
        return cut, breaks
    if (
        error.validator == "propertyNames" or "propertyNames" in error.schema_path
    ) and isinstance(error.instance, str):
        return {_unit((*path, error.instance))}, set()
    return {_unit(path)}, set()


def _matches(path: PathKey, pattern: tuple[str, ...]) -> bool:
    return len(path) == len(pattern) and all(
        p == "*" or p == s for p, s in zip(pattern, path, strict=True)
    )


def _is_unit(path: PathKey) -> bool:
    return len(path) == 1 or any(_matches(path, p) for p in _UNITS)


def _unit(path: PathKey) -> PathKey:
    """The deepest unit holding ``path`` (a top-level key when no unit does)."""
    best = path[:1]
    for pattern in _UNITS:
        if len(pattern) > len(best) and _matches(path[: len(pattern)], pattern):
            best = path[: len(pattern)]
    return best


def _remove(data: Any, path: PathKey) -> None:
    node = data
    for segment in path[:-1]:
        if not isinstance(node, dict) or segment not in node:
            return
        node = node[segment]
    if isinstance(node, dict):
        node.pop(path[-1], None)


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
