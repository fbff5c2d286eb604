"""Generate a package from a schema into a temporary directory and import it.

The benchmarks always measure the code the current generator emits, never a stale copy:
``load_package`` runs the pipeline (``dynagen.pipeline.compile_schema`` then
``dynagen.output.write``) into a fresh directory and imports the result from there.
"""

from __future__ import annotations

import importlib
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from dynagen.output import write
from dynagen.pipeline import compile_schema

__all__ = ["BENCH_SCHEMA", "load_package"]

BENCH_SCHEMA = Path(__file__).with_name("bench.yaml")

_ROOTS: list[tempfile.TemporaryDirectory[str]] = []  # kept alive until exit


def load_package(schema: Path, package: str) -> ModuleType:
    """Build ``schema`` (whose ``package:`` is ``package``) and import its package."""
    compilation = compile_schema(schema, schema.name)
    if not compilation.ok or compilation.files is None:
        messages = "\n".join(str(d) for d in compilation.diagnostics)
        raise RuntimeError(f"{schema} does not compile:\n{messages}")
    root = tempfile.TemporaryDirectory(prefix="dynagen-bench-")
    _ROOTS.append(root)
    write(Path(root.name) / package, compilation.files)
    sys.path.insert(0, root.name)
    try:
        return importlib.import_module(package)
    finally:
        sys.path.remove(root.name)
