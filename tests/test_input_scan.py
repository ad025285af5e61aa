"""The build cache's scan of the input files, taken by a forked child (``InputScan``)
when one of the files changed last changed again: it must find exactly what a scan in
the build's own process finds, and never leave a process behind."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from newsgen.cache import RECENT, FileStats, InputScan, scan_inputs

from helpers_site import only_the_parent_returns


def _site(tmp_path: Path, count: int = 40) -> tuple[list[Path], Path]:
    root = tmp_path / "site"
    for n in range(count):
        folder = root / "articles" / f"{2020 + n % 3}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"a{n}.md").write_text(f"---\ntitle: A{n}\n---\nBody {n}.\n")
    (root / "static").mkdir()
    (root / "static" / "logo.svg").write_text("<svg/>")
    (root / "newsgen.yaml").write_text("title: T\n")
    return [root / "articles", root / "static", root / "newsgen.yaml"], root


def _scan(roots: list[Path], root: Path, known: FileStats, fork: bool) -> InputScan:
    scan = InputScan(roots, root, known)
    if fork:
        scan.start()
    return scan


def _touch(path: Path, text: str) -> None:
    path.write_text(text)
    # A different mtime whatever the file system's clock resolution.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


EDITS: dict[str, Callable[[Path], None]] = {
    "body edited": lambda root: _touch(root / "articles" / "2021" / "a7.md",
                                       "---\ntitle: A7\n---\nBody 7, edited.\n"),
    "article added": lambda root: (root / "articles" / "2022" / "new.md").write_text("x"),
    "article deleted": lambda root: (root / "articles" / "2020" / "a3.md").unlink(),
    "folder added": lambda root: (root / "articles" / "2030").mkdir(),
    "static file added": lambda root: (root / "static" / "a.css").write_text("a{}"),
    "config deleted": lambda root: (root / "newsgen.yaml").unlink(),
    "nothing changed": lambda root: None,
}


@pytest.mark.parametrize("fork", [True, False], ids=["in a child", "here"])
@pytest.mark.parametrize("edit", list(EDITS))
def test_the_scan_finds_what_a_scan_here_finds(tmp_path: Path, fork: bool,
                                              edit: str) -> None:
    roots, root = _site(tmp_path)
    known = scan_inputs(roots, root)
    EDITS[edit](root)
    expected = scan_inputs(roots, root)

    scan = _scan(roots, root, known, fork)

    assert scan.result() == expected
    assert scan.result() is scan.result()  # asked twice: one answer
    scan.close()


def _aged(tmp_path: Path, count: int) -> tuple[list[Path], Path, list[Path]]:
    """A site whose articles were changed one after the other, oldest first."""
    roots, root = _site(tmp_path, count)
    files = sorted((root / "articles").rglob("*.md"), key=lambda p: int(p.stem[1:]))
    for age, path in enumerate(reversed(files), start=1):
        os.utime(path, ns=(0, 1_700_000_000_000_000_000 - age * 1_000_000_000))
    return roots, root, files  # files[-1] changed last


@pytest.mark.parametrize(("edit", "told"), [
    ("the file changed last edited again", True),
    ("the file changed last deleted", True),
    ("an article untouched for long edited", False),
    ("nothing changed", False),
])
def test_a_change_to_a_file_changed_last_is_seen_at_once(tmp_path: Path, edit: str,
                                                         told: bool) -> None:
    """Only the ``RECENT`` files changed last are looked at: a change elsewhere is found
    by the whole scan (which the build then takes itself)."""
    roots, root, files = _aged(tmp_path, RECENT + 8)
    known = scan_inputs(roots, root)
    if edit == "the file changed last edited again":
        _touch(files[-1], "edited")
    elif edit == "the file changed last deleted":
        files[-1].unlink()
    elif edit == "an article untouched for long edited":
        _touch(files[0], "edited")

    scan = InputScan(roots, root, known)

    assert scan.recently_changed() == told
    assert scan.result() == scan_inputs(roots, root)


def test_a_killed_child_leaves_the_scan_to_the_build(tmp_path: Path) -> None:
    roots, root = _site(tmp_path)
    known = scan_inputs(roots, root)
    _touch(root / "articles" / "2021" / "a1.md", "edited")
    scan = _scan(roots, root, known, fork=True)
    os.kill(scan._child.pid, signal.SIGKILL)  # the child, ended as the kernel would end it

    assert scan.result() == scan_inputs(roots, root)
    scan.close()


def test_an_input_scan_leaves_no_process_running_the_build(tmp_path: Path) -> None:
    """Its forked child, whether its answer is read or not, must exit: never return into
    the caller's code (the build would run twice)."""
    roots, root = _site(tmp_path, count=300)
    known = scan_inputs(roots, root)
    _touch(root / "articles" / "2022" / "a2.md", "edited")
    marker = tmp_path / "escaped"
    children = []
    for ask in (True, False) * 3:
        with only_the_parent_returns(marker):
            scan = _scan(roots, root, known, fork=True)
            children.append(scan._child.pid)
            if ask:
                assert scan.result() == scan_inputs(roots, root)
            scan.close()  # as the build does: stops the child if it has not answered
    assert not marker.exists()
    for pid in children:  # each child reaped, none left a zombie
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
