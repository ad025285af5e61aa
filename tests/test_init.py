"""`newsgen init`: a new site that builds at once, from a checkout or an installed wheel."""

from __future__ import annotations

import filecmp
import sys
from pathlib import Path

import pytest
from test_wheel import run

from newsgen.cli import main
from newsgen.config import load_config
from newsgen.render import THEME_DIR

from conftest import BUILD_TIME, REPO


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(BUILD_TIME.timestamp())))


def tree(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() + "/" * p.is_dir() for p in folder.rglob("*"))


def test_init_creates_a_site_that_builds_at_once(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "newsroom"

    assert main(["init", str(site)]) == 0
    assert "Created a news site in" in capsys.readouterr().out
    assert tree(site) == [".gitignore", "articles/", "articles/2025/",
                          "articles/2025/welcome-to-your-news-site.md", "newsgen.yaml", "static/"]
    config_text = (site / "newsgen.yaml").read_text(encoding="utf-8")
    assert sum(line.startswith("#") for line in config_text.splitlines()) > 15
    assert load_config(site).title == "News"

    assert main(["build", "--site", str(site)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("Built 1 article, 1 topic")
    assert "'base_url' is not set" in err  # the one thing left to configure
    page = site / "public" / "2025" / "01" / "welcome-to-your-news-site" / "index.html"
    assert "Welcome to your news site" in page.read_text(encoding="utf-8")


def test_with_a_base_url_the_new_site_passes_a_strict_check(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "newsroom"

    assert main(["init", str(site), "--title", 'Delta "Daily": news', "--base-url",
                 "https://example.org/news/"]) == 0
    config = load_config(site)
    assert (config.title, config.base_url) == ('Delta "Daily": news', "https://example.org/news/")
    capsys.readouterr()
    assert main(["check", "--site", str(site), "--strict"]) == 0
    assert capsys.readouterr().out == "no problems in 1 article\n"


def test_theme_option_copies_the_default_theme(tmp_path: Path) -> None:
    site = tmp_path / "custom"

    assert main(["init", str(site), "--theme"]) == 0

    for part in ("templates", "static"):
        compared = filecmp.dircmp(THEME_DIR / part, site / part)
        assert compared.left_only == [] and compared.diff_files == [], part
    assert (site / "templates" / "partials" / "footer.html").is_file()
    assert (site / "static" / "css" / "newsgen.css").is_file()
    # The copies are used: an edit shows up in the next build.
    footer = site / "templates" / "partials" / "footer.html"
    footer.write_text(footer.read_text(encoding="utf-8").replace(
        "Published with newsgen", "Printed by the Delta Daily"), encoding="utf-8")
    assert main(["build", "--site", str(site)]) == 0
    assert "Printed by the Delta Daily" in (site / "public" / "index.html").read_text("utf-8")


def test_init_refuses_a_folder_that_already_holds_a_site(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "newsroom"
    assert main(["init", str(site)]) == 0
    (site / "newsgen.yaml").write_text("title: Mine\n", encoding="utf-8")
    before = tree(site)
    capsys.readouterr()

    assert main(["init", str(site), "--theme"]) == 1
    assert "already has newsgen.yaml, articles/" in capsys.readouterr().err
    assert tree(site) == before
    assert (site / "newsgen.yaml").read_text(encoding="utf-8") == "title: Mine\n"


def test_init_works_in_a_repository_with_other_files(tmp_path: Path) -> None:
    site = tmp_path / "repo"
    (site / ".git").mkdir(parents=True)
    (site / "README.md").write_text("# Our newsroom\n", encoding="utf-8")
    (site / ".gitignore").write_text("*.tmp\n", encoding="utf-8")

    assert main(["init", str(site)]) == 0
    assert (site / "README.md").read_text(encoding="utf-8") == "# Our newsroom\n"
    assert (site / ".gitignore").read_text(encoding="utf-8") == "*.tmp\n"  # left alone
    assert (site / "newsgen.yaml").is_file()


def test_a_bad_base_url_is_refused_before_writing(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path / "x"), "--base-url", "ftp://example.org/"]) == 1
    assert not (tmp_path / "x").exists()


def test_installed_wheel_inits_builds_and_checks_a_site(tmp_path: Path) -> None:
    """From a wheel in a fresh virtual environment, outside the repository."""
    wheels = tmp_path / "wheels"
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
        "--no-index", "-q", "-w", wheels, REPO)
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--system-site-packages", venv)
    run(venv / "bin" / "python", "-m", "pip", "install", "--no-deps", "--no-index", "-q",
        next(wheels.glob("newsgen-*.whl")))
    newsgen = venv / "bin" / "newsgen"
    work = tmp_path / "work"
    work.mkdir()

    created = run(newsgen, "init", "plain", "--base-url", "https://example.org/", cwd=work)
    assert "welcome-to-your-news-site.md" in created.stdout
    run(newsgen, "init", "themed", "--theme", cwd=work)
    built = run(newsgen, "build", cwd=work / "plain")
    assert built.stdout.startswith("Built 1 article"), built.stdout
    assert (work / "plain" / "public" / "static" / "css" / "newsgen.css").is_file()
    assert run(newsgen, "build", "--site", "themed", cwd=work).stdout.startswith("Built 1")
    assert (work / "themed" / "templates" / "base.html").is_file()
    checked = run(newsgen, "check", "--strict", cwd=work / "plain")
    assert checked.stdout == "no problems in 1 article\n"
    located = run(venv / "bin" / "python", "-c", "import newsgen; print(newsgen.__file__)",
                  cwd=work)
    assert Path(located.stdout.strip()).is_relative_to(venv)
