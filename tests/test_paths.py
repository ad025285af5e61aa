"""Paths: nothing a slug, topic, author, file name or symlink says can make a build read
outside the site or write outside the output folder, and symlink loops end."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsgen.cache import STATE_FILE
from newsgen.cli import main
from newsgen.config import load_config
from newsgen.content import find_article_files
from newsgen.store import STORE_FILE

from conftest import REPO, article

SECRET = "TOP-SECRET-CONTENT"
# What the build cache folder may hold: its head, its rows (with SQLite's WAL files) and
# the compiled templates.
CACHE_NAMES = {STATE_FILE, STORE_FILE, f"{STORE_FILE}-wal", f"{STORE_FILE}-shm", "templates"}


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01


def build(root: Path, out: Path, *extra: str) -> int:
    return main(["build", "--site", str(root), "--output", str(out),
                 "--base-url", "https://news.example.com/", *extra])


def everything_under(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): (p.read_bytes() if p.is_file() else b"")
            for p in sorted(folder.rglob("*"))}


def published_text(out: Path) -> str:
    return "\n".join(p.read_text("utf-8", errors="replace")
                     for p in out.rglob("*") if p.is_file())


# --- hostile names --------------------------------------------------------------------------

HOSTILE = ["../../../../tmp/newsgen-escape", "/etc/passwd", "..\\..\\windows\\system32",
           "C:\\evil", "~/.ssh/authorized_keys", "..%2f..%2fetc", "a/../../../b",
           "\u2215etc\u2215passwd", ".", "-rf *"]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_slug_topic_and_author_stay_inside_the_output(
        make_site, tmp_path: Path, value: str) -> None:
    files = {
        "articles/a.md": article("Plain title", slug=value, topics=[value, "Safe"],
                                 author=[value], source=value),
        "articles/b.md": article(value + " headline", date="2024-01-29",
                                 topics=[value + " 2"]),
    }
    root = make_site(files)
    out = tmp_path / "out"
    cache = root / ".newsgen-cache"  # the build cache: the one other folder a build writes
    outside_before = {p for p in tmp_path.rglob("*") if not p.is_relative_to(out)}

    code = build(root, out)

    outside_after = {p for p in tmp_path.rglob("*")
                     if not p.is_relative_to(out) and not p.is_relative_to(cache)}
    assert outside_after == outside_before
    if cache.exists():  # fixed names, whatever the articles say
        assert {p.name for p in cache.iterdir()} <= CACHE_NAMES
        compiled = cache / "templates"  # Jinja's bytecode cache: names are digests
        for path in compiled.rglob("*") if compiled.exists() else ():
            assert re.fullmatch(r"__jinja2_[0-9a-f]+\.cache", path.name), path
    if code == 0:
        for path in out.rglob("*"):
            assert path.resolve().is_relative_to(out.resolve())
            assert ".." not in path.relative_to(out).parts
            assert "\\" not in path.name
    assert not Path("/tmp/newsgen-escape").exists()


@pytest.mark.parametrize("name", ["x..md", "%2e%2e%2f.md", "a\\..\\..\\b.md", "-rf .md", " .md",
                                  "new\nline.md", "tab\there.md", "caf\u00e9.md", "e\u0301.md"])
def test_hostile_file_names_are_read_and_never_become_paths(
        make_site, tmp_path: Path, name: str) -> None:
    root = make_site({f"articles/{name}": article("Named oddly")})
    out = tmp_path / "out"

    assert build(root, out) == 0

    assert (out / "2024" / "01" / "named-oddly" / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "site"]


def test_file_name_that_is_not_utf8_is_reported_without_a_crash(
        make_site, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({})
    raw = os.path.join(os.fsencode(root / "articles"), b"caf\xe9\x1b[31m.md")
    with open(raw, "wb") as handle:
        handle.write(b"---\ntitle: x\n---\nBody\n")

    assert build(root, tmp_path / "out") == 1

    err = capsys.readouterr().err
    assert "'date' is missing" in err
    assert "\x1b" not in err  # the escape sequence is shown, not sent to the terminal
    assert "\\x1b[31m.md" in err


def test_article_whose_file_name_is_not_utf8_builds_and_rebuilds(
        make_site, tmp_path: Path) -> None:
    """Its name's bytes key it in the build cache's rows (SQLite text cannot hold them)."""
    root = make_site({"articles/plain.md": article("Plain story", date="2024-01-29")})
    raw = os.path.join(os.fsencode(root / "articles"), b"caf\xe9.md")
    with open(raw, "wb") as handle:
        handle.write(article("Cafe story", body="First version.").encode())
    out = tmp_path / "out"
    page = out / "2024" / "01" / "cafe-story" / "index.html"

    assert build(root, out) == 0
    assert "First version." in page.read_text()
    aged(root)
    assert build(root, out) == 0  # from the cache
    with open(raw, "wb") as handle:  # a body edit: the quick build
        handle.write(article("Cafe story", body="Second version.").encode())
    aged(root)

    assert build(root, out) == 0

    assert "Second version." in page.read_text()
    assert sorted(p.name for p in (out / "2024" / "01").iterdir()) == ["cafe-story",
                                                                       "plain-story"]


def aged(root: Path) -> None:
    """Date every file changed in the last half hour back an hour: edits made well before
    the build, so the build cache's stat check (not only its digest check) is exercised."""
    recent = time.time() - 1800
    _AGE[0] += 1
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            if os.stat(path).st_mtime > recent:
                os.utime(path, (_AGE[0], _AGE[0]))


