#!/usr/bin/env python3
"""Benchmark newsgen against Hugo on the standard corpus.

    python benchmarks/run.py [--n 10000] [--runs 3] [--workdir DIR] [--no-hugo] [--write]
                             [--settle SECONDS]

Makes the standard corpus (``../shared/corpus/gen_corpus.py OUT --n N --seed 1``), then
times, alternating the contenders run by run:
  newsgen cold builds with each engine (Python-Markdown and CommonMark), both without the
  build cache (``--no-cache``: the issue's cold build, like Hugo's, which keeps none) and
  writing it (a newsroom's first build), then no-op, body-edit, title-edit and
  template-edit rebuilds on that cache; and, where ``hugo`` is installed, Hugo on the same
  corpus with and without related content (``../shared/peers/mksite.sh hugo N DIR``).
Prints medians, peak memory and ratios to Hugo; ``--write`` also writes docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
# `python -m newsgen` runs this checkout's package, whichever newsgen is installed.
CHECKOUT_ENV = {**os.environ,
                "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO),
                                                            os.environ.get("PYTHONPATH")]))}


NOTES = "## Notes"
# Seconds between a round's last build and the next round's cold builds. The template
# edit that ends a round replaces every page: ext4 without a journal (these machines'
# disks) reuses no freed inode for a while after its deletion, and a build that creates
# ~15,000 files then scans past them for each one. Measured here: a CommonMark cold build
# right after a template edit took 7.1-7.8 s (5-6 s of system time), 70 s later 5.5-5.8 s
# (2.2-2.7 s). Hugo's runs would pay it too, but unequally, by where they fall.
SETTLE = 75.0


def run_timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of the largest process of ``cmd``.

    The disk is synced first: each contender starts with nothing of the previous runs
    (the outputs set aside, see ``main``) still being written back, as a build minutes
    after the last one would."""
    os.sync()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=CHECKOUT_ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{err[-2000:]}")
    if proc.stderr:
        proc.stderr.close()
    return seconds, usage.ru_maxrss / 1024


