"""Run per-item work across processes, in chunks, when it is worth the start-up cost."""

from __future__ import annotations

import multiprocessing
import os
import signal
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
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_quiet_worker)
    try:
        yield from pool.map(work, chunked(items, jobs))
    except BaseException:
        # A failed chunk, Ctrl-C or SIGTERM: stop the other workers now rather than let
        # them finish every queued chunk, and before the caller removes what they write.
        _stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True)


def _quiet_worker() -> None:
    """Ctrl-C reaches every process of the terminal: only the main process handles it (by
    stopping the workers), so workers neither print tracebacks nor die half-way alone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    processes = list((pool._processes or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join()
