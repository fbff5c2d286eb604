"""Profile one call variant with cProfile (``run.py --profile``).

The profiler's clock is this process's CPU time, so waiting for the server (or for a
turn on a busy machine) is not charged to whatever function was waiting.  cProfile's own
overhead inflates code that makes many small calls, so read the result as a map of where
time goes, not as absolute figures.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time

from benchmarks.calls import CallContext, collect_variants

__all__ = ["profile_variant"]


def profile_variant(
    ctx: CallContext, selector: str, *, calls: int, top: int = 30
) -> str:
    """cProfile ``calls`` calls of the variant ``selector`` names: an operation
    (``get``, ``create``, ``put``, ``update``, ``query``), then ``/``-separated parts
    that its label contains, case-insensitive (e.g. ``get/repository``)."""
    operation, _, rest = selector.lower().partition("/")
    parts = [p for p in rest.split("/") if p]
    variants, _ = collect_variants(ctx)
    chosen = [
        v
        for v in variants
        if v.operation == operation and all(p in v.label.lower() for p in parts)
    ]
    if len(chosen) != 1:
        names = "\n  ".join(f"{v.operation}/{v.label}" for v in variants)
        raise SystemExit(
            f"--profile {selector!r} matches {len(chosen)} variants; choose one of:\n"
            f"  {names}"
        )
    variant = chosen[0]
    for _ in range(max(1, calls // 10)):
        variant.call()
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(calls):
        variant.call()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    out.write(f"profile of {calls} calls: {variant.operation} / {variant.label}\n")
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()
