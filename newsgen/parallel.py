"""Run per-item work across processes, in chunks, when it is worth the start-up cost."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items a single process is faster than starting workers.
MIN_PARALLEL = 200


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


def chunked(items: Sequence[T], jobs: int) -> list[Sequence[T]]:
    """About eight chunks a worker: small enough to balance, large enough to batch."""
    size = max(1, -(-len(items) // (jobs * 8)))
    return [items[start : start + size] for start in range(0, len(items), size)]


def map_chunks(work: Callable[[Sequence[T]], R], items: Sequence[T], jobs: int) -> Iterator[R]:
    """``work`` over chunks of ``items``, in order; in worker processes when ``jobs > 1``.

    Workers are forked, so they inherit module state set up before the call (the planned
    site, the template environment) and only chunks of small values travel to them.
    """
    if jobs <= 1 or len(items) < MIN_PARALLEL:
        yield work(items)
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        yield from pool.map(work, chunked(items, jobs))
