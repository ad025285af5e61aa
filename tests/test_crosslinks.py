"""Links between articles by source path, and links to static files."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsgen.build import build
from newsgen.cli import main
from newsgen.config import SiteConfig
from newsgen.content import parse_article
from newsgen.errors import ContentError
from newsgen.links import find_refs, local_target, resolve_links
from newsgen.markup import commonmark_available, markdown_to_html
from newsgen.models import Ref

from conftest import article, site_config
from helpers_site import build_at

FLOOD = article("Flood warning for the delta", date="2019-07-01 08:00:00+07:00")


def refs_of(body: str, first_line: int = 5, engine: str = "markdown") -> tuple[Ref, ...]:
    return find_refs(markdown_to_html(body, engine), body, first_line)


# --- finding links and their lines ------------------------------------------------------------


def test_links_and_images_are_found_with_their_source_lines() -> None:
    body = ("Intro.\n\nSee the [earlier story](../2019/flood-warning.md) today.\n\n"
            "![Map of the delta](/static/map.png)\n\n"
            "A [reference link][old].\n\n[old]: /articles/2018/old.md\n")

    assert refs_of(body) == (
        Ref("a", "../2019/flood-warning.md", 7),
        Ref("img", "/static/map.png", 9, "Map of the delta"),
        Ref("a", "/articles/2018/old.md", 13),  # the line of its definition: where to edit
    )


def test_code_is_not_a_link() -> None:
    body = "Write `[x](../a.md)` like this:\n\n    [y](../b.md)\n"

    assert refs_of(body) == ()


def test_raw_html_links_count_too() -> None:
    body = "Para.\n\n<p><a href='../2019/x.md'>x</a> <img src=\"/static/a.png\"></p>\n"

    assert refs_of(body, first_line=1) == (Ref("a", "../2019/x.md", 3),
                                           Ref("img", "/static/a.png", 3, None))


@pytest.mark.skipif(not commonmark_available(), reason="cmarkgfm is not installed")
def test_commonmark_engine_finds_the_same_links() -> None:
    body = "One.\n\nSee [Việt story](../2019/việt.md) and ![](/static/a.png).\n"

    assert refs_of(body, 1, "commonmark") == (Ref("a", "../2019/vi%E1%BB%87t.md", 3),
                                              Ref("img", "/static/a.png", 3, ""))


@pytest.mark.parametrize(("target", "expected"), [
    ("../2019/flood-warning.md", ("article", "articles/2019/flood-warning.md", "")),
    ("../2019/flood-warning.md#maps", ("article", "articles/2019/flood-warning.md", "#maps")),
    ("/articles/2019/flood-warning.md", ("article", "articles/2019/flood-warning.md", "")),
    ("same-folder.md", ("article", "articles/2024/same-folder.md", "")),
    ("/static/img/map.png", ("static", "img/map.png", "")),
    ("../../static/img/map.png?v=2", ("static", "img/map.png", "?v=2")),
    ("https://example.org/a.md", None),
    ("#section", None),
    ("/topics/asean/", None),
    ("mailto:desk@example.org", None),
])
def test_local_targets(target: str, expected: tuple[str, str, str] | None) -> None:
    found = local_target(target, "articles/2024/story.md", "static/")

    assert (found and (found.kind, found.path, found.suffix)) == expected


# --- resolving across articles ---------------------------------------------------------------


def two_articles(make_site, body: str, **config: object) -> Path:
    files = {"articles/2019/flood-warning.md": FLOOD,
             "articles/2024/story.md": article("Story", body=body),
             "static/map.png": b"\x89PNG\r\n"}
    return make_site(files)


def test_relative_and_rooted_links_become_the_article_url(make_site, tmp_path: Path) -> None:
    root = two_articles(make_site, "See the [warning](../2019/flood-warning.md#maps) and "
                                   "[again](/articles/2019/flood-warning.md).\n\n"
                                   "![Map](/static/map.png)")
    built = build_at(root, tmp_path / "out", base_url="https://example.org/news/")

    body = built.html("/2024/01/story/").find("div", cls="story-body")
    assert [a.get("href") for a in body.find_all("a")] == [
        "/news/2019/07/flood-warning-for-the-delta/#maps",
        "/news/2019/07/flood-warning-for-the-delta/"]
    assert body.find("img").get("src") == "/news/static/map.png"
    assert (built.out / "static" / "map.png").is_file()


def test_link_to_a_missing_article_names_file_and_line(make_site,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    root = two_articles(make_site, "First.\n\nSee [the old one](../2019/flood-warnings.md).")

    assert main(["build", "--site", str(root)]) == 1
    err = capsys.readouterr().err
    # front matter: 4 lines, body from line 5; the link is on line 7.
    assert ("articles/2024/story.md:7: link to '../2019/flood-warnings.md': no article "
            "articles/2019/flood-warnings.md (did you mean articles/2019/flood-warning.md?)"
            ) in err
    assert not (root / "public").exists()


def test_missing_static_file_is_an_error_with_line(make_site) -> None:
    root = two_articles(make_site, "![Chart](/static/chart.png)\n\n[CSS](/static/css/newsgen.css)")

    with pytest.raises(ContentError) as info:
        build(site_config(root))
    (problem,) = info.value.problems
    assert (problem.path, problem.line) == ("articles/2024/story.md", 5)
    assert "'/static/chart.png'" in problem.message and "chart.png" in problem.message


def test_theme_static_files_resolve(make_site, tmp_path: Path) -> None:
    root = two_articles(make_site, "[stylesheet](/static/css/newsgen.css)")

    built = build_at(root, tmp_path / "out")
    assert built.html("/2024/01/story/").find("div", cls="story-body").find("a").get(
        "href") == "/static/css/newsgen.css"


def test_link_to_a_draft_is_a_warning_and_strict_makes_it_an_error(
        make_site, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({
        "articles/2024/story.md": article("Story", body="Read [next](next.md)."),
        "articles/2024/next.md": article("Next", draft=True),
    })

    assert main(["build", "--site", str(root)]) == 0
    err = capsys.readouterr().err
    assert "articles/2024/story.md:5: link to 'next.md': articles/2024/next.md is a draft" in err
    assert main(["build", "--site", str(root), "--strict"]) == 1


def test_held_back_articles_may_link_to_each_other_silently() -> None:
    config = SiteConfig(root=Path("/site"))
    a, _ = parse_article(article("A", body="[b](b.md)", draft=True), "articles/a.md", config)
    b, _ = parse_article(article("B", draft=True), "articles/b.md", config)

    articles, warnings, errors = resolve_links([a, b], config, frozenset())
    assert (warnings, errors) == ([], [])
    assert 'href="/2024/01/b/"' in articles[0].body_html


def test_links_to_articles_that_failed_to_load_are_not_reported_twice() -> None:
    config = SiteConfig(root=Path("/site"))
    a, _ = parse_article(article("A", body="[b](b.md)"), "articles/a.md", config)

    assert resolve_links([a], config, frozenset(), unparsed=frozenset({"articles/b.md"}))[2] == []
    assert len(resolve_links([a], config, frozenset())[2]) == 1


def test_external_links_are_left_alone() -> None:
    config = SiteConfig(root=Path("/site"))
    body = "[web](https://example.org/x.md?a=1&b=2) and [topic](/topics/asean/)"
    a, _ = parse_article(article("A", body=body), "articles/a.md", config)

    articles, warnings, errors = resolve_links([a], config, frozenset())
    assert articles[0].body_html == a.body_html
    assert (warnings, errors) == ([], [])
