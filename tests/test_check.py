"""`newsgen check`: every problem of a build plus editorial warnings, in three formats."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from newsgen.check import CheckResult
from newsgen.cli import main
from newsgen.errors import Problem
from newsgen.report import format_github

from conftest import BUILD_TIME, REPO, article

CONFIG = "title: Delta Daily\nbase_url: https://news.example.com/\nsource: Delta Daily\n"
GOOD = article("Floods hit the delta", topics=["Weather"], summary="Water rose overnight.")


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(BUILD_TIME.timestamp())))


def check(root: Path, *args: str) -> int:
    return main(["check", "--site", str(root), *args])


def problems_of(root: Path, capsys: pytest.CaptureFixture[str],
                *args: str) -> tuple[int, list[dict[str, object]]]:
    code = check(root, "--format", "json", *args)
    report = json.loads(capsys.readouterr().out)
    return code, report["problems"]


def messages(problems: list[dict[str, object]], severity: str) -> list[str]:
    return [f"{p['file']}:{p['line']}: {p['message']}" for p in problems
            if p["severity"] == severity]


# A site with one problem of every kind; front matter lines are counted from the ---.
BROKEN = {
    "newsgen.yaml": "title: Delta Daily\n",  # no base_url, no default source
    "articles/2024/floods.md": (
        "---\ntitle: Floods hit the delta\ndate: 2024-01-30 09:00:00+07:00\n"
        "topics: [Việt Nam, Weather]\nsummary: Water rose overnight.\nimage: /static/lead.png\n"
        "---\nThe river rose. See the [earlier warning](../2019/flood-warning.md).\n\n"
        "![](/static/chart.png)\n"),
    "articles/2024/harvest.md": (
        "---\ntitle: Floods Hit The Delta\ndate: 2024-02-01 09:00:00+07:00\n"
        "topics: [viet nam]\nsource: VNA\ntittle: x\n---\nRice harvest.\n"),
    "articles/2024/broken.md": "---\ntitle: Broken\ndate: 2024-02-30\n---\nBody.\n",
    "templates/topic.html": '{% extends "base.html" %}\n{% block content %}{{ topic.name }'
                            '{% endblock %}\n',
}


def test_a_clean_site_passes(make_site, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({"newsgen.yaml": CONFIG, "articles/a.md": GOOD})

    assert check(root) == 0
    assert capsys.readouterr().out == "no problems in 1 article\n"


def test_every_error_and_warning_is_reported_with_file_and_line(
        make_site, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site(BROKEN)

    code, problems = problems_of(root, capsys)

    assert code == 1
    assert messages(problems, "error") == [
        "articles/2024/broken.md:3: 'date': '2024-02-30' is not a valid date (use ISO 8601, "
        "e.g. 2024-01-30 or 2024-01-30 09:15:00+07:00)",
        "articles/2024/floods.md:8: link to '../2019/flood-warning.md': no article "
        "articles/2019/flood-warning.md",
        "articles/2024/floods.md:10: image '/static/chart.png': no file 'chart.png' in the "
        "site's or the theme's static folder",
        "templates/topic.html:2: unexpected '}' (while rendering /topics/viet-nam/)",
    ]
    warnings = messages(problems, "warning")
    expected = [
        "articles/2024/floods.md:None: no 'source'",
        "articles/2024/floods.md:6: 'image' has no 'image_alt'",
        "articles/2024/floods.md:10: image '/static/chart.png' has no alt text",
        "articles/2024/harvest.md:None: no 'summary'",
        "articles/2024/harvest.md:2: title 'Floods Hit The Delta' is also the title of "
        "articles/2024/floods.md",
        "articles/2024/harvest.md:4: topic 'viet nam' differs from 'Việt Nam' only by case or "
        "accents (did you mean 'Việt Nam'?)",
        "articles/2024/harvest.md:6: unknown front-matter key 'tittle' (did you mean 'title'?)",
        "newsgen.yaml:None: 'base_url' is not set",
    ]
    assert len(warnings) == len(expected), "\n".join(warnings)
    for found, start in zip(warnings, expected, strict=True):
        assert found.startswith(start), (found, start)


def test_check_writes_nothing(make_site, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site(BROKEN)
    before = sorted(p.relative_to(root) for p in root.rglob("*"))

    check(root)
    check(root, "--format", "json")
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_text_format_lists_problems_then_a_summary(make_site,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site(BROKEN)

    assert check(root) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("articles/2024/broken.md:3: error: 'date':")
    assert lines[1].startswith("articles/2024/floods.md: warning: no 'source'")
    assert lines[3].startswith(
        "articles/2024/floods.md:8: error: link to '../2019/flood-warning.md'")
    assert "newsgen.yaml: warning: 'base_url' is not set" in "\n".join(lines)
    assert lines[-1] == "4 errors, 8 warnings in 3 articles"


def test_json_format_is_one_document(make_site, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site(BROKEN)

    check(root, "--format", "json")
    report = json.loads(capsys.readouterr().out)
    assert (report["ok"], report["articles"], report["errors"], report["warnings"]) == (
        False, 3, 4, 8)
    assert set(report["problems"][0]) == {"severity", "file", "line", "message"}


def test_github_format_prints_workflow_annotations(make_site, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site(BROKEN)
    monkeypatch.chdir(root.parent)  # the repository root; the site is a folder in it

    assert check(root, "--format", "github") == 1
    lines = capsys.readouterr().out.splitlines()
    annotation = re.compile(r"^::(error|warning) file=[^,:]+(,line=\d+)?::.+$")
    assert all(annotation.match(line) for line in lines[:-1]), lines
    assert ("::error file=site/articles/2024/floods.md,line=8::link to "
            "'../2019/flood-warning.md': no article articles/2019/flood-warning.md") in lines
    assert "::warning file=site/newsgen.yaml::'base_url' is not set: feeds and the sitemap " \
           "link to http://localhost:8000/" in lines
    assert lines[-1] == "newsgen check: 4 errors, 8 warnings in 3 articles"


def test_github_annotations_escape_newlines_percent_commas_and_colons() -> None:
    result = CheckResult(errors=(Problem("a,b:c.md", "50% done\nnext line", 3),),
                         warnings=(), articles=1)

    assert next(format_github(result)) == (
        "::error file=a%2Cb%3Ac.md,line=3::50%25 done%0Anext line")


def test_strict_fails_on_warnings(make_site, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({"newsgen.yaml": CONFIG, "articles/a.md": article("No summary here")})

    assert check(root) == 0
    assert "no 'summary'" in capsys.readouterr().out
    assert check(root, "--strict") == 1


def test_strict_json_says_not_ok(make_site, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({"newsgen.yaml": CONFIG, "articles/a.md": article("No summary here")})

    assert check(root, "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    assert check(root, "--format", "json", "--strict") == 1
    assert json.loads(capsys.readouterr().out)["ok"] is False


def test_config_errors_are_reported_in_the_chosen_format(
        make_site, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({"newsgen.yaml": "titel: x\nper_page: 0\n", "articles/a.md": GOOD})

    code, problems = problems_of(root, capsys)
    assert code == 1
    assert messages(problems, "error") == [
        "newsgen.yaml:None: 'titel': unknown key (did you mean 'title'?)",
        "newsgen.yaml:None: 'per_page': must be at least 1, not 0",
    ]


def test_template_runtime_errors_are_found_without_writing(
        make_site, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({"newsgen.yaml": CONFIG, "articles/a.md": GOOD,
                      "templates/partials/footer.html": "<footer>\n{{ config.nope }}\n</footer>\n"})

    code, problems = problems_of(root, capsys)
    assert code == 1
    (error,) = messages(problems, "error")
    assert error.startswith("templates/partials/footer.html:2: UndefinedError:")
    assert not (root / "public").exists()


def test_duplicate_urls_are_errors(make_site, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({"newsgen.yaml": CONFIG, "articles/a.md": GOOD, "articles/b.md": GOOD})

    code, problems = problems_of(root, capsys)
    assert code == 1
    assert any("is already used by articles/a.md" in m for m in messages(problems, "error"))


def test_a_missing_site_folder_is_a_usage_error(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert check(tmp_path / "nowhere") == 2
    assert "site folder not found" in capsys.readouterr().err


def test_check_runs_as_a_module(make_site) -> None:
    import subprocess
    import sys

    root = make_site({"newsgen.yaml": CONFIG, "articles/a.md": GOOD})
    done = subprocess.run([sys.executable, "-m", "newsgen", "check", "--site", str(root)],
                          cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout) == (0, "no problems in 1 article\n")


def test_pre_commit_hook_runs_newsgen_check_on_content_changes() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))

    (hook,) = [h for h in hooks if h["id"] == "newsgen-check"]
    assert hook["entry"] == "newsgen check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    for path in ("articles/2024/a.md", "templates/base.html", "static/css/site.css",
                 "newsgen.yaml"):
        assert files.search(path), path
    for path in ("README.md", "public/index.html", "docs/newsgen.yaml.example"):
        assert not files.search(path), path


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_control_characters_in_file_names_are_shown_not_sent_to_the_terminal(
        make_site, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    name = "articles/evil\x1b[2J\u202e.md"  # clears the screen, then reverses the text
    root = make_site({name: article(topics=["Weather"], summary="s", source="S", draft=1)})

    assert check(root, "--format", fmt) == 1  # 'draft' must be true or false

    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out
    if fmt == "json":  # JSON's own escapes: the name reads back exactly
        assert json.loads(out)["problems"][0]["file"] == name
    else:
        assert "articles/evil\\x1b[2J\\u202e.md:" in out.replace(",line=", ":")
