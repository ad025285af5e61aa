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

CASES = Path(__file__).parent / "sites" / "invalid"
CASE_NAMES = sorted(p.name for p in CASES.iterdir() if p.is_dir())


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


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
