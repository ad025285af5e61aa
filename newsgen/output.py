"""The one writer: renders go into a fresh staging folder that is swapped in at the end.

A failed or interrupted build leaves the published folder exactly as it was.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from newsgen import __version__
from newsgen.config import SiteConfig
from newsgen.errors import OutputError, Problem, display_path
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
        self.written: set[str] = set()

    def write(self, relative: str, text: str) -> None:
        dest = self._inside(relative)
        with open(dest, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        self.written.add(relative)

    def carry(self, relative: str, previous: Path) -> bool:
        """Take an unchanged file over from the previous output by hard link (same bytes,
        same mtime, no copy); False when it is not there to take."""
        source = previous / relative
        if not source.is_file() or source.is_symlink():
            return False
        dest = self._inside(relative)
        try:
            os.link(source, dest)
        except OSError:
            shutil.copy2(source, dest)
        self.written.add(relative)
        return True

    def copy_tree(self, source: Path, prefix: str, root: Path) -> list[Problem]:
        """Copy a static folder; a symlink leading outside ``root`` is skipped with a warning."""
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
                dest = self._inside(relative)
                shutil.copy2(src, dest)  # keeps the source's mtime: rsync-friendly
                self.written.add(relative)
        return warnings

    def _inside(self, relative: str) -> str:
        """The staging path of ``relative``, its folder created. The staging tree is new and
        holds only what this build put there (no symlinks), so a lexical check is enough:
        no absolute path, no empty, '.' or '..' segment, no backslash."""
        parts = relative.split("/")
        if (relative.startswith("/") or "\\" in relative or "\0" in relative
                or any(part in ("", ".", "..") for part in parts)):
            raise OutputError(f"refusing to write outside the output folder: {relative!r}")
        folder = os.path.join(self._root, *parts[:-1])
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)
        return os.path.join(folder, parts[-1])

    def publish(self) -> None:
        """Swap the staging tree in place of the output folder."""
        (self.path / MARKER).write_text(json.dumps({"generator": "newsgen",
                                                    "version": __version__}) + "\n")
        old = self.out.parent / f".{self.out.name}.newsgen-old-{os.getpid()}"
        if self.out.exists():
            os.rename(self.out, old)
        os.rename(self.path, self.out)
        if old.exists():
            shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
