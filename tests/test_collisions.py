"""Two things that would write one URL: topics are merged with a warning, articles are an
error naming both files; never one silently overwriting the other."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsgen.cli import main

from conftest import article


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01


def build(root: Path, *extra: str) -> int:
    return main(["build", "--site", str(root), "--base-url", "https://x.org/", *extra])


def test_topics_that_fold_to_one_url_are_merged_with_a_warning(
        make_site, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({
        "articles/a.md": article("Coffee prices", topics=["Café"]),
        "articles/b.md": article("Coffee imports", date="2024-01-29", topics=["Cafe"]),
        "articles/c.md": article("Coffee shops", date="2024-01-28", topics=["Café", "CAFÉ"]),
        # typed with a combining accent: the same name once composed (NFC), no warning
        "articles/d.md": article("Coffee beans", date="2024-01-27", topics=["Cafe\u0301"]),
    })

    assert build(root) == 0

    warnings = capsys.readouterr().err.splitlines()
    assert warnings == ["warning: articles/b.md:4: topic 'Cafe' differs from 'Café' only by "
                        "case or accents (did you mean 'Café'?): it is merged into 'Café' "
                        "(both make the URL /topics/cafe/)"]
    topics = [p.name for p in (root / "public" / "topics").iterdir() if p.is_dir()]
    assert topics == ["cafe"]
    page = (root / "public" / "topics" / "cafe" / "index.html").read_text("utf-8")
    for title in ("Coffee prices", "Coffee imports", "Coffee shops", "Coffee beans"):
        assert title in page


@pytest.mark.parametrize(("first", "second"), [
    ("Café opens", "Cafe opens"),
    ("Café opens", "Cafe\u0301 opens"),  # the same letters, composed and decomposed
    ("Straße", "Strasse"),
    ("Ünïcödé", "unicode"),
    ("Hà Nội", "Ha Noi"),
])
def test_articles_whose_urls_fold_together_are_an_error_naming_both(
        make_site, capsys: pytest.CaptureFixture[str], first: str, second: str) -> None:
    root = make_site({"articles/one.md": article(first, date="2024-01-05"),
                      "articles/two.md": article(second, date="2024-01-20")})

    assert build(root) == 1

    err = capsys.readouterr().err
    assert "articles/two.md" in err
    assert "is already used by articles/one.md" in err
    assert not (root / "public").exists()
