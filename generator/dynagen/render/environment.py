"""The Jinja environment: StrictUndefined, one registry of filters, templates from disk."""

from __future__ import annotations

import functools

import jinja2

from dynagen.render.python import enum_members, literal, py_dict, py_repr
from dynagen.resources import templates_dir

FILTERS = {
    "py_repr": py_repr,
    "py_str": literal,
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
