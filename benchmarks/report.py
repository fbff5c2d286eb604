"""Plain-text tables for the benchmark report."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["format_table", "ratio"]


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
