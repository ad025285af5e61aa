"""`map_chunks`: the same results as one process, errors and Ctrl-C reach the parent at once."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from newsgen.build import build, collection_paused
from newsgen.errors import ContentError, Problem
from newsgen.parallel import MAX_CHUNK, MIN_PARALLEL, chunked, map_chunks

from conftest import REPO, article, site_config
from helpers_site import snapshot


def squares(chunk: Sequence[int]) -> list[int]:
    return [n * n for n in chunk]


def fail_on_500(chunk: Sequence[int]) -> list[int]:
    if 500 in chunk:
        raise ContentError([Problem("articles/500.md", "bad", 3)])
    return list(chunk)


def test_results_come_back_in_order_as_in_one_process() -> None:
    items = range(1000)
    parallel = [n for chunk in map_chunks(squares, items, 2) for n in chunk]
    assert parallel == [n for chunk in map_chunks(squares, items, 1) for n in chunk]
    assert parallel == [n * n for n in items]


@pytest.mark.parametrize("count", [1, 15, 1000, 100_000])
def test_work_is_cut_into_bounded_chunks_that_cover_it_in_order(count: int) -> None:
    # A worker holds a whole chunk's results, and the parent takes them in at once: the
    # size of a chunk is memory, so it must not grow with the site.
    chunks = chunked(range(count), 2)
    assert [n for chunk in chunks for n in chunk] == list(range(count))
    assert max(len(chunk) for chunk in chunks) <= MAX_CHUNK <= 1000
    assert len(chunks) >= min(count, 16)  # still about eight a worker on small sites


def test_an_error_in_a_worker_reaches_the_parent_whole() -> None:
    with pytest.raises(ContentError) as caught:
        map_chunks(fail_on_500, range(1000), 2)
    assert caught.value.problems == (Problem("articles/500.md", "bad", 3),)


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("streamed", [False, True])
def test_the_parents_own_work_runs_once_beside_the_workers(jobs: int, streamed: bool) -> None:
    done: list[int] = []
    got: list[list[int]] = []
    results = map_chunks(squares, range(1000), jobs, each=got.append if streamed else None,
                         meanwhile=lambda: done.append(os.getpid()))
    assert done == [os.getpid()]
    assert [n for chunk in (got if streamed else results) for n in chunk] == [
        n * n for n in range(1000)]


def collector_on(chunk: Sequence[int]) -> list[bool]:
    return [gc.isenabled()] * len(chunk)


def test_workers_collect_garbage_while_a_build_pauses_the_parents_collector() -> None:
    with collection_paused():
        assert not gc.isenabled()
        seen = {on for chunk in map_chunks(collector_on, range(1000), 2) for on in chunk}
    assert seen == {True}
    assert gc.isenabled()


def test_the_collector_is_on_again_after_a_build_that_fails(make_site, tmp_path: Path) -> None:
    """``newsgen serve`` builds again and again in one process: a build must not leave
    its garbage collector off, even when it fails."""
    root = make_site({"articles/good.md": article(title="Good"),
                      "articles/bad.md": "---\ntitle: [unclosed\n---\nBody\n"})
    with pytest.raises(ContentError):
        build(site_config(root, output_dir=tmp_path / "out"), jobs=1)
    assert gc.isenabled()
    (root / "articles" / "bad.md").unlink()
    build(site_config(root, output_dir=tmp_path / "out"), jobs=1)
    assert gc.isenabled()


def test_a_large_site_builds_the_same_in_parallel(make_site, tmp_path: Path) -> None:
    files = {f"articles/a{n:03}.md": article(title=f"Story number {n}",
                                              date=f"2024-01-{n % 28 + 1:02} 09:00:00+07:00",
                                              topics=[f"Topic {n % 7}", f"Topic {n % 5}"])
             for n in range(MIN_PARALLEL + 20)}
    root = make_site(files)

    def built(out: str, jobs: int) -> dict[str, bytes]:
        build(site_config(root, output_dir=tmp_path / out), jobs=jobs)
        return snapshot(tmp_path / out)

    assert built("parallel", 2) == built("serial", 1)


_INTERRUPTED = textwrap.dedent("""
    import os, signal, sys, time
    from newsgen.parallel import map_chunks

    def slow(chunk):
        os.write(1, f"worker {os.getpid()}\\n".encode())  # one write: lines never interleave
        time.sleep(0.4 * len(chunk))  # 10 s a chunk
        return list(chunk)

    def stop(signum, frame):  # what `newsgen serve` does with SIGTERM
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print("started", flush=True)
    try:
        map_chunks(slow, range(400), 2)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
""")


@pytest.mark.parametrize(("sig", "to_group"), [(signal.SIGINT, True), (signal.SIGTERM, False)],
                         ids=["ctrl-c in a terminal", "sigterm to the parent"])
def test_an_interrupt_stops_the_workers_at_once(sig: signal.Signals, to_group: bool) -> None:
    process = subprocess.Popen([sys.executable, "-c", _INTERRUPTED], cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        assert process.stdout is not None and process.stdout.readline() == "started\n"
        workers = {process.stdout.readline(), process.stdout.readline()}  # both at work
        assert all(line.startswith("worker ") for line in workers), workers
        sent = time.monotonic()
        if to_group:
            os.killpg(process.pid, sig)  # a terminal's Ctrl-C reaches every process
        else:
            process.send_signal(sig)
        out, err = process.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert out.splitlines()[-1:] == ["interrupted"], out
    assert err == ""  # no worker printed a traceback
    assert took < 3, f"took {took:.1f} s"
    for line in workers:
        status = Path(f"/proc/{line.split()[1]}/status")
        assert not status.exists() or "zombie" in status.read_text()