_AGE = [time.time() - 3600]


# --- symlinks -------------------------------------------------------------------------------


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the site with a secret file and a secret article."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text(SECRET, encoding="utf-8")
    (folder / "secret.md").write_text(article("Secret story", body=SECRET), encoding="utf-8")
    return folder


def test_symlinks_leading_outside_the_site_are_not_followed(
        make_site, tmp_path: Path, outside: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({"articles/a.md": article("Public story"), "static/ok.txt": "ok"})
    (root / "articles" / "leak.md").symlink_to(outside / "secret.md")
    (root / "articles" / "leak-dir").symlink_to(outside)
    (root / "static" / "leak.txt").symlink_to(outside / "secret.txt")
    (root / "static" / "leak-dir").symlink_to(outside)
    (root / "static" / "passwd").symlink_to("/etc/passwd")
    out = tmp_path / "out"

    assert build(root, out) == 0

    err = capsys.readouterr().err
    for name in ("articles/leak.md", "articles/leak-dir", "static/leak.txt",
                 "static/leak-dir", "static/passwd"):
        assert f"warning: {name}: symlink leads outside the site: not followed" in err
    assert SECRET not in published_text(out)
    # (not just "root:": Pagefind's search script holds "{root:this…")
    assert Path("/etc/passwd").read_text().splitlines()[0] not in published_text(out)
    assert (out / "static" / "ok.txt").read_text() == "ok"
    assert not (out / "static" / "leak.txt").exists()


def test_strict_turns_an_outside_symlink_into_an_error(
        make_site, tmp_path: Path, outside: Path) -> None:
    root = make_site({"articles/a.md": article("Public story")})
    (root / "articles" / "leak.md").symlink_to(outside / "secret.md")

    assert build(root, tmp_path / "out", "--strict") == 1

    assert not (tmp_path / "out").exists()


def test_symlinks_within_the_site_are_followed(make_site, tmp_path: Path) -> None:
    root = make_site({
        "articles/a.md": article("Public story"),
        "shared/wire/b.md": article("Wire story", date="2024-01-29"),
        "shared/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    })
    (root / "articles" / "wire").symlink_to(root / "shared" / "wire")
    (root / "static").mkdir()
    (root / "static" / "logo.svg").symlink_to(Path("..") / "shared" / "logo.svg")
    out = tmp_path / "out"

    assert build(root, out) == 0

    assert (out / "2024" / "01" / "wire-story" / "index.html").is_file()
    assert (out / "static" / "logo.svg").read_text().startswith("<svg")


def test_an_edit_under_a_symlinked_folder_is_seen_by_the_next_build(
        make_site, tmp_path: Path) -> None:
    """The build cache walks the inputs as the build reads them: through a symlinked
    folder inside the site, so an edit there is not taken for 'up to date'."""
    root = make_site({
        "articles/a.md": article("Public story"),
        "shared/wire/b.md": article("Wire story", date="2024-01-29", body="First wire."),
    })
    (root / "articles" / "wire").symlink_to(root / "shared" / "wire")
    out = tmp_path / "out"
    page = out / "2024" / "01" / "wire-story" / "index.html"
    aged(root)
    assert build(root, out) == 0
    (root / "shared" / "wire" / "b.md").write_text(
        article("Wire story", date="2024-01-29", body="Second wire."), encoding="utf-8")
    aged(root)

    assert build(root, out) == 0

    assert "Second wire." in page.read_text()


def test_an_article_turned_into_a_symlink_leading_outside_after_a_build_is_not_followed(
        make_site, tmp_path: Path, outside: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({"articles/a.md": article("Public story"),
                      "articles/b.md": article("Second story", date="2024-01-29")})
    out = tmp_path / "out"
    aged(root)
    assert build(root, out) == 0
    (root / "articles" / "b.md").unlink()
    (root / "articles" / "b.md").symlink_to(outside / "secret.md")
    capsys.readouterr()

    assert build(root, out) == 0

    err = capsys.readouterr().err
    assert "warning: articles/b.md: symlink leads outside the site: not followed" in err
    assert SECRET not in published_text(out)
    assert not (out / "2024" / "01" / "second-story").exists()


def test_symlink_loops_end_with_a_warning(make_site, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({"articles/a/a.md": article("Public story"),
                      "shared/s.md": article("Shared story", date="2024-01-29")})
    (root / "articles" / "a" / "up").symlink_to("..")
    (root / "articles" / "self").symlink_to(".")
    (root / "shared" / "back").symlink_to(root / "articles")
    (root / "articles" / "shared").symlink_to(root / "shared")
    (root / "static").mkdir()
    (root / "static" / "loop").symlink_to(root / "static")

    assert build(root, tmp_path / "out") == 0

    err = capsys.readouterr().err
    for name in ("articles/a/up", "articles/self", "articles/shared/back", "static/loop"):
        assert f"warning: {name}: symlinked folder leads back" in err
    assert (tmp_path / "out" / "2024" / "01" / "shared-story" / "index.html").is_file()


def test_find_article_files_reads_each_file_once_through_loops(make_site) -> None:
    root = make_site({"articles/a/a.md": article("A"), "articles/b.md": article("B")})
    (root / "articles" / "a" / "up").symlink_to("..")
    (root / "articles" / "again").symlink_to("a")
    warnings: list = []

    found = list(find_article_files(load_config(root), warnings, []))

    assert [p.relative_to(root).as_posix() for p in found] == ["articles/b.md",
                                                               "articles/a/a.md"]
    assert len(warnings) == 2


@pytest.mark.parametrize("where", ["articles/loop.md", "static/loop.css"])
def test_a_looping_or_broken_symlinked_file_is_an_error_naming_it(
        make_site, tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str) -> None:
    root = make_site({"articles/a.md": article("Public story")})
    (root / where).parent.mkdir(exist_ok=True)
    (root / where).symlink_to((root / where).name)  # itself
    broken = root / Path(where).parent / "broken.txt"
    broken.symlink_to("no-such-file")

    assert build(root, tmp_path / "out") == 1

    err = capsys.readouterr().err
    assert f"{where}: cannot read: Too many levels of symbolic links" in err
    assert "Traceback" not in err


def test_a_broken_symlink_in_static_is_an_error_naming_it(
        make_site, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({"articles/a.md": article("Public story"), "static/ok.txt": "ok"})
    (root / "static" / "gone.png").symlink_to("deleted.png")

    assert build(root, tmp_path / "out") == 1

    err = capsys.readouterr().err
    assert "static/gone.png: cannot read: No such file or directory" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("where", ["articles/pipe.md", "static/pipe.txt"])
def test_a_named_pipe_is_an_error_not_a_hang(make_site, tmp_path: Path, where: str) -> None:
    root = make_site({"articles/a.md": article("Public story")})
    (root / where).parent.mkdir(exist_ok=True)
    os.mkfifo(root / where)

    run = subprocess.run([sys.executable, "-m", "newsgen", "build", "--site", str(root),
                          "--output", str(tmp_path / "out"), "--base-url", "https://x.org/"],
                         cwd=REPO, capture_output=True, text=True, timeout=60, check=False)

    assert run.returncode == 1
    assert f"{where}: not a regular file" in run.stderr


def test_an_article_turned_into_a_named_pipe_after_a_build_is_an_error_not_a_hang(
        make_site, tmp_path: Path) -> None:
    """The quick build reads the edited file first: it must not open a pipe either."""
    root = make_site({"articles/a.md": article("Public story"),
                      "articles/b.md": article("Second story", date="2024-01-29")})
    out = tmp_path / "out"
    command = [sys.executable, "-m", "newsgen", "build", "--site", str(root),
               "--output", str(out), "--base-url", "https://x.org/"]
    subprocess.run(command, cwd=REPO, capture_output=True, timeout=60, check=True)
    before = everything_under(out)
    (root / "articles" / "b.md").unlink()
    os.mkfifo(root / "articles" / "b.md")

    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60,
                         check=False)

    assert run.returncode == 1
    assert "articles/b.md: not a regular file" in run.stderr
    assert everything_under(out) == before
