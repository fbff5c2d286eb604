"""Timing helpers: best of N repeats of a batch.

Each batch is measured twice over: wall time (``time.perf_counter``) and this process's
CPU time (``time.process_time``, user + system, all threads).  On a quiet machine the two
agree for pure-Python work; when other processes compete for the cores, or when a
batch waits on another process (the loopback server), wall time includes the waiting
and CPU time does not, so CPU time is the steadier measure of the client's own cost.

The garbage collector is paused while batches are measured (as ``timeit`` does), so that
a collection triggered by one contender's garbage is not charged to the next; it runs
between rounds.  Batches are kept short (milliseconds) and repeated many times, and the
best repeat is kept: on a busy machine a short batch often runs without being
preempted, a long one almost never does.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["Timing", "best_of", "best_of_chunks", "time_batch"]


@dataclass(frozen=True, slots=True)
class Timing:
    wall: float
    """seconds, ``time.perf_counter``"""
    cpu: float
    """seconds of this process's CPU time, ``time.process_time``"""

    def per(self, count: int) -> Timing:
        return Timing(self.wall / count, self.cpu / count)


def time_batch(batch: Callable[[], object]) -> Timing:
    """How long one call of ``batch`` takes."""
    cpu, wall = time.process_time(), time.perf_counter()
    batch()
    return Timing(time.perf_counter() - wall, time.process_time() - cpu)


def best_of(batches: Sequence[Callable[[], object]], repeats: int) -> list[Timing]:
    """The best wall and the best CPU time of each of ``batches`` over ``repeats``
    rounds (each minimum taken on its own).

    Rounds are interleaved (a, b, c, a, b, c, ...) so that a slow patch of the machine
    hurts every contender alike instead of one of them.
    """
    wall = [float("inf")] * len(batches)
    cpu = [float("inf")] * len(batches)
    enabled = gc.isenabled()
    try:
        for _ in range(repeats):
            gc.enable()
            gc.collect()
            gc.disable()
            for i, batch in enumerate(batches):
                timing = time_batch(batch)
                wall[i] = min(wall[i], timing.wall)
                cpu[i] = min(cpu[i], timing.cpu)
    finally:
        if enabled:
            gc.enable()
        else:
            gc.disable()
    return [Timing(w, c) for w, c in zip(wall, cpu, strict=True)]


def best_of_chunks(
    contenders: Sequence[Sequence[Callable[[], object]]], repeats: int
) -> list[Timing]:
    """Each contender's work cut into chunks (the same chunks for every contender):
    the sum over its chunks of each chunk's best time over ``repeats`` rounds."""
    flat = [chunk for chunks in contenders for chunk in chunks]
    times = iter(best_of(flat, repeats))
    totals: list[Timing] = []
    for chunks in contenders:
        parts = [next(times) for _ in chunks]
        totals.append(Timing(sum(t.wall for t in parts), sum(t.cpu for t in parts)))
    return totals
