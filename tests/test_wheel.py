"""The wheel ships everything dynagen needs, and installs into any project.

Builds the wheel and installs it into a fresh virtual environment next to an older ruff
(``ruff<0.17``, as a project that pins its linter would have: dynagen must not dictate
it), its dependencies coming from the package index; then checks that the installed
``dynagen`` generates exactly what the editable install generates (the bytes do not
depend on the installed ruff), and that the type stubs the generated code needs came
with it. Takes about 30 s, most of it pip fetching dependencies; the install time is
printed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from dynagen.cli import main

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = sorted((ROOT / "schemas").glob("*.yaml"))
#: A ruff older than the one this repository pins for its own lint.
OLDER_RUFF = "ruff<0.17"


@dataclass(frozen=True)
class Installed:
    wheel: Path
    python: Path
    dynagen: Path
    env: dict[str, str]

    def run(self, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(a) for a in args],
            cwd=cwd,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )


def _run(args: list[str], cwd: Path) -> None:
    done = subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, check=False, timeout=600
    )
    assert done.returncode == 0, f"{' '.join(args)}\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    """The wheel, built from this checkout and installed into a new virtual environment."""
    base = tmp_path_factory.mktemp("wheel")
    dist = base / "dist"
    # Build with the installed hatchling when there is one (no download needed).
    no_isolation = ["--no-isolation"] if importlib.util.find_spec("hatchling") else []
    _run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            *no_isolation,
            "--outdir",
            str(dist),
        ],
        cwd=ROOT,
    )
    [wheel] = dist.glob("dynagen-*.whl")
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=base)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / "python"
    started = time.perf_counter()
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            str(wheel),
            OLDER_RUFF,
        ],
        cwd=base,
    )
    print(
        f"\nwheel and {OLDER_RUFF!r} installed in {time.perf_counter() - started:.1f} s"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    yield Installed(wheel, python, bin_dir / "dynagen", env)


def tree(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_wheel_contents(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as archive:
        names = set(archive.namelist())
    templates = {
        f"dynagen/templates/{p.relative_to(ROOT / 'templates').as_posix()}"
        for p in (ROOT / "templates").rglob("*")
        if p.is_file()
    }
    assert "dynagen/templates/repository/update.py.jinja" in templates  # partials too
    assert templates
    assert templates <= names
    assert "dynagen/schemas/dynagen.schema.json" in names
    assert "dynagen/_runtime/__init__.py" in names
    assert "dynagen/_runtime/query.py" in names
    assert "dynagen/cli.py" in names
    assert not [n for n in names if n.startswith(("tests/", "generator/", "schemas/"))]


def test_installed_package_is_the_wheel_not_the_checkout(
    installed: Installed, tmp_path: Path
) -> None:
    script = (
        "import json, dynagen, dynagen.resources as r;"
        "print(json.dumps([dynagen.__file__, str(r.templates_dir()),"
        " str(r.json_schema_path())]))"
    )
    done = installed.run(installed.python, "-c", script, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    site = installed.python.parent.parent.resolve()
    for location in json.loads(done.stdout):
        assert Path(location).resolve().is_relative_to(site), location


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda p: p.name)
def test_installed_build_equals_editable_build(
    installed: Installed, schema: Path, tmp_path: Path
) -> None:
    wheel_out = tmp_path / "from-wheel"
    done = installed.run(
        installed.dynagen, "build", schema, "-o", wheel_out, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    editable_out = tmp_path / "from-checkout"
    result = CliRunner().invoke(main, ["build", str(schema), "-o", str(editable_out)])
    assert result.exit_code == 0, result.output
    assert tree(wheel_out) == tree(editable_out)
    check = installed.run(
        installed.dynagen, "build", schema, "-o", editable_out, "--check", cwd=tmp_path
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_installed_schema_command(installed: Installed, tmp_path: Path) -> None:
    done = installed.run(installed.dynagen, "schema", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    shipped = json.loads((ROOT / "schemas" / "dynagen.schema.json").read_text())
    assert json.loads(done.stdout) == shipped


def test_installed_validate_reports_like_the_checkout(installed: Installed) -> None:
    case = "tests/cases/several_errors"
    done = installed.run(installed.dynagen, "validate", f"{case}/schema.yaml", cwd=ROOT)
    assert done.returncode == 1
    assert done.stderr == (ROOT / case / "stderr.txt").read_text(encoding="utf-8")


def test_installs_next_to_an_older_ruff(installed: Installed, tmp_path: Path) -> None:
    """dynagen pins no ruff: the project's own (older) ruff is the one installed."""
    done = installed.run(installed.python, "-m", "ruff", "--version", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    major, minor = (int(p) for p in done.stdout.split()[1].split(".")[:2])
    assert (major, minor) < (0, 17), done.stdout
    requires = installed.run(
        installed.python,
        "-c",
        "import importlib.metadata as m; "
        "print([r for r in m.requires('dynagen') or [] if 'extra ==' not in r])",
        cwd=tmp_path,
    )
    assert requires.returncode == 0, requires.stderr
    assert "boto3" in requires.stdout
    assert "ruff" not in requires.stdout, requires.stdout


def test_installed_dynagen_brings_the_stubs(
    installed: Installed, tmp_path: Path
) -> None:
    done = installed.run(
        installed.python,
        "-c",
        "import importlib.metadata as m, importlib.util as u; "
        "assert u.find_spec('mypy_boto3_dynamodb') is not None; "
        "print(m.version('boto3-stubs'), m.version('botocore-stubs'))",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr


def test_installed_version_flag(installed: Installed, tmp_path: Path) -> None:
    done = installed.run(installed.dynagen, "-V", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("dynagen, version ")
