"""Walk a source folder (articles/, static/) without ever leaving the site.

- A symlink (to a file or a folder) whose target is outside the site is not followed,
  with a warning: no file outside the site is ever read or published.
- A symlinked folder whose target is elsewhere in the site is followed; one whose target
  holds, or is held by, a folder already walked (a loop, or a second name for files that
  are read anyway) is skipped with a warning, so loops end and nothing is read twice.
- Names starting with one of ``hidden`` are skipped. Files are yielded whatever their
  type: the reader reports a pipe or a broken link as an error naming it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from newsgen.errors import Problem, display_path


def walk_files(top: Path, root: Path, warnings: list[Problem], errors: list[Problem], *,
               hidden_dirs: tuple[str, ...] = (".",),
               hidden_files: tuple[str, ...] = (".",)) -> Iterator[Path]:
    """Files under ``top``, sorted, each folder's files before its subfolders (as os.walk).

    ``root`` is the site root; problems are appended to ``warnings`` and ``errors`` (a
    folder that cannot be read: its files would be missing from the site).
    """
    for _, files in walk_folders(top, root, warnings, errors, hidden_dirs=hidden_dirs,
                                 hidden_files=hidden_files):
        for entry in files:
            yield Path(entry.path)


def walk_folders(top: Path, root: Path, warnings: list[Problem], errors: list[Problem], *,
                 hidden_dirs: tuple[str, ...] = (".",),
                 hidden_files: tuple[str, ...] = (".",),
                 ) -> Iterator[tuple[str, list[os.DirEntry[str]]]]:
    """``walk_files``, folder by folder: each folder's path and its files' entries (the
    build cache's scan stats every input by name within its folder)."""
    top_real = os.path.realpath(top)
    allowed = (os.path.realpath(root), top_real)
    visited = {top_real}
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda e: e.name)
        except OSError as exc:
            errors.append(Problem(display_path(folder, root),
                                  f"cannot read folder: {exc.strerror}"))
            continue
        files: list[os.DirEntry[str]] = []
        subfolders: list[Path] = []
        for entry in entries:
            is_link = entry.is_symlink()
            real = os.path.realpath(entry.path) if is_link else ""
            if is_link and not any(_inside(real, base) for base in allowed):
                warnings.append(Problem(display_path(Path(entry.path), root),
                                        "symlink leads outside the site: not followed"))
                continue
            try:
                is_dir = entry.is_dir()  # follows a symlink
            except OSError:
                is_dir = False
            if is_dir:
                if entry.name.startswith(hidden_dirs):
                    continue
                if is_link:
                    if any(_inside(real, seen) or _inside(seen, real) for seen in visited):
                        warnings.append(Problem(
                            display_path(Path(entry.path), root),
                            "symlinked folder leads back into a folder that is read anyway "
                            "(or into a loop): not followed"))
                        continue
                    visited.add(real)
                subfolders.append(Path(entry.path))
            elif not entry.name.startswith(hidden_files):
                files.append(entry)
        yield os.fspath(folder), files
        stack.extend(reversed(subfolders))


def _inside(real: str, base: str) -> bool:
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)
