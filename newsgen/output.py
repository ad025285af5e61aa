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
from collections.abc import Container, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsgen import __version__
from newsgen.config import SiteConfig
from newsgen.errors import OutputError, Problem, display_path

if TYPE_CHECKING:
    from newsgen.pages import Page

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
    if out.is_dir() and not (out / MARKER).exists() and any(out.iterdir()) and not force:
        raise OutputError(f"output folder {out} is not empty and was not written by newsgen: "
                          f"refusing to replace it (empty it, choose another --output, "
                          f"or pass --force)")


@contextlib.contextmanager
def output_lock(config: SiteConfig) -> Iterator[None]:
    """Only one build at a time may write one output folder."""
    out = config.output_dir
    out.parent.mkdir(parents=True, exist_ok=True)
    lock_path = out.parent / f".{out.name}.newsgen-lock"
    with open(lock_path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(f"another newsgen build is writing {out}: "
                              f"wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            with contextlib.suppress(OSError):
                lock_path.unlink()


def find_collisions(pages: Iterable[Page]) -> None:
    seen: dict[str, Page] = {}
    for page in pages:
        other = seen.setdefault(page.output_path, page)
        if other is not page:
            raise OutputError(f"two pages would write {page.output_path}: "
                              f"{other.url} ({other.template}) and {page.url} ({page.template})")


class Staging:
    """A new site tree, built beside the output folder and swapped in by ``publish``."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.path = out.parent / f".{out.name}.newsgen-tmp-{os.getpid()}"
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True)
        self._root = str(self.path)
        self._folders: set[str] = {self._root}
        self.written: set[str] = set()  # staged in this build
        self.current: set[str] = set()  # every file the output will hold

    def write(self, relative: str, text: str) -> None:
        dest = self._inside(relative)
        with open(dest, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
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
        """Copy a static folder; a symlink leading outside ``root`` is skipped with a warning.
        ``incremental``: a file whose published copy has its size and mtime is kept."""
        warnings: list[Problem] = []
        if not source.is_dir():
            return warnings
        for folder, dirs, files in os.walk(source):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.startswith("."):
                    continue
                src = here / name
                if src.is_symlink() and not src.resolve().is_relative_to(root):
                    warnings.append(Problem(display_path(src, root),
                                            "symlink leads outside the site: not published"))
                    continue
                relative = f"{prefix}/{src.relative_to(source).as_posix()}"
                if incremental and _same_file(src, self.out / relative):
                    self.written.discard(relative)  # an earlier folder's copy is not wanted
                    self.current.add(relative)
                    continue
                dest = self._inside(relative)
                shutil.copy2(src, dest)  # keeps the source's mtime: rsync-friendly
                self.written.add(relative)
                self.current.add(relative)
        return warnings

    def _inside(self, relative: str) -> str:
        """The staging path of ``relative``, its folder created. The staging tree is new and
        holds only what this build put there (no symlinks), so a lexical check is enough."""
        if not is_safe_relative(relative):
            raise OutputError(f"refusing to write outside the output folder: {relative!r}")
        parts = relative.split("/")
        folder = os.path.join(self._root, *parts[:-1])
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)
        return os.path.join(folder, parts[-1])

    def publish(self) -> None:
        """Swap the staging tree in place of the output folder."""
        self._write_marker(self.path)
        old = self.out.parent / f".{self.out.name}.newsgen-old-{os.getpid()}"
        if self.out.exists():
            os.rename(self.out, old)
        os.rename(self.path, self.out)
        if old.exists():
            shutil.rmtree(old, ignore_errors=True)

    def commit(self, stale: Iterable[str]) -> None:
        """Move the staged files into the output folder and delete ``stale`` ones there."""
        journal = journal_path(self.out)
        plan = {"staging": self._root, "moves": sorted(self.written),
                "deletes": sorted(set(stale) - self.written)}
        temporary = journal.with_name(journal.name + ".tmp")
        temporary.write_text(json.dumps(plan), encoding="utf-8")
        os.replace(temporary, journal)  # from here on, the commit will be completed
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            _apply(self.out, plan)
            self._write_marker(self.out)
            journal.unlink()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
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


def journal_path(out: Path) -> Path:
    return out.parent / f".{out.name}.newsgen-journal"


def recover(out: Path) -> bool:
    """Complete a commit that was cut short, from its journal. True if there was one."""
    journal = journal_path(out)
    if not journal.exists():
        return False
    plan = json.loads(journal.read_text(encoding="utf-8"))
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
