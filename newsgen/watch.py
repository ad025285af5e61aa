"""Watch a site's sources with ``watchfiles`` and report each settled burst of changes.

Two watchers run in daemon threads: one over the source folders (recursive), one over the
folders that hold the single watched files (not recursive). A file is never watched by
itself: editors that save by writing a new file and renaming it over the old one would end
such a watch after the first save. The second watcher also sees a source folder appear or
disappear, and then the first restarts with the folders that exist.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import watchfiles

# Changes are reported once none has arrived for STEP_MS, at the latest after DEBOUNCE_MS.
STEP_MS = 100
DEBOUNCE_MS = 1_600

OnChange = Callable[[set[Path]], None]
Snapshot = dict[Path, tuple[int, int]]  # file -> (modification time in ns, size)


_DEFAULT_FILTER = watchfiles.DefaultFilter()


def is_noise(path: Path) -> bool:
    """Editors' swap, backup and probe files (vim's "4913"), hidden files, VCS folders."""
    name = path.name
    return (name.startswith(".") or name.endswith("~") or name == "4913"
            or not _DEFAULT_FILTER(watchfiles.Change.modified, str(path)))


class SourceWatcher:
    """Calls ``on_change(paths)`` from a watcher thread after each burst of saves settles."""

    def __init__(self, on_change: OnChange) -> None:
        self._on_change = on_change
        self._stop = threading.Event()
        self._plan = threading.Condition()
        self._version = 0
        self._dirs: frozenset[Path] = frozenset()
        self._files: frozenset[Path] = frozenset()
        self._threads: list[threading.Thread] = []
        self._ready = {True: threading.Event(), False: threading.Event()}

    def watch(self, dirs: Iterable[Path], files: Iterable[Path]) -> None:
        """What to watch from now on: ``dirs`` recursively and single ``files``."""
        new_dirs, new_files = frozenset(dirs), frozenset(files)
        with self._plan:
            if (new_dirs, new_files) != (self._dirs, self._files):
                self._dirs, self._files = new_dirs, new_files
                self._bump()

    def start(self, timeout: float = 10.0) -> None:
        """Start watching; returns once both watchers are in place (or after ``timeout``)."""
        for recursive in (True, False):
            thread = threading.Thread(target=self._run, args=(recursive,), daemon=True,
                                      name=f"newsgen-watch-{'tree' if recursive else 'files'}")
            thread.start()
            self._threads.append(thread)
        deadline = time.monotonic() + timeout
        for ready in self._ready.values():
            ready.wait(max(0.0, deadline - time.monotonic()))

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        with self._plan:
            self._plan.notify_all()
        for thread in self._threads:
            thread.join(timeout)

    def snapshot(self) -> Snapshot:
        """Time and size of every watched file, to compare with ``changed_since`` later."""
        with self._plan:
            dirs, files = self._dirs, self._files
        found: Snapshot = {}
        for path in files:
            _record(found, path)
        for top in dirs:
            for folder, subdirs, names in os.walk(top):
                here = Path(folder)
                subdirs[:] = [d for d in subdirs if not is_noise(here / d)]
                for name in names:
                    if not is_noise(here / name):
                        _record(found, here / name)
        return found

    def changed_since(self, before: Snapshot) -> set[Path]:
        """Files added, removed or modified since ``before`` was taken.

        Covers the gap before the watches were in place (serve's first build). Comparing
        times and sizes, not times with the clock: file times come from a coarser clock.
        """
        now = self.snapshot()
        return {path for path in before.keys() | now.keys() if before.get(path) != now.get(path)}

    def _bump(self) -> None:
        self._version += 1
        self._plan.notify_all()

    def _run(self, recursive: bool) -> None:
        while not self._stop.is_set():
            with self._plan:
                version, dirs, files = self._version, self._dirs, self._files
            if recursive:
                paths = sorted(d for d in dirs if d.is_dir())
            else:
                paths = sorted({p.parent for p in files | dirs if p.parent.is_dir()})
            if paths:
                self._watch(paths, recursive, version, dirs, files)
            else:
                self._ready[recursive].set()
            self._wait_for_new_plan(version)  # nothing to watch, or a folder vanished

    def _wait_for_new_plan(self, version: int) -> None:
        with self._plan:
            self._plan.wait_for(lambda: self._stop.is_set() or self._version != version)

    def _watch(self, paths: list[Path], recursive: bool, version: int,
               dirs: frozenset[Path], files: frozenset[Path]) -> None:
        def wanted(_change: watchfiles.Change, name: str) -> bool:
            path = Path(name)
            if is_noise(path):
                return False
            return recursive or path in files or path in dirs

        until = _Until(self, version, self._ready[recursive])
        try:
            for changes in watchfiles.watch(*paths, watch_filter=wanted, recursive=recursive,
                                            stop_event=until, step=STEP_MS,
                                            debounce=DEBOUNCE_MS, raise_interrupt=False):
                changed = {Path(name) for _, name in changes}
                self._on_change(changed)
                if changed & dirs:  # a source folder appeared or went: watch anew
                    with self._plan:
                        self._bump()
        except (OSError, RuntimeError):
            pass  # a watched folder was removed; the caller waits for a new plan


def _record(found: Snapshot, path: Path) -> None:
    try:
        stat = path.stat()
    except OSError:
        return
    found[path] = (stat.st_mtime_ns, stat.st_size)


class _Until:
    """The stop event of one ``watchfiles.watch`` run: stop, or a new plan.

    watchfiles first asks it once its watches are in place, which marks ``ready``.
    """

    def __init__(self, watcher: SourceWatcher, version: int, ready: threading.Event) -> None:
        self._watcher = watcher
        self._version = version
        self._ready = ready

    def is_set(self) -> bool:
        self._ready.set()
        return self._watcher._stop.is_set() or self._watcher._version != self._version
