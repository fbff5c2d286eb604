"""The Jinja environment: StrictUndefined, one registry of filters, templates from disk."""

from __future__ import annotations

import functools
import json

import jinja2

from dynagen.render.codecs import enum_members
from dynagen.resources import templates_dir


def py_repr(value: object) -> str:
    """A Python literal for ``value``, deterministic (dicts keep their order)."""
    return repr(value)


def py_str(value: str) -> str:
    """A double-quoted Python string literal, as ruff formats them."""
    return json.dumps(value, ensure_ascii=False)


def py_dict(pairs: tuple[tuple[str, str], ...]) -> str:
    """A dict literal of string pairs."""
    return "{" + ", ".join(f"{py_str(k)}: {py_str(v)}" for k, v in pairs) + "}"


FILTERS = {
    "py_repr": py_repr,
    "py_str": py_str,
    "py_dict": py_dict,
    "enum_members": enum_members,
}


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(FILTERS)
    return env
