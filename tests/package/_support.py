"""Running code and mypy against the example package in fresh processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "generated_example" / "shop"


def fresh(code: str) -> object:
    """Run ``code`` in a fresh interpreter that can import ``shop``; its JSON output."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=EXAMPLE.parent,
        env={**os.environ, "PYTHONPATH": str(EXAMPLE.parent)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def mypy_strict(tmp_path: Path, source: str) -> str:
    """mypy --strict's report on a probe module ``source`` that imports ``shop``."""
    probe = tmp_path / "probe.py"
    probe.write_text(source, encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(tmp_path / "cache"),
            "--disable-error-code=import-untyped",
            str(probe),
        ],
        env={**os.environ, "MYPYPATH": str(EXAMPLE.parent)},
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout
