"""Run per-item work across processes, in chunks, when it is worth the start-up cost."""

from __future__ import annotations

import contextlib
import gc
import os
import signal
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items a single process is faster than starting workers.
MIN_PARALLEL = 200
# At most this many items a chunk. A worker holds a chunk's results until it is done,
# and the parent takes a chunk's in at once: at 100,000 articles, eight chunks a worker
# (8,000 pages each) made the largest worker ~100 MB and the parent ~80 MB bigger.
MAX_CHUNK = 256
# A worker's cyclic garbage collector runs after this many new container objects, not
# Python's default 700. Rendering a page makes thousands (contexts, lists, dicts) and
# almost never a cycle: at 10,000 articles each render worker ran ~300 collections that
# freed nothing and took ~0.12 s (~4 % of its time); with this, ~20 taking ~0.05 s, and
# what cycles a template does make are still collected.
WORKER_GC_THRESHOLD = 10_000


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


def chunked(items: Sequence[T], jobs: int) -> list[Sequence[T]]:
    """About eight chunks a worker, of at most ``MAX_CHUNK`` items: small enough to
    balance and to bound memory, large enough to batch."""
    size = max(1, min(MAX_CHUNK, -(-len(items) // (jobs * 8))))
    return [items[start : start + size] for start in range(0, len(items), size)]


def map_chunks(work: Callable[[Sequence[T]], R], items: Sequence[T], jobs: int,
               each: Callable[[R], None] | None = None,
               meanwhile: Callable[[], None] | None = None) -> list[R]:
    """``work`` over chunks of ``items``, in order; in worker processes when ``jobs > 1``.
    With ``each``, every chunk's result is passed to it as soon as it is in (in order),
    and not kept: nothing returned. ``meanwhile`` is called once, here, while the
    workers start on the chunks (before them, with no workers): this process's own work,
    which would otherwise wait for theirs or they for it.

    Workers are forked, so they inherit module state set up before the call (the planned
    site, the template environment) and only chunks of small values travel to them.

    On Ctrl-C or an error the workers are terminated at once (``Pool.__exit__``), so no
    queued chunk runs after it. Results are gathered (or given to ``each``) here, not
    yielded, so that an interrupt always arrives inside this block: a suspended generator
    would leave the workers running until it was garbage-collected.
    """
    if jobs <= 1 or len(items) < MIN_PARALLEL:
        if meanwhile is not None:
            meanwhile()
        if each is None:
            return [work(items)]
        each(work(items))
        return []
    import multiprocessing  # not at the top: a build with nothing to do starts no workers

    context = multiprocessing.get_context("fork")
    # The objects alive now (the site, its articles and pages) are shared with the
    # workers by fork, copy on write. Frozen, the garbage collector leaves them alone
    # in the workers: its passes would write to every one and so copy all their memory.
    gc.freeze()
    try:
        with context.Pool(jobs, initializer=_start_worker) as pool:
            if each is None:
                pending = pool.map_async(work, chunked(items, jobs), chunksize=1)
                if meanwhile is not None:
                    meanwhile()
                results = pending.get()
            else:
                ordered = pool.imap(work, chunked(items, jobs), chunksize=1)
                if meanwhile is not None:
                    meanwhile()
                for result in ordered:
                    each(result)
                results = []
            pool.close()
            pool.join()
    finally:
        gc.unfreeze()
    return results


class Child:
    """A forked child that answers on a pipe and exits (``start``): the owner reads
    ``pipe``, then ``close`` reaps the child, once the owner is done rather than on the
    answer (its exit takes a few ms more: the kernel frees its memory)."""

    def __init__(self) -> None:
        self.pid = 0
        self.pipe = -1  # the read end, until ``hang_up``

    def start(self, answer: Callable[[int], object]) -> bool:
        """Fork a child that runs ``answer`` with the write end of the pipe and exits:
        whatever happens, it never returns into the caller's code nor runs its cleanup
        (buffers, the cache store, atexit). False where there is no fork or it fails
        (the owner then does the work itself)."""
        if self.pid:
            return True
        if not hasattr(os, "fork"):
            return False
        try:
            read, write = os.pipe()
        except OSError:
            return False
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            return False
        if pid == 0:
            try:
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                os.close(read)
                answer(write)
            finally:
                os._exit(0)
        os.close(write)
        self.pid, self.pipe = pid, read
        return True

    def hang_up(self) -> None:
        if self.pipe >= 0:
            os.close(self.pipe)
            self.pipe = -1

    def close(self) -> None:
        """Reap the child, stopped first if it is still at work."""
        self.hang_up()
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.pid = 0


def _start_worker() -> None:
    """In a worker: Ctrl-C reaches the whole process group, but the parent alone handles
    it; SIGTERM (how the parent ends its workers) ends a worker whatever handler the parent
    had for it. The garbage collector runs, whether or not the parent paused its own
    (``build.collection_paused``), less often (``WORKER_GC_THRESHOLD``); what the worker
    inherits is frozen, out of its way."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    gc.set_threshold(WORKER_GC_THRESHOLD, *gc.get_threshold()[1:])
    gc.enable()
