"""Phase 5: write a rendered package to disk, or check that disk matches it.

Knows nothing of how the text was made. Only files whose first line is the dynagen header
are replaced, removed or reported; anything else in the directory is left alone.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from dynagen.render import HEADER_PREFIX


@dataclass(slots=True)
class CheckResult:
    """How a directory differs from a rendering: paths relative to the package directory."""

    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.extra)


def is_generated(path: Path) -> bool:
    """Whether ``path`` is a file dynagen wrote (its first line is the header)."""
    try:
        with path.open("rb") as handle:
            first = handle.readline(512)
    except OSError:
        return False
    return first.startswith(HEADER_PREFIX.encode())


def generated_files(directory: Path) -> set[str]:
    """The package-relative paths of every generated file under ``directory``."""
    if not directory.is_dir():
        return set()
    return {
        path.relative_to(directory).as_posix()
        for path in directory.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and is_generated(path)
    }


def check(directory: Path, files: dict[str, str]) -> CheckResult:
    """Compare ``files`` with ``directory`` without writing anything."""
    result = CheckResult()
    for relative, text in sorted(files.items()):
        target = directory / relative
        if not target.exists():
            result.missing.append(relative)
        elif target.read_bytes() != text.encode("utf-8"):
            result.stale.append(relative)
    result.extra = sorted(generated_files(directory) - set(files))
    return result


def write(directory: Path, files: dict[str, str]) -> CheckResult:
    """Make ``directory`` hold exactly ``files``: atomic writes, stale generated files removed.

    Returns what changed (``missing`` = created, ``stale`` = rewritten, ``extra`` = removed).
    """
    changes = check(directory, files)
    for relative in (*changes.missing, *changes.stale):
        _atomic_write(directory / relative, files[relative])
    for relative in changes.extra:
        (directory / relative).unlink()
    return changes


def _atomic_write(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(text.encode("utf-8"))
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; files are 0644
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
