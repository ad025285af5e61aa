"""The one writer: renders go into a fresh staging folder that is swapped in at the end.

A failed or interrupted build leaves the published folder exactly as it was.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import stat
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from newsgen import __version__
from newsgen.config import SiteConfig
from newsgen.errors import ContentError, OutputError, Problem, display_path
from newsgen.pages import Page
from newsgen.walk import walk_files

MARKER = ".newsgen-build"


def check_output_dir(config: SiteConfig, *, force: bool = False) -> None:
    """Refuse output folders that would destroy sources or files newsgen did not write."""
    out = config.output_dir
    sources = [config.root, config.articles_dir, config.templates_dir, config.static_dir]
    for source in sources:
        if out == source or source.is_relative_to(out):
            raise OutputError(f"output folder {out} is or contains the site's sources "
                              f"({source}): choose another --output")
    for source in sources[1:]:
        if out.is_relative_to(source):
            raise OutputError(f"output folder {out} is inside the site's sources ({source}): "
                              f"choose another --output")
    if out.exists() and not out.is_dir():
        raise OutputError(f"output path {out} exists and is not a folder")
    try:
        foreign = out.is_dir() and not (out / MARKER).exists() and any(out.iterdir())
    except OSError as exc:
        raise OutputError(f"cannot read output folder {out}: {exc.strerror}") from exc
    if foreign and not force:
        raise OutputError(f"output folder {out} is not empty and was not written by newsgen: "
                          f"refusing to replace it (empty it, choose another --output, "
                          f"or pass --force)")


@contextlib.contextmanager
def output_lock(config: SiteConfig) -> Iterator[None]:
    """Only one build at a time may write one output folder."""
    out = config.output_dir
    lock_path = out.parent / f".{out.name}.newsgen-lock"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        handle = _acquire(lock_path, out)
    except OSError as exc:
        raise OutputError(f"cannot create the lock file {lock_path}: {exc.strerror}") from exc
    with handle:
        try:
            yield
        finally:
            # Removed while still locked: a build that opened the old file re-checks it.
            with contextlib.suppress(OSError):
                lock_path.unlink()
            fcntl.flock(handle, fcntl.LOCK_UN)


def _acquire(lock_path: Path, out: Path) -> IO[str]:
    while True:
        handle = open(lock_path, "a+")  # noqa: SIM115 (returned open: it holds the lock)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            handle.close()
            process = f" (process {holder})" if holder.isdigit() else ""
            raise OutputError(f"another newsgen build{process} is writing {out}: "
                              f"wait for it to finish") from None
        try:
            current = os.stat(lock_path).st_ino == os.fstat(handle.fileno()).st_ino
        except FileNotFoundError:
            current = False
        if current:
            handle.truncate(0)
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            return handle
        handle.close()  # the build that held it just removed it: take the new one


def find_collisions(pages: Iterable[Page]) -> None:
    seen: dict[str, Page] = {}
    for page in pages:
        other = seen.setdefault(page.output_path, page)
        if other is not page:
            raise OutputError(f"two pages would write {page.output_path}: "
                              f"{other.url} ({other.template}) and {page.url} ({page.template})")


class Staging:
    """A new site tree, built beside the output folder and swapped in by ``publish``.

    Only made under ``output_lock``: folders left by a build that was killed outright
    (``kill -9``, a power cut) are removed then, since no other build can own them.
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        self.path = out.parent / f".{out.name}.newsgen-tmp-{os.getpid()}"
        try:
            leftovers = (f".{out.name}.newsgen-tmp-", f".{out.name}.newsgen-old-")
            for stale in out.parent.iterdir():
                if stale.name.startswith(leftovers) and stale.is_dir():
                    shutil.rmtree(stale, ignore_errors=True)
            self.path.mkdir(parents=True)
        except OSError as exc:
            raise OutputError(f"cannot create {self.path}: {exc.strerror}") from exc
        self.written: set[str] = set()

    def write(self, relative: str, text: str) -> None:
        dest = self._inside(relative)
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            with open(dest, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        except OSError as exc:
            raise _write_error(dest, exc) from exc
        self.written.add(relative)

    def copy_tree(self, source: Path, prefix: str, root: Path) -> list[Problem]:
        """Copy a static folder; a symlink leading outside ``root`` is skipped with a warning,
        a file that cannot be read (a broken link, a pipe) is an error naming it."""
        warnings: list[Problem] = []
        errors: list[Problem] = []
        if not source.is_dir():
            return warnings
        for src in walk_files(source, root, warnings, errors):
            relative = f"{prefix}/{src.relative_to(source).as_posix()}"
            problem = self._copy(src, self._inside(relative))
            if problem:
                errors.append(Problem(display_path(src, root), problem))
            else:
                self.written.add(relative)
        if errors:
            raise ContentError(errors)
        return warnings

    @staticmethod
    def _copy(src: Path, dest: Path) -> str | None:
        """Copy one file; why it cannot be read, or None. Writing problems raise."""
        try:
            if not stat.S_ISREG(os.stat(src).st_mode):  # opening a pipe would wait forever
                return "not a regular file (a pipe or a device?): not published"
            reader = open(src, "rb")  # noqa: SIM115 (closed below: read errors differ)
        except OSError as exc:
            return f"cannot read: {exc.strerror}"
        with reader:
            try:
                dest.parent.mkdir(parents=True, exist_ok=True)
                with open(dest, "wb") as writer:
                    shutil.copyfileobj(reader, writer, 1024 * 1024)
            except OSError as exc:
                if exc.filename is None or exc.filename == str(dest):
                    raise _write_error(dest, exc) from exc
                return f"cannot read: {exc.strerror}"
        return None

    def _inside(self, relative: str) -> Path:
        dest = (self.path / relative).resolve()
        if not dest.is_relative_to(self.path.resolve()):
            raise OutputError(f"refusing to write outside the output folder: {relative}")
        return dest

    def publish(self) -> None:
        """Swap the staging tree in place of the output folder.

        Ctrl-C and SIGTERM wait until the swap is over (they take effect right after it):
        between its two renames there is no site at all.
        """
        marker = self.path / MARKER
        try:
            marker.write_text(json.dumps({"generator": "newsgen", "version": __version__}) + "\n")
        except OSError as exc:
            raise _write_error(marker, exc) from exc
        old = self.out.parent / f".{self.out.name}.newsgen-old-{os.getpid()}"
        with _signals_held():
            try:
                if self.out.exists():
                    os.rename(self.out, old)
                try:
                    os.rename(self.path, self.out)
                except OSError:
                    if old.exists():
                        os.rename(old, self.out)
                    raise
            except OSError as exc:
                raise OutputError(f"cannot replace {self.out}: {exc.strerror}") from exc
            shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _write_error(dest: Path, exc: OSError) -> OutputError:
    return OutputError(f"cannot write {dest}: {exc.strerror or exc} (the published site "
                       f"was not changed)")


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block is over (main thread only: handlers run there)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
