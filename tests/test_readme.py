"""The README runs as written.

Every fenced ``yaml`` block that is a dynagen schema is built, and every ``python`` block
is linted (ruff's default rules and ``ruff format --check``, with the pinned ruff) and run
twice, in a fresh interpreter, against each backend, with only the environment the README
tells a user to set (``AWS_ENDPOINT_URL_DYNAMODB`` and dummy credentials). Running twice
proves the snippets can be re-run (``create_tables(..., exist_ok=True)``).

A block that cannot run here says why on the line before its fence, as
``<!-- readme-test: skip: REASON -->`` (a fragment continuing another example, a program
for another schema or server); it is reported as skipped with that reason.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from botocore.exceptions import ClientError
from dynagen.output import write
from dynagen.pipeline import compile_schema

from tests.backends import DUMMY_CREDENTIALS, Backend
from tests.style.test_ruff import ruff

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
FENCE = re.compile(
    r"^(?:<!-- readme-test: skip: (?P<skip>.*?) -->\n)?```(?P<lang>\w+)\n(?P<body>.*?)^```",
    re.MULTILINE | re.DOTALL,
)


def fenced(language: str) -> list[tuple[str, str | None]]:
    """(body, reason to skip or None) of every block in ``language``."""
    text = README.read_text(encoding="utf-8")
    return [
        (m.group("body"), m.group("skip"))
        for m in FENCE.finditer(text)
        if m.group("lang") == language
    ]


def blocks(language: str) -> list[str]:
    """The blocks in ``language`` that are tested."""
    return [body for body, skip in fenced(language) if skip is None]


def python_params() -> list[object]:
    return [
        pytest.param(
            body,
            id=f"block{i}",
            marks=[pytest.mark.skip(reason=skip)] if skip else [],
        )
        for i, (body, skip) in enumerate(fenced("python"))
    ]


def schemas() -> list[str]:
    return [b for b in blocks("yaml") if (yaml.safe_load(b) or {}).get("dynagen")]


def test_the_readme_has_runnable_blocks() -> None:
    assert len(blocks("python")) >= 2
    assert len(schemas()) >= 2


@pytest.mark.parametrize("block", python_params())
def test_python_block_is_lint_clean(block: str, tmp_path: Path) -> None:
    snippet = tmp_path / "block.py"
    snippet.write_text(block, encoding="utf-8")
    checked = ruff(
        "check", "--isolated", "--no-cache", "--output-format=concise", snippet
    )
    assert checked.returncode == 0, checked.stdout
    formatted = ruff("format", "--isolated", "--no-cache", "--check", "--diff", snippet)
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def _physical_tables(schema: str) -> list[str]:
    data = yaml.safe_load(schema)
    return [spec.get("name", table_id) for table_id, spec in data["tables"].items()]


def test_python_blocks_run_twice(backend: Backend, tmp_path: Path) -> None:
    for number, schema in enumerate(schemas()):
        path = tmp_path / f"schema{number}.yaml"
        path.write_text(schema, encoding="utf-8")
        result = compile_schema(path, path.name)
        assert result.files is not None, result.diagnostics
        write(tmp_path / yaml.safe_load(schema)["package"], result.files)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    key_id, secret = DUMMY_CREDENTIALS
    env.update(
        PYTHONPATH=str(tmp_path),
        AWS_ENDPOINT_URL_DYNAMODB=backend.endpoint_url,
        AWS_DEFAULT_REGION=backend.region,
        AWS_ACCESS_KEY_ID=key_id,
        AWS_SECRET_ACCESS_KEY=secret,
    )
    client = backend.client()
    # The README's table names are fixed ("App", "dev-Shop"): start from none of them.
    names = [n for s in schemas() for n in _physical_tables(s)]
    names += [f"dev-{n}" for n in names]

    def drop() -> None:
        for name in names:
            try:
                client.delete_table(TableName=name)
            except ClientError as error:
                if error.response["Error"]["Code"] != "ResourceNotFoundException":
                    raise

    drop()
    lacking: list[str] = []
    try:
        for index, block in enumerate(blocks("python")):
            gap = backend.lacks("transactions") if "transact_" in block else None
            if gap is not None:
                lacking.append(f"python block {index}: {gap}")
                continue
            for run in (1, 2):
                done = subprocess.run(
                    [sys.executable, "-c", block],
                    cwd=tmp_path,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                    timeout=120,
                )
                assert done.returncode == 0, (
                    f"python block {index}, run {run}:\n{block}\n{done.stderr}"
                )
    finally:
        drop()
        client.close()
    if lacking:  # every other block ran
        pytest.skip(f"{backend.name}: " + "; ".join(lacking))
