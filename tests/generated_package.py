"""Building a schema's package in a test session and importing it from there."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType


@contextmanager
def imported_package(directory: Path) -> Iterator[ModuleType]:
    """Import the generated package in ``directory`` (its name is the folder's) and
    remove it from ``sys.path`` and ``sys.modules`` afterwards.

    A module of that name already imported is an error: the tests would run other code.
    """
    name = directory.name
    if name in sys.modules:  # pragma: no cover - a clash would test the wrong code
        raise RuntimeError(f"a module named {name!r} is already imported")
    sys.path.insert(0, str(directory.parent))
    try:
        package = importlib.import_module(name)
        assert package.__file__ is not None
        assert Path(package.__file__).resolve().is_relative_to(directory.resolve())
        yield package
    finally:
        sys.path.remove(str(directory.parent))
        for module in [m for m in sys.modules if m.split(".")[0] == name]:
            del sys.modules[module]
