"""Sites that must fail: each case under tests/sites/invalid/<case>/ holds a site (articles/,
perhaps newsgen.yaml) and expected.txt, the fragments its error message must contain, one
a line. Each is built with ``newsgen build`` over the output of an earlier good build: the
build must exit 1 with the message, print no traceback and leave that output as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from newsgen.cli import main

from conftest import article
from helpers_site import snapshot

CASES = Path(__file__).parent / "sites" / "invalid"
CASE_NAMES = sorted(p.name for p in CASES.iterdir() if p.is_dir())


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01


def build(root: Path, out: Path) -> int:
    return main(["build", "--site", str(root), "--output", str(out),
                 "--base-url", "https://news.example.com/"])


@pytest.fixture
def published(tmp_path: Path) -> Path:
    """An output folder holding a good site, as a previous build left it."""
    good = tmp_path / "good"
    (good / "articles").mkdir(parents=True)
    (good / "articles" / "earlier.md").write_text(article("An earlier story", topics=["Old"]),
                                                  encoding="utf-8")
    out = tmp_path / "out"
    assert build(good, out) == 0
    return out


def test_there_are_many_cases() -> None:
    assert len(CASE_NAMES) >= 40


@pytest.mark.parametrize("case", CASE_NAMES)
def test_invalid_site_fails_clearly_and_leaves_the_published_site(
        case: str, tmp_path: Path, published: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "site"
    shutil.copytree(CASES / case, root)
    expected = (root / "expected.txt").read_text(encoding="utf-8").splitlines()
    before = snapshot(published)
    capsys.readouterr()

    assert build(root, published) == 1

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: ")
    for fragment in expected:
        assert fragment in captured.err, f"{fragment!r} not in {captured.err!r}"
    assert "Traceback" not in captured.err
    assert snapshot(published) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good", "out", "site"]
    assert not (root / "pwned").exists()


# Cases whose only input is articles/bad.md: each is also edited into an article that a
# cached build published, which sends it to the quick build first (``newsgen.quick``).
EDITED_CASES = [name for name in CASE_NAMES
                if not (CASES / name / "newsgen.yaml").exists()
                and [p.name for p in (CASES / name / "articles").iterdir()] == ["bad.md"]]


def test_there_are_many_edited_cases() -> None:
    assert len(EDITED_CASES) >= 35


@pytest.mark.parametrize("case", EDITED_CASES)
def test_article_edited_into_an_invalid_one_fails_clearly_after_a_good_build(
        case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The quick build reads the edited file first: whatever it finds wrong there must send
    the build down the full path, which reports it (exit 1, the message, the site kept)."""
    import newsgen.quick

    root = tmp_path / "site"
    shutil.copytree(CASES / case, root)
    expected = (root / "expected.txt").read_text(encoding="utf-8").splitlines()
    bad = root / "articles" / "bad.md"
    hostile = bad.read_bytes()
    bad.write_text(article("Was a good story", topics=["Old"]), encoding="utf-8")
    out = tmp_path / "out"
    assert build(root, out) == 0
    before = snapshot(out)
    bad.write_bytes(hostile)
    read_quickly: list[Path] = []
    real_read = newsgen.quick.read_article

    def spy(path: Path, config: object) -> object:
        read_quickly.append(path)
        return real_read(path, config)  # type: ignore[arg-type]

    monkeypatch.setattr(newsgen.quick, "read_article", spy)
    capsys.readouterr()

    assert build(root, out) == 1

    assert read_quickly == [bad]  # the quick build looked at it, and let it go
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ")
    for fragment in expected:
        assert fragment in captured.err, f"{fragment!r} not in {captured.err!r}"
    assert "Traceback" not in captured.err
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "site"]
    assert not (root / "pwned").exists()
