"""Kept for the modules that still import ``import_block`` from here; it lives in
:mod:`dynagen.render.python` with the other shared helpers."""

from dynagen.render.python import import_block

__all__ = ["import_block"]
