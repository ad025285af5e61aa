"""Template errors name the template and line, and never leave a half-written site."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsgen.cli import main

from conftest import article
from helpers_site import snapshot

ARTICLES = {f"articles/a{n}.md": article(f"Story {n}", date=f"2024-01-{n + 1:02d}",
                                         topics=["Economy"]) for n in range(6)}


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01


def build(root: Path, *extra: str) -> int:
    return main(["build", "--site", str(root), "--base-url", "https://example.org/", *extra])


def test_syntax_error_names_template_and_line(make_site, capsys) -> None:
    root = make_site({**ARTICLES, "templates/article.html":
                      "{% extends 'base.html' %}\n{% block content %}\n{% if %}\n{% endblock %}\n"})
    assert build(root) == 1
    err = capsys.readouterr().err
    assert "error: template error: templates/article.html:3:" in err
    assert "Traceback" not in err


def test_undefined_variable_names_template_and_line(make_site, capsys) -> None:
    root = make_site({**ARTICLES, "templates/topic.html":
                      "{% extends 'base.html' %}\n{% block content %}\n"
                      "<p>{{ topic.name }}</p>\n<p>{{ no_such_value }}</p>\n{% endblock %}\n"})
    assert build(root) == 1
    err = capsys.readouterr().err
    assert "templates/topic.html:4" in err and "no_such_value" in err
    assert "/topics/economy/" in err  # the page being rendered


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_failure_midway_leaves_previous_site_and_no_temporary_folders(
        make_site, tmp_path: Path, capsys, jobs: str) -> None:
    many = {f"articles/b{n}.md": article(f"Filler {n}", date="2023-05-05", topics=["Misc"])
            for n in range(250)}  # enough articles for worker processes
    root = make_site({**ARTICLES, **many})
    out = tmp_path / "out"
    assert build(root, "--output", str(out), "--jobs", jobs) == 0
    before = snapshot(out)
    # Only one of the many article pages fails to render.
    (root / "templates").mkdir()
    (root / "templates" / "article.html").write_text(
        "{% extends 'base.html' %}\n{% block content %}\n"
        "{% if article.title == 'Filler 123' %}{{ article.missing_field }}{% endif %}\n"
        "<h1>{{ article.title }}</h1>\n{% endblock %}\n")
    assert build(root, "--output", str(out), "--jobs", jobs) == 1
    assert "templates/article.html:3" in capsys.readouterr().err
    assert snapshot(out) == before
    leftovers = [p.name for p in tmp_path.iterdir() if "newsgen-tmp" in p.name]
    assert leftovers == []
