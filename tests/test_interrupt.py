"""Interrupted and failing builds: Ctrl-C, SIGTERM, a full disk, a failed swap, two builds at
once, a build killed outright. Each leaves the published site byte for byte as it was (or,
once the swap has begun, the complete new one) and no temporary folder behind."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import newsgen.output
from newsgen.cli import main

from conftest import REPO, article, write_files
from helpers_site import snapshot

# A theme that takes ~20 ms a page, so that a build of a few hundred articles lasts long
# enough to be interrupted half-way, whatever the machine. Its article is marked for the
# search index, as the theme's must be: Pagefind (on when installed) fails on a site with
# nothing to index.
SLOW_ARTICLE = ("{% extends 'base.html' %}\n{% block content %}\n"
                "{% for i in range(200000) %}{% endfor %}<article data-pagefind-body>"
                "<h1>{{ article.title }}</h1>\n{{ article.body_html | safe }}</article>\n"
                "{% endblock %}\n")
ARTICLES = 300
NEW_PAGE = "2024/01/a-new-story/index.html"


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01


def build_argv(root: Path, out: Path, *extra: str) -> list[str]:
    return ["build", "--site", str(root), "--output", str(out),
            "--base-url", "https://news.example.com/", *extra]


def start_build(root: Path, out: Path, *extra: str, new_session: bool = False
                ) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "newsgen", *build_argv(root, out, *extra)], cwd=REPO,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=new_session)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def staging_of(out: Path, pid: int) -> Path:
    return out.parent / f".{out.name}.newsgen-tmp-{pid}"


def rendering(out: Path, process: subprocess.Popen[str]) -> Callable[[], bool]:
    """True once the build has written some pages into its staging folder."""
    staging = staging_of(out, process.pid)

    def check() -> bool:
        assert process.poll() is None, "the build ended before it could be interrupted"
        return (staging / "2024").is_dir() and any((staging / "2024").rglob("index.html"))

    return check


def fast_theme(root: Path) -> None:
    """Builds that need no time window use the default theme again."""
    (root / "templates" / "article.html").unlink()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture(scope="module")
def prebuilt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once for the module: a site with its output, then edited and given a slow
    theme (so the next build differs from what is published, and takes its time)."""
    base = tmp_path_factory.mktemp("prebuilt")
    root = base / "site"
    write_files(root, {f"articles/s{n:03d}.md": article(
        f"Story {n}", date=f"2024-{n % 12 + 1:02d}-01", topics=[f"Topic {n % 7}"])
        for n in range(ARTICLES)})
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1735689600")
        assert main(build_argv(root, base / "out", "--jobs", "2")) == 0
    write_files(root, {"templates/article.html": SLOW_ARTICLE,
                       "articles/s000.md": article("Story 0, updated"),
                       "articles/new.md": article("A new story")})
    return base


