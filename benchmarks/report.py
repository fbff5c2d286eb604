"""Plain-text tables for the benchmark report."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmarks.timing import Timing

__all__ = ["format_table", "ratio", "speedup_headers", "speedup_row", "verdict"]


def ratio(numerator: float, denominator: float) -> str:
    """``"3.41x"``: how many times ``denominator`` fits in ``numerator``."""
    if denominator <= 0:
        return "-"
    return f"{numerator / denominator:.2f}x"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell; the first column left-aligned, the rest
    right-aligned (they hold numbers)."""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
            for i, cell in enumerate(cells)
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def speedup_headers(first: str, unit: str) -> list[str]:
    """The headers of the rows :func:`speedup_row` makes."""
    return [first, f"µs/{unit}", "cpu µs", "dynagen speed-up", "(cpu)", "target"]


def speedup_row(
    label: str, timing: Timing, ours: Timing, count: int, target: float | None
) -> list[str]:
    """A row of a codec-style table: µs per unit (wall, CPU), dynagen's speed-up over
    ``timing`` (wall, CPU) and the target speed-up, if any."""
    return [
        label,
        f"{timing.wall / count * 1e6:.2f}",
        f"{timing.cpu / count * 1e6:.2f}",
        ratio(timing.wall, ours.wall),
        ratio(timing.cpu, ours.cpu),
        f">= {target:.1f}x" if target else "",
    ]


def verdict(label: str, timing: Timing, ours: Timing, target: float) -> str:
    """Whether dynagen met ``target`` against ``timing``, judged on CPU time."""
    speedup = timing.cpu / ours.cpu
    return (
        f"  {'met   ' if speedup >= target else 'MISSED'}  {label}: {speedup:.2f}x "
        f"(wall {timing.wall / ours.wall:.2f}x; target {target:.1f}x)"
    )
