"""Fixtures of the stream tests: ``tests/streams/schema.yaml`` built once per stream view
type, each as its own package (``streams_lib_keys_only``, ...), imported session-wide.

The generated modules only exist at run time, so they are typed as ``Any``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from dynagen.output import write
from dynagen.pipeline import compile_schema

from tests.generated_package import imported_package

SCHEMA = Path(__file__).with_name("schema.yaml")
VIEW_TYPES = ("keys_only", "new_image", "old_image", "new_and_old_images")


def build_variant(root: Path, view_type: str) -> Path:
    """The schema with ``stream: view_type``, built as ``streams_lib_<view_type>``."""
    text = SCHEMA.read_text(encoding="utf-8")
    package = f"streams_lib_{view_type}"
    text, packages = re.subn(r"(?m)^package: streams_lib$", f"package: {package}", text)
    text, streams = re.subn(
        r"(?m)^    stream: new_and_old_images$", f"    stream: {view_type}", text
    )
    assert packages == streams == 1, "tests/streams/schema.yaml changed its shape"
    folder = root / view_type
    folder.mkdir()
    (folder / "schema.yaml").write_text(text, encoding="utf-8")
    result = compile_schema(folder / "schema.yaml", "schema.yaml")
    assert result.ok and result.files is not None, result.diagnostics
    directory = root / "out" / package
    write(directory, result.files)
    return directory


@pytest.fixture(scope="session")
def libraries(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """view type -> the imported package built with that stream view type."""
    root = tmp_path_factory.mktemp("streams")
    with ExitStack() as stack:
        yield {
            view: stack.enter_context(imported_package(build_variant(root, view)))
            for view in VIEW_TYPES
        }


@pytest.fixture(scope="session")
def lib(libraries: dict[str, Any]) -> Any:
    """The package with ``stream: new_and_old_images`` (both images in every record)."""
    return libraries["new_and_old_images"]