@pytest.fixture
def published(prebuilt: Path, tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    """A copy of the prebuilt site: (site, output, snapshot of output)."""
    root, out = tmp_path / "site", tmp_path / "out"
    shutil.copytree(prebuilt / "site", root)
    shutil.copytree(prebuilt / "out", out)
    return root, out, snapshot(out)


# --- signals ------------------------------------------------------------------------------


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize(("how", "code"), [("SIGTERM", 143), ("Ctrl-C", 130)])
def test_a_signal_mid_build_leaves_the_previous_site_and_no_temporary_folder(
        published: tuple[Path, Path, dict[str, bytes]], how: str, code: int,
        jobs: str) -> None:
    root, out, before = published
    # Ctrl-C in a terminal signals the whole process group, workers included.
    process = start_build(root, out, "--jobs", jobs, new_session=True)
    wait_for(rendering(out, process), "pages in the staging folder")

    signalled = time.monotonic()
    if how == "SIGTERM":
        process.send_signal(signal.SIGTERM)
    else:
        os.killpg(process.pid, signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)

    # It stops now, not after rendering the pages already handed to workers (≥ 2 s more).
    assert time.monotonic() - signalled < 1.5

    assert process.returncode == code, stderr
    assert "interrupted" in stderr
    assert "Traceback" not in stderr
    assert stdout == ""
    time.sleep(0.3)  # a worker left running would write on into the staging folder
    assert snapshot(out) == before
    assert leftovers(out.parent) == []


def test_a_build_killed_outright_is_cleaned_up_by_the_next_one(
        published: tuple[Path, Path, dict[str, bytes]]) -> None:
    root, out, before = published
    process = start_build(root, out, "--jobs", "1")
    wait_for(rendering(out, process), "pages in the staging folder")

    process.kill()  # SIGKILL: nothing can clean up
    process.communicate(timeout=60)

    assert snapshot(out) == before
    assert f".{out.name}.newsgen-tmp-{process.pid}" in leftovers(out.parent)
    fast_theme(root)
    assert main(build_argv(root, out, "--jobs", "2")) == 0
    assert leftovers(out.parent) == []
    assert (out / NEW_PAGE).is_file()


def test_interrupt_during_the_swap_waits_for_it_to_finish(
        published: tuple[Path, Path, dict[str, bytes]],
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root, out, _ = published
    fast_theme(root)
    real_rename = os.rename
    calls = []

    def rename_and_interrupt(src: object, dst: object) -> None:
        calls.append(dst)
        if len(calls) == 1:  # between the two renames there is no site at all
            os.kill(os.getpid(), signal.SIGINT)
        real_rename(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "rename", rename_and_interrupt)

    assert main(build_argv(root, out, "--jobs", "1")) == 130

    assert len(calls) == 2
    assert "interrupted" in capsys.readouterr().err
    assert (out / NEW_PAGE).is_file()
    assert (out / ".newsgen-build").is_file()
    assert leftovers(out.parent) == []


# --- failures half-way -------------------------------------------------------------------


class FullDisk:
    """A file whose writes fail as on a full disk."""

    def __init__(self, handle) -> None:
        self.handle = handle

    def write(self, data: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __enter__(self) -> FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


@pytest.mark.parametrize(("after", "mode"), [(0, "w"), (150, "w"), (0, "wb")])
def test_a_full_disk_is_a_clear_error_and_the_previous_site_stays(
        published: tuple[Path, Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], after: int, mode: str) -> None:
    root, out, before = published
    fast_theme(root)
    writes = []

    def open_on_a_full_disk(file, open_mode="r", *args, **kwargs):
        handle = open(file, open_mode, *args, **kwargs)  # noqa: SIM115 (returned)
        if open_mode == mode:
            writes.append(file)
            if len(writes) > after:
                return FullDisk(handle)
        return handle

    write_file = newsgen.output._write_file

    def write_on_a_full_disk(path: str, data: bytes) -> None:
        writes.append(path)
        if len(writes) <= after:
            return write_file(path, data)
        with FullDisk(open(path, "wb")) as full:
            full.write(data)
        return None

    # Pages ("w") are written from their bytes; static files ("wb") are copied.
    if mode == "w":
        monkeypatch.setattr(newsgen.output, "_write_file", write_on_a_full_disk)
    else:
        monkeypatch.setattr(newsgen.output, "open", open_on_a_full_disk, raising=False)

    assert main(build_argv(root, out, "--jobs", "1")) == 1

    err = capsys.readouterr().err
    assert "No space left on device" in err
    assert "the published site was not changed" in err
    assert "Traceback" not in err
    assert snapshot(out) == before
    assert leftovers(out.parent) == []


def test_a_failed_swap_puts_the_previous_site_back(
        published: tuple[Path, Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    root, out, before = published
    fast_theme(root)
    real_rename = os.rename

    def rename(src: object, dst: object) -> None:
        if "newsgen-tmp" in str(src):  # the new site cannot be moved in
            raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))
        real_rename(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "rename", rename)

    assert main(build_argv(root, out, "--jobs", "1")) == 1

    err = capsys.readouterr().err
    assert f"cannot replace {out}" in err
    assert snapshot(out) == before
    assert leftovers(out.parent) == []


# --- two builds at once ------------------------------------------------------------------


def test_a_second_build_on_the_same_output_is_refused_while_the_first_runs(
        published: tuple[Path, Path, dict[str, bytes]],
        capsys: pytest.CaptureFixture[str]) -> None:
    root, out, _ = published
    first = start_build(root, out, "--jobs", "2")
    wait_for(rendering(out, first), "the first build to render")

    assert main(build_argv(root, out, "--jobs", "1")) == 1

    err = capsys.readouterr().err
    assert f"another newsgen build (process {first.pid}) is writing {out}" in err
    assert "Traceback" not in err
    stdout, stderr = first.communicate(timeout=120)
    assert first.returncode == 0, stderr
    assert "Built 301 articles" in stdout
    assert (out / NEW_PAGE).is_file()
    assert leftovers(out.parent) == []
