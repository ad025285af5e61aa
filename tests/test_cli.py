"""The command line: `newsgen build`, its exit codes, messages and effect on the output folder."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from newsgen import __version__
from newsgen.cli import main
from tests.conftest import BUILD_TIME, REPO, article

from helpers_site import sitemap_locs, snapshot

CONFIG = "title: Delta Daily\nbase_url: https://news.example.com/\n"


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(BUILD_TIME.timestamp())))


def news_site(make_site, **articles: str) -> Path:
    files = {"newsgen.yaml": CONFIG}
    files.update({f"articles/{name}.md": text for name, text in articles.items()})
    return make_site(files)


def two_article_site(make_site) -> Path:
    return news_site(
        make_site,
        floods=article(title="Floods hit the delta", date="2024-01-30 09:00:00+07:00",
                       topics=["Weather", "Mekong"]),
        harvest=article(title="Rice harvest up", date="2024-02-02 10:00:00+07:00",
                        topics=["Economy", "Mekong"]),
    )


def build(root: Path, *args: str) -> int:
    return main(["build", "--site", str(root), *args])


def summary_line(out: str) -> str:
    lines = out.splitlines()
    assert len(lines) == 1, out
    return lines[0]


# --- informational options --------------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])

    assert info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_help_lists_the_build_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])

    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "build" in out
    assert "--version" in out


def test_build_help_lists_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["build", "--help"])

    assert info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--site", "--output", "--config", "--base-url", "--drafts", "--future",
                   "--strict", "--force", "--debug"):
        assert option in out


@pytest.mark.parametrize("argv", [["build", "--no-such-option"], ["--nope"], ["publish"], []])
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)

    assert info.value.code == 2
    assert "usage" in capsys.readouterr().err


def test_missing_site_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no-such-site"

    assert build(missing) == 2

    captured = capsys.readouterr()
    assert str(missing) in captured.err
    assert captured.out == ""
    assert not missing.exists()


def test_python_dash_m_newsgen_version() -> None:
    result = subprocess.run([sys.executable, "-m", "newsgen", "--version"], cwd=REPO,
                            capture_output=True, text=True, timeout=60, check=False)

    assert result.returncode == 0
    assert f"newsgen {__version__}" in result.stdout


# --- a successful build ---------------------------------------------------------------------


def test_build_prints_one_summary_line(make_site, capsys: pytest.CaptureFixture[str]) -> None:
    root = two_article_site(make_site)

    assert build(root) == 0

    captured = capsys.readouterr()
    line = summary_line(captured.out)
    assert re.search(r"\b2 articles\b", line)
    assert re.search(r"\b3 topics\b", line)
    assert re.search(r"\b\d+ pages\b", line)
    assert re.search(r"\b\d+(\.\d+)? s\b", line)
    assert str(root.resolve() / "public") in line
    assert captured.err == ""
    assert (root / "public" / "2024" / "01" / "floods-hit-the-delta" / "index.html").is_file()
    assert (root / "public" / "2024" / "02" / "rice-harvest-up" / "index.html").is_file()
    assert (root / "public" / "topics" / "mekong" / "index.html").is_file()


def test_build_from_inside_the_site_folder(make_site, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    root = two_article_site(make_site)
    monkeypatch.chdir(root)

    assert main(["build"]) == 0

    assert (root / "public" / "index.html").is_file()
    assert "2 articles" in capsys.readouterr().out


def test_build_leaves_no_temporary_files_beside_the_output(make_site) -> None:
    root = two_article_site(make_site)

    assert build(root) == 0

    assert sorted(p.name for p in root.iterdir()) == [".newsgen-cache", "articles",
                                                      "newsgen.yaml", "public"]


def test_output_option_chooses_the_folder(make_site, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    root = two_article_site(make_site)
    out = tmp_path / "www"

    assert build(root, "--output", str(out)) == 0

    assert (out / "index.html").is_file()
    assert not (root / "public").exists()
    assert str(out.resolve()) in capsys.readouterr().out


def test_permalink_in_config_changes_where_articles_are_written(make_site) -> None:
    root = make_site({
        "newsgen.yaml": CONFIG + "permalink: /news/{slug}/\n",
        "articles/floods.md": article(title="Floods hit the delta"),
    })

    assert build(root) == 0

    assert (root / "public" / "news" / "floods-hit-the-delta" / "index.html").is_file()
    assert not (root / "public" / "2024").exists()


def test_missing_base_url_is_a_warning_not_an_error(make_site,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({"articles/a.md": article()})

    assert build(root) == 0

    captured = capsys.readouterr()
    assert "base_url" in captured.err
    summary_line(captured.out)


# --- drafts and future articles -------------------------------------------------------------


def held_back_site(make_site) -> Path:
    return news_site(
        make_site,
        published=article(title="Published story", date="2024-06-01"),
        draft=article(title="Draft story", date="2024-06-02", draft=True),
        scheduled=article(title="Scheduled story", date="2025-03-01"),
    )


def test_drafts_and_future_articles_are_held_back_and_counted(
        make_site, capsys: pytest.CaptureFixture[str]) -> None:
    root = held_back_site(make_site)

    assert build(root) == 0

    line = summary_line(capsys.readouterr().out)
    assert re.search(r"\b1 article\b", line)
    assert "held back" in line
    assert re.search(r"\b1 draft\b", line)
    assert re.search(r"\b1 (scheduled|future)\b", line)
    public = root / "public"
    assert (public / "2024" / "06" / "published-story" / "index.html").is_file()
    assert not (public / "2024" / "06" / "draft-story").exists()
    assert not (public / "2025").exists()
    site_text = "\n".join([(public / "index.html").read_text(),
                           *sitemap_locs(public, "https://news.example.com/")])
    assert "Draft story" not in site_text
    assert "scheduled-story" not in site_text


def test_drafts_option_publishes_drafts(make_site, capsys: pytest.CaptureFixture[str]) -> None:
    root = held_back_site(make_site)

    assert build(root, "--drafts") == 0

    line = summary_line(capsys.readouterr().out)
    assert re.search(r"\b2 articles\b", line)
    assert not re.search(r"\bdrafts?\b", line)
    assert (root / "public" / "2024" / "06" / "draft-story" / "index.html").is_file()
    assert not (root / "public" / "2025").exists()


def test_future_option_publishes_future_articles(make_site,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    root = held_back_site(make_site)

    assert build(root, "--future") == 0

    line = summary_line(capsys.readouterr().out)
    assert re.search(r"\b2 articles\b", line)
    assert (root / "public" / "2025" / "03" / "scheduled-story" / "index.html").is_file()
    assert not (root / "public" / "2024" / "06" / "draft-story").exists()


def test_source_date_epoch_decides_what_is_future(make_site, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    root = held_back_site(make_site)
    later = BUILD_TIME.replace(year=2026)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(later.timestamp())))

    assert build(root) == 0

    assert (root / "public" / "2025" / "03" / "scheduled-story" / "index.html").is_file()
    assert re.search(r"\b2 articles\b", capsys.readouterr().out)


# --- warnings and --strict ------------------------------------------------------------------


def test_warnings_go_to_stderr_with_file_and_line(make_site,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    root = news_site(make_site, a=article(title="A", tags=["x"]))

    assert build(root) == 0

    captured = capsys.readouterr()
    assert "articles/a.md:4:" in captured.err
    assert "did you mean 'topics'" in captured.err
    summary_line(captured.out)


def test_strict_turns_warnings_into_a_failure(make_site,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    root = news_site(make_site, a=article(title="A", tags=["x"]))

    assert build(root, "--strict") == 1

    captured = capsys.readouterr()
    assert "articles/a.md:4:" in captured.err
    assert "tags" in captured.err
    assert captured.out == ""
    assert not (root / "public").exists()


def test_strict_fails_on_merged_topics(make_site, capsys: pytest.CaptureFixture[str]) -> None:
    root = news_site(make_site,
                     a=article(title="A", topics=["Việt Nam"]),
                     b=article(title="B", topics=["Viet Nam"]),
                     c=article(title="C", topics=["Việt Nam"]))

    assert build(root) == 0
    assert "merged" in capsys.readouterr().err

    assert build(root, "--strict") == 1
    assert "articles/b.md" in capsys.readouterr().err


def test_strict_without_warnings_succeeds(make_site) -> None:
    root = two_article_site(make_site)

    assert build(root, "--strict") == 0


# --- failures -------------------------------------------------------------------------------


def test_content_errors_of_all_files_are_reported_together(
        make_site, capsys: pytest.CaptureFixture[str]) -> None:
    root = news_site(make_site,
                     good=article(title="Good"),
                     bad_date=article(title="Bad date", date="2021-02-30"),
                     no_title="---\ndate: 2024-01-30\n---\nBody\n")

    assert build(root) == 1

    captured = capsys.readouterr()
    assert "articles/bad_date.md:3:" in captured.err
    assert "articles/no_title.md" in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""
    assert not (root / "public").exists()


def test_debug_shows_the_traceback(make_site, capsys: pytest.CaptureFixture[str]) -> None:
    root = news_site(make_site, bad=article(date="yesterday"))

    assert build(root, "--debug") == 1

    err = capsys.readouterr().err
    assert "Traceback" in err
    assert "articles/bad.md:3:" in err


def test_duplicate_urls_name_both_files(make_site, capsys: pytest.CaptureFixture[str]) -> None:
    root = news_site(make_site,
                     one=article(title="Floods", date="2024-01-02"),
                     two=article(title="Floods!", date="2024-01-09"))

    assert build(root) == 1

    err = capsys.readouterr().err
    assert "articles/one.md" in err
    assert "articles/two.md" in err
    assert "/2024/01/floods/" in err


def test_config_errors_exit_1_naming_the_key(make_site,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({"newsgen.yaml": 'per_page: "ten"\ntimezon: UTC\n',
                      "articles/a.md": article()})

    assert build(root) == 1

    err = capsys.readouterr().err
    assert "per_page" in err
    assert "did you mean 'timezone'" in err
    assert "Traceback" not in err
    assert not (root / "public").exists()


def test_bad_base_url_option_exits_1(make_site, capsys: pytest.CaptureFixture[str]) -> None:
    root = two_article_site(make_site)

    assert build(root, "--base-url", "news.example.com") == 1

    assert "--base-url" in capsys.readouterr().err


def test_missing_config_file_option_exits_1(make_site, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    root = two_article_site(make_site)

    assert build(root, "--config", str(tmp_path / "missing.yaml")) == 1

    assert "missing.yaml" in capsys.readouterr().err


def test_failed_build_leaves_the_previous_output_intact(
        make_site, capsys: pytest.CaptureFixture[str]) -> None:
    root = two_article_site(make_site)
    assert build(root) == 0
    before = snapshot(root / "public")
    capsys.readouterr()

    (root / "articles" / "harvest.md").write_text(
        article(title="Rice harvest up", date="2024-02-30"), encoding="utf-8")
    (root / "articles" / "new.md").write_text(article(title="Brand new"), encoding="utf-8")

    assert build(root) == 1

    assert "articles/harvest.md:3:" in capsys.readouterr().err
    assert snapshot(root / "public") == before
    assert sorted(p.name for p in root.iterdir()) == [".newsgen-cache", "articles",
                                                      "newsgen.yaml", "public"]


def test_rebuild_removes_pages_of_deleted_articles(make_site) -> None:
    root = two_article_site(make_site)
    assert build(root) == 0
    harvest = root / "public" / "2024" / "02" / "rice-harvest-up" / "index.html"
    economy = root / "public" / "topics" / "economy"
    assert harvest.is_file()
    assert economy.is_dir()

    (root / "articles" / "harvest.md").unlink()
    assert build(root) == 0

    assert not harvest.exists()
    assert not economy.exists()
    assert (root / "public" / "2024" / "01" / "floods-hit-the-delta" / "index.html").is_file()
    assert not [loc for loc in sitemap_locs(root / "public", "https://news.example.com/")
                if "rice-harvest-up" in loc]


# --- the output folder ----------------------------------------------------------------------


def test_refuses_a_non_empty_output_folder_it_did_not_create(
        make_site, capsys: pytest.CaptureFixture[str]) -> None:
    root = two_article_site(make_site)
    mine = root / "public" / "notes.txt"
    mine.parent.mkdir()
    mine.write_text("my own notes\n", encoding="utf-8")

    assert build(root) == 1

    err = capsys.readouterr().err
    assert "--force" in err
    assert str(root.resolve() / "public") in err
    assert snapshot(root / "public") == {"notes.txt": b"my own notes\n"}


def test_force_replaces_a_foreign_output_folder(make_site) -> None:
    root = two_article_site(make_site)
    mine = root / "public" / "notes.txt"
    mine.parent.mkdir()
    mine.write_text("my own notes\n", encoding="utf-8")

    assert build(root, "--force") == 0

    assert (root / "public" / "index.html").is_file()
    assert not mine.exists()


def test_an_empty_existing_output_folder_is_used(make_site) -> None:
    root = two_article_site(make_site)
    (root / "public").mkdir()

    assert build(root) == 0

    assert (root / "public" / "index.html").is_file()


@pytest.mark.parametrize("output", [".", "articles", "articles/out", ".."])
def test_refuses_an_output_folder_holding_the_sources(
        make_site, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        output: str) -> None:
    root = two_article_site(make_site)
    monkeypatch.chdir(root)
    before = snapshot(root.parent)

    assert main(["build", "--output", output]) == 1

    assert "--output" in capsys.readouterr().err
    assert snapshot(root.parent) == before


@pytest.mark.parametrize("output", [".", "articles"])
def test_force_does_not_allow_writing_over_the_sources(
        make_site, monkeypatch: pytest.MonkeyPatch, output: str) -> None:
    root = two_article_site(make_site)
    monkeypatch.chdir(root)
    before = snapshot(root)

    assert main(["build", "--output", output, "--force"]) == 1

    assert snapshot(root) == before


def test_refuses_an_output_path_that_is_a_file(make_site,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    root = two_article_site(make_site)
    target = root / "public"
    target.write_text("not a folder\n", encoding="utf-8")

    assert build(root) == 1

    assert "public" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "not a folder\n"


def test_missing_articles_folder_exits_1(make_site, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({"newsgen.yaml": CONFIG + "articles_dir: stories\n"})

    assert build(root) == 1

    err = capsys.readouterr().err
    assert "stories" in err
    assert "Traceback" not in err
