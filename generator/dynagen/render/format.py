"""Format rendered Python with the ruff version dynagen pins, isolated from user config.

Templates lay code out by hand; this pass makes the layout exactly ruff's, so generated
files pass ``ruff format --check`` untouched. It runs once per build over all files.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]

LINE_LENGTH = 88


def format_python(files: dict[str, str]) -> dict[str, str]:
    """Return ``files`` with every ``.py`` file formatted by ruff (one subprocess)."""
    python = {path: text for path, text in files.items() if path.endswith(".py")}
    if not python:
        return dict(files)
    with tempfile.TemporaryDirectory(prefix="dynagen-") as tmp:
        root = Path(tmp)
        for path, text in python.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        result = subprocess.run(
            [
                find_ruff_bin(),
                "format",
                "--isolated",
                "--no-cache",
                f"--line-length={LINE_LENGTH}",
                "--target-version=py310",
                ".",
            ],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                "generated code did not parse (a dynagen bug; please report it with "
                f"the schema):\n{result.stdout}{result.stderr}"
            )
        formatted = dict(files)
        for path in python:
            formatted[path] = (root / path).read_text(encoding="utf-8")
    return formatted
