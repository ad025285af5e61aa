"""The build cache's scan of the input files, taken by a forked child (``InputScan``):
it must find exactly what a scan in the build's own process finds, say whether anything
changed since the last build, and never leave a process behind."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from newsgen.cache import FileStats, InputScan, scan_inputs


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

    assert scan.changed() == (edit != "nothing changed" and edit != "folder added")
    assert scan.result() == expected
    assert scan.result() is scan.result()  # asked twice: one answer


def test_a_change_told_mid_scan_still_gives_the_whole_scan(tmp_path: Path) -> None:
    """The child says "changed" at the first changed folder (the build starts its
    imports while the child stats the rest), then sends the changes of all of them."""
    roots, root = _site(tmp_path)
    known = scan_inputs(roots, root)
    _touch(root / "articles" / "2020" / "a0.md", "edited")
    scan = _scan(roots, root, known, fork=True)

    assert scan.changed()
    assert scan.result() == scan_inputs(roots, root)


def test_a_killed_child_leaves_the_scan_to_the_build(tmp_path: Path) -> None:
    roots, root = _site(tmp_path)
    known = scan_inputs(roots, root)
    _touch(root / "articles" / "2021" / "a1.md", "edited")
    scan = _scan(roots, root, known, fork=True)
    os.kill(scan._pid, signal.SIGKILL)  # the child, ended as the kernel would end it

    assert scan.changed()
    assert scan.result() == scan_inputs(roots, root)


def test_an_input_scan_leaves_no_process_running_the_build(tmp_path: Path) -> None:
    """Its forked child, whether its answer is read or not, must exit: never return into
    the caller's code (the build would run twice)."""
    roots, root = _site(tmp_path, count=300)
    known = scan_inputs(roots, root)
    _touch(root / "articles" / "2022" / "a2.md", "edited")
    marker = tmp_path / "escaped"
    parent = os.getpid()
    children = []
    for ask in (True, False) * 3:
        try:
            scan = _scan(roots, root, known, fork=True)
            children.append(scan._pid)
            if ask:
                assert scan.result() == scan_inputs(roots, root)
            scan.close()  # as the build does: stops the child if it has not answered
        finally:
            if os.getpid() != parent:  # a child that came back out of InputScan
                marker.write_text("a child returned into the caller")
                os._exit(0)
    assert not marker.exists()
    for pid in children:  # each child reaped, none left a zombie
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