def newsgen_cmd(site: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "newsgen", "build", "--site", str(site),
            "--base-url", "https://bench.example.org/", *extra]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/newsgen-bench"))
    parser.add_argument("--no-hugo", action="store_true")
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md")
    parser.add_argument("--settle", type=float, default=SETTLE,
                        help="seconds to wait before each round after the first "
                             f"(default {SETTLE:g}; see SETTLE)")
    args = parser.parse_args()

    work: Path = args.workdir / f"n{args.n}"
    site = work / "newsgen"
    if not (site / "articles").is_dir():
        shutil.rmtree(site, ignore_errors=True)
        subprocess.run([sys.executable, str(SHARED / "corpus" / "gen_corpus.py"), str(site),
                        "--n", str(args.n), "--seed", "1"], check=True,
                       stdout=subprocess.DEVNULL)
    # Hugo builds no search index: keep newsgen's Pagefind step out of the comparison.
    (site / "newsgen.yaml").write_text("search: false\n", encoding="utf-8")
    files = sorted((site / "articles").rglob("*.md"))
    sample = files[len(files) // 2]
    sample_text = sample.read_bytes()  # put back at the end: the next run starts alike

    hugo = shutil.which("hugo") if not args.no_hugo else None
    hugo_dir = args.workdir / f"hugo-{args.n}"
    if hugo and not (hugo_dir / "content").is_dir():
        subprocess.run(["sh", str(SHARED / "peers" / "mksite.sh"), "hugo", str(args.n),
                        str(args.workdir)], check=True, stdout=subprocess.DEVNULL)

    # Time newsgen as installed: pip compiles its bytecode at install. This checkout's
    # may be stale, and PYTHONDONTWRITEBYTECODE (set on some machines) stops Python from
    # refreshing it, so that every run would compile the changed modules again: ~0.15 s
    # of a one-article build.
    compileall.compile_dir(REPO / "newsgen", quiet=1)
    results: dict[str, list[tuple[float, float]]] = {}

    def record(name: str, measure: Callable[[], tuple[float, float]]) -> None:
        results.setdefault(name, []).append(measure())
        seconds, mb = results[name][-1]
        print(f"  {name:<46} {seconds:7.2f} s  {mb:7.0f} MB", flush=True)

    # A cold build starts with no output, as in a fresh CI checkout. The previous output
    # is moved aside, not deleted, until the end. ext4 without a journal (these machines'
    # disks) reuses no inode within a minute of its deletion, five minutes more while its
    # inode table block is unwritten: a build that follows the deletion of a ~30,000-file site
    # scans past those inodes for every file and folder it creates. perf showed 30 % of a
    # CommonMark build's CPU in ext4's ``recently_deleted``, and the build's kernel time
    # swinging from 3 to 18 s with it. Hugo's output is set aside the same way.
    trash = args.workdir / "trash"
    trash.mkdir(exist_ok=True)

    def set_aside(path: Path) -> None:
        if path.exists():
            path.rename(trash / f"{time.time_ns()}-{path.name}")

    def clean_newsgen() -> None:
        set_aside(site / "public")
        set_aside(site / ".newsgen-cache")

    try:
        for run in range(1, args.runs + 1):
            if run > 1 and args.settle:
                # The last round's template edit replaced every page: see ``--settle``.
                time.sleep(args.settle)
            load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
            print(f"run {run}/{args.runs} (load average {load})", flush=True)
            # The cold builds first, each contender after the other, with nothing deleted
            # just before them; then the builds that write the cache and the rebuilds that
            # use it.
            clean_newsgen()
            record("newsgen cold (Python-Markdown)",
                   lambda: run_timed(newsgen_cmd(site, "--no-cache"), site))
            if hugo:
                set_aside(hugo_dir / "public")
                record("hugo with related", lambda: run_timed([hugo, "--quiet"], hugo_dir))
            clean_newsgen()
            record("newsgen cold (CommonMark)",
                   lambda: run_timed(newsgen_cmd(site, "--markdown-engine", "commonmark",
                                                 "--no-cache"), site))
            if hugo:
                set_aside(hugo_dir / "public")
                record("hugo without related",
                       lambda: run_timed([hugo, "--quiet", "--layoutDir", "layouts-norelated"],
                                         hugo_dir))
            clean_newsgen()
            record("newsgen cold, cache written (CommonMark)",
                   lambda: run_timed(newsgen_cmd(site, "--markdown-engine", "commonmark"), site))
            clean_newsgen()
            record("newsgen cold, cache written (Python-Markdown)",
                   lambda: run_timed(newsgen_cmd(site), site))
            record("newsgen no-op rebuild", lambda: run_timed(newsgen_cmd(site), site))
            edit(sample, "\n\n", f"\n\nBenchmark edit {run}.\n\n")
            record("newsgen body edit", lambda: run_timed(newsgen_cmd(site), site))
            edit(sample, "title: \"", f"title: \"Edited {run} ")
            record("newsgen title edit", lambda: run_timed(newsgen_cmd(site), site))
            template = site / "templates" / "partials" / "footer.html"
            template.parent.mkdir(parents=True, exist_ok=True)
            theme_footer = REPO / "newsgen" / "theme" / "templates" / "partials" / "footer.html"
            template.write_text(theme_footer.read_text() + f"<!-- edit {run} -->\n")
            record("newsgen template edit", lambda: run_timed(newsgen_cmd(site), site))
            template.unlink()
    finally:
        sample.write_bytes(sample_text)
        shutil.rmtree(trash, ignore_errors=True)

    medians = {name: (statistics.median(s for s, _ in rows), max(m for _, m in rows))
               for name, rows in results.items()}
    lines = ["| measure | median s | runs (s) | peak MB | × Hugo with related "
             "| × Hugo without related |",
             "|---|---:|---|---:|---:|---:|"]
    h_rel = medians.get("hugo with related", (0, 0))[0]
    h_norel = medians.get("hugo without related", (0, 0))[0]
    for name, (seconds, mb) in medians.items():
        r1 = f"{seconds / h_rel:.2f}" if h_rel else "–"
        r2 = f"{seconds / h_norel:.2f}" if h_norel else "–"
        runs = ", ".join(f"{s:.2f}" for s, _ in results[name])
        lines.append(f"| {name} | {seconds:.2f} | {runs} | {mb:.0f} | {r1} | {r2} |")
    table = "\n".join(lines)
    print()
    print(table)

    if args.write:
        cpu = ""
        cpuinfo = Path("/proc/cpuinfo")
        if cpuinfo.exists():
            match = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
            cpu = match.group(1) if match else ""
        hugo_version = (subprocess.run([hugo, "version"], capture_output=True, text=True)
                        .stdout.strip() if hugo else "not installed")
        doc = REPO / "docs" / "benchmarks.md"
        # Notes written by hand under "## Notes" stay; the table above them is replaced.
        old = doc.read_text(encoding="utf-8") if doc.exists() else ""
        notes = old[old.find(NOTES):] if NOTES in old else ""
        doc.write_text(
            "# Benchmarks\n\n"
            f"Made by `python benchmarks/run.py --n {args.n} --runs {args.runs} --write` on "
            f"{datetime.now(UTC):%Y-%m-%d}: {platform.machine()}, {os.cpu_count()} CPUs "
            f"({cpu}), Python {platform.python_version()}, {hugo_version}.\n"
            f"Standard corpus: {args.n} articles, seed 1. Medians of {args.runs} alternating "
            "runs; peak MB is the largest resident set of one process.\n\n" + table + "\n"
            + ("\n" + notes if notes else ""),
            encoding="utf-8")
        print(f"\nwrote {doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
