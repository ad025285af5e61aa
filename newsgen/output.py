"""The one writer: renders go into a fresh staging folder, published only at the end.

A failed or interrupted build leaves the published folder exactly as it was. A full build
swaps the whole staging tree in (two renames). An incremental build stages only the files
that changed and commits them in place: it first writes a journal of the moves and
deletions, then performs them (each an atomic rename or unlink) with SIGINT and SIGTERM
held back; a commit cut short (power loss, SIGKILL) is rolled forward from the journal by
the next build before it does anything else. Untouched files keep their inode and mtime.
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
from collections.abc import Container, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from newsgen import __version__
from newsgen.config import SiteConfig
from newsgen.errors import ContentError, OutputError, Problem, display_path
from newsgen.parallel import Child
from newsgen.walk import walk_files

if TYPE_CHECKING:
    from newsgen.pages import Page

MARKER = ".newsgen-build"
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC


def _write_file(path: str, data: bytes) -> None:
    """Create or truncate ``path`` holding ``data``. Through a descriptor: a text-mode
    file object costs ~25 µs more a page."""
    handle = os.open(path, _NEW_FILE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(handle, view):]
    finally:
        os.close(handle)


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
            if not journal_path(out).exists():  # else its staging folder is still needed
                leftovers = (f".{out.name}.newsgen-tmp-", f".{out.name}.newsgen-old-")
                for stale in out.parent.iterdir():
                    if stale.name.startswith(leftovers) and stale.is_dir():
                        shutil.rmtree(stale, ignore_errors=True)
            self.path.mkdir(parents=True)
        except OSError as exc:
            raise OutputError(f"cannot create {self.path}: {exc.strerror}") from exc
        self._root = str(self.path)
        self._folders: set[str] = {self._root}
        self.written: set[str] = set()  # staged in this build
        self.current: set[str] = set()  # every file the output will hold

    def write(self, relative: str, text: str) -> None:
        data = text.encode()
        try:
            _write_file(self._inside(relative), data)
        except OSError as exc:
            raise _write_error(Path(self._root, relative), exc) from exc
        self.written.add(relative)
        self.current.add(relative)

    def record(self, written: Iterable[str]) -> None:
        """Note files written into the staging folder by worker processes."""
        for relative in written:
            self.written.add(relative)
            self.current.add(relative)

    def keep(self, relative: str, published: Container[str] | None = None) -> bool:
        """Leave an unchanged file of the previous output where it is (incremental builds):
        False when it is not there to keep (not in ``published``, the output's files, when
        they are known)."""
        if not (relative in published if published is not None
                else os.path.isfile(os.path.join(self.out, relative))):
            return False
        self.current.add(relative)
        return True

    def copy_tree(self, source: Path, prefix: str, root: Path,
                  incremental: bool = False) -> list[Problem]:
        """Copy a static folder (see ``walk_files``): a symlink leading outside ``root`` is
        skipped with a warning, a file that cannot be read (a broken link, a pipe) is an
        error naming it. ``incremental``: a file whose published copy has its size and
        mtime is kept."""
        warnings: list[Problem] = []
        errors: list[Problem] = []
        if not source.is_dir():
            return warnings
        for src in walk_files(source, root, warnings, errors):
            relative = f"{prefix}/{src.relative_to(source).as_posix()}"
            if incremental and _same_file(src, self.out / relative):
                self.written.discard(relative)  # an earlier folder's copy is not wanted
                self.current.add(relative)
                continue
            try:
                dest = self._inside(relative)
            except OSError as exc:
                raise _write_error(Path(self._root, relative), exc) from exc
            problem = self._copy(src, dest)
            if problem:
                errors.append(Problem(display_path(src, root), problem))
            else:
                self.written.add(relative)
                self.current.add(relative)
        if errors:
            raise ContentError(errors)
        return warnings

    @staticmethod
    def _copy(src: Path, dest: str) -> str | None:
        """Copy one file with its mtime (rsync-friendly, and what ``_same_file`` compares);
        why it cannot be read, or None. Writing problems raise."""
        try:
            if not stat.S_ISREG(os.stat(src).st_mode):  # opening a pipe would wait forever
                return "not a regular file (a pipe or a device?): not published"
            reader = open(src, "rb")  # noqa: SIM115 (closed below: read errors differ)
        except OSError as exc:
            return f"cannot read: {exc.strerror}"
        with reader:
            try:
                with open(dest, "wb") as writer:
                    shutil.copyfileobj(reader, writer, 1024 * 1024)
                shutil.copystat(src, dest)
            except OSError as exc:
                if exc.filename is None or exc.filename == dest:
                    raise _write_error(Path(dest), exc) from exc
                return f"cannot read: {exc.strerror}"
        return None

    def _inside(self, relative: str) -> str:
        """The staging path of ``relative``, its folder created. The staging tree is new and
        holds only what this build put there (no symlinks), so a lexical check is enough."""
        if not is_safe_relative(relative):
            raise OutputError(f"refusing to write outside the output folder: {relative!r}")
        parts = relative.split("/")
        folder = os.path.join(self._root, *parts[:-1])
        if folder not in self._folders:
            # Most folders are new under one that exists (/2024/05/ holds each article's
            # folder): one mkdir, where makedirs would stat the parent first.
            try:
                os.mkdir(folder)
            except FileExistsError:  # another worker's, or a page's folder made earlier
                pass
            except FileNotFoundError:
                os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)
        return os.path.join(folder, parts[-1])

    def publish(self) -> None:
        """Swap the staging tree in place of the output folder.

        Ctrl-C and SIGTERM wait until the swap is over (they take effect right after it):
        between its two renames there is no site at all.
        """
        try:
            self._write_marker(self.path)
        except OSError as exc:
            raise _write_error(self.path / MARKER, exc) from exc
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
            shutil.rmtree(old, ignore_errors=True)  # so an interrupt leaves no old tree

    def commit(self, stale: Iterable[str]) -> None:
        """Move the staged files into the output folder and delete ``stale`` ones there.

        Ctrl-C and SIGTERM wait until the commit is over. A commit that fails half-way (or
        a machine that stops) is completed from its journal by the next build."""
        journal = journal_path(self.out)
        plan = {"staging": self._root, "moves": sorted(self.written),
                "deletes": sorted(set(stale) - self.written)}
        temporary = journal.with_name(journal.name + ".tmp")
        try:
            temporary.write_text(json.dumps(plan), encoding="utf-8")
            os.replace(temporary, journal)  # from here on, the commit will be completed
        except OSError as exc:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise _write_error(temporary, exc) from exc
        with _signals_held():
            try:
                _apply(self.out, plan)
                self._write_marker(self.out)
                journal.unlink()
            except OSError as exc:
                raise OutputError(f"cannot update {self.out}: {exc.strerror or exc} (the next "
                                  f"build completes the update from {journal})") from exc
        shutil.rmtree(self.path, ignore_errors=True)

    @staticmethod
    def _write_marker(folder: Path) -> None:
        marker = folder / MARKER
        marker.with_name(MARKER + ".tmp").write_text(
            json.dumps({"generator": "newsgen", "version": __version__}) + "\n")
        os.replace(marker.with_name(MARKER + ".tmp"), marker)

    def discard(self) -> None:
        """Drop the staged files, unless a commit of them has begun: then the journal needs
        them to complete it."""
        if not journal_path(self.out).exists():
            shutil.rmtree(self.path, ignore_errors=True)


def is_safe_relative(relative: str) -> bool:
    """No absolute path, no empty, '.' or '..' segment, no backslash or NUL."""
    return not (relative.startswith("/") or "\\" in relative or "\0" in relative
                or any(part in ("", ".", "..") for part in relative.split("/")))


def _same_file(source: Path, published: Path) -> bool:
    try:
        a, b = source.stat(), published.stat()
    except OSError:
        return False
    return (a.st_size, a.st_mtime_ns) == (b.st_size, b.st_mtime_ns) and not published.is_symlink()


def published_files(out: Path) -> set[str]:
    """Every file in the output folder (relative paths), the build marker aside."""
    found: set[str] = set()
    for folder, _dirs, files in os.walk(out):
        relative = os.path.relpath(folder, out)
        for name in files:
            found.add(name if relative == "." else f"{relative}/{name}".replace(os.sep, "/"))
    found.discard(MARKER)
    return found


def folders_of(files: Iterable[str]) -> set[str]:
    """Every folder holding ``files`` (relative paths), and the top one (``""``)."""
    folders = {""}
    for relative in files:
        folder = relative.rpartition("/")[0]
        while folder not in folders:
            folders.add(folder)
            folder = folder.rpartition("/")[0]
    return folders


def folder_stamps(out: Path, folders: Iterable[str]) -> dict[str, int]:
    """The mtime of each of ``folders`` in the output folder. Adding or removing an entry
    changes its folder's mtime, so unchanged stamps show that nobody has put files in or
    taken any out since (``quick`` relies on it)."""
    stamps = {}
    for folder in folders:
        try:
            stamps[folder] = os.stat(os.path.join(out, folder)).st_mtime_ns
        except OSError:
            stamps[folder] = -1
    return stamps


def folders_unchanged(out: Path, stamps: Mapping[str, int]) -> bool:
    top = str(out)
    for folder, mtime_ns in stamps.items():
        try:
            if os.stat(f"{top}/{folder}").st_mtime_ns != mtime_ns:
                return False
        except OSError:
            return False
    return bool(stamps)


class FolderCheck:
    """``folders_unchanged``, answered by a forked child while this process goes on
    (``start``).

    At 10,000 articles it is ~14,000 stat calls (60-80 ms), a fifth of a one-article
    build. A thread would not overlap them with the build's work: after each call it
    waits for the interpreter lock. Not started, or where there is no fork or it fails,
    the check runs here when asked."""

    def __init__(self, out: Path, stamps: Mapping[str, int]) -> None:
        self._out, self._stamps = out, stamps
        self._child = Child()
        self._answer: bool | None = None

    def start(self) -> None:
        """Start the child. With no stamps there is nothing to check: the answer is
        "changed" (``folders_unchanged``), and no child is started."""
        out, stamps = self._out, self._stamps
        if stamps:
            # No answer (an error, a closed pipe) reads as "changed".
            self._child.start(
                lambda pipe: os.write(pipe, b"1" if folders_unchanged(out, stamps) else b"0"))

    def unchanged(self) -> bool:
        if self._child.pid == 0:
            return folders_unchanged(self._out, self._stamps)
        if self._answer is None:
            try:
                self._answer = os.read(self._child.pipe, 1) == b"1"
            finally:
                self._child.hang_up()
        return self._answer

    def close(self) -> None:
        """Reap the child, stopped first if its answer was not asked for (the build went
        another way)."""
        self._child.close()


def journal_path(out: Path) -> Path:
    return out.parent / f".{out.name}.newsgen-journal"


def recover(out: Path) -> bool:
    """Complete a commit that was cut short, from its journal. True if there was one."""
    journal = journal_path(out)
    if not journal.exists():
        return False
    try:
        plan = json.loads(journal.read_text(encoding="utf-8"))
        if not (isinstance(plan, dict) and isinstance(plan.get("staging"), str)
                and all(isinstance(plan.get(key), list)
                        and all(isinstance(item, str) for item in plan[key])
                        for key in ("moves", "deletes"))):
            raise ValueError("not a journal of newsgen's")
    except (OSError, ValueError) as exc:  # ValueError: also bad UTF-8 or JSON
        raise OutputError(
            f"cannot complete the interrupted update of {out}: its journal {journal} is "
            f"damaged ({exc}). Remove the journal and build again: with no record of what "
            f"was published, that build replaces the whole output folder") from exc
    _apply(out, plan)
    journal.unlink()
    shutil.rmtree(plan["staging"], ignore_errors=True)
    return True


def _apply(out: Path, plan: dict[str, Any]) -> None:
    """Idempotent: a move whose staged file is gone was done; a deletion of a missing
    file was done. So a journal can be applied again after any interruption."""
    staging = plan["staging"]
    made: set[str] = set()
    for relative in plan["moves"]:
        if not is_safe_relative(relative):
            continue
        source = os.path.join(staging, relative)
        if not os.path.exists(source):
            continue
        dest = os.path.join(out, relative)
        folder = os.path.dirname(dest)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        os.replace(source, dest)
    for relative in plan["deletes"]:
        if not is_safe_relative(relative):
            continue
        path = os.path.join(out, relative)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        folder = os.path.dirname(path)
        while folder != str(out) and folder.startswith(str(out)):
            try:
                os.rmdir(folder)  # only succeeds when empty
            except OSError:
                break
            folder = os.path.dirname(folder)


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
