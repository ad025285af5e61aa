"""Bylines as entities (author pages, the authors map of the config) and source pages."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from helpers_news import BUDGET_URL, FILES, build_newsroom

from newsgen.config import AuthorInfo, load_config
from newsgen.errors import ConfigError

from conftest import article, write_files
from helpers_site import Built, build_at, build_sample, card_links


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory: pytest.TempPathFactory) -> Built:
    more = {f"articles/lan{i}.md": article(f"Lan story {i}", date=f"2024-10-0{i} 08:00",
                                           author="Lan Nguyen", source="Delta Wire")
            for i in range(1, 4)}
    return build_newsroom(tmp_path_factory.mktemp("authors"), more)


# --- author pages ---------------------------------------------------------------------------


def test_bylines_link_each_author_to_their_page(newsroom: Built) -> None:
    byline = newsroom.html(BUDGET_URL).find("span", cls="byline")
    assert byline.text() == "By Lan Nguyen and Minh Trần"  # the config's display name
    assert [(a.get("href"), a.get("rel")) for a in byline.find_all("a")] == [
        ("/authors/lan-nguyen/", "author"), ("/authors/minh-tran/", "author")]


def test_author_page_shows_name_bio_website_feed_and_articles_paginated(
        newsroom: Built) -> None:
    page = newsroom.html("/authors/lan-nguyen/")
    header = page.find("header", cls="listing-header")
    assert page.find("h1").text() == "Lan Nguyen"
    # The bio is text: its "<since 2019>" is shown, not parsed.
    assert header.find("p", cls="bio").text() == "Covers parliament & the budget <since 2019>."
    assert "&lt;since 2019&gt;" in newsroom.read("/authors/lan-nguyen/")
    links = {a.text(): a for a in header.find_all("a")}
    assert links["Website"].get("href") == "https://example.org/lan"
    assert links["Atom feed"].get("href") == "/authors/lan-nguyen/feed.xml"
    assert header.find("p", cls="listing-meta").text().startswith("5 articles")
    # per_page is 2: three pages, newest first, linked by rel=next.
    pages = [card_links(newsroom.html(u)) for u in (
        "/authors/lan-nguyen/", "/authors/lan-nguyen/page/2/", "/authors/lan-nguyen/page/3/")]
    assert pages == [
        ["/2024/12/budget-vote-passes/", "/2024/12/floods-hit-the-delta/"],
        ["/2024/10/lan-story-3/", "/2024/10/lan-story-2/"],
        ["/2024/10/lan-story-1/"]]
    assert [a.get("href") for a in page.find_all("a", rel="next")] == [
        "/authors/lan-nguyen/page/2/"]
    assert not newsroom.file("/authors/lan-nguyen/page/4/").exists()
    feed = feedparser.parse(newsroom.file("/authors/lan-nguyen/feed.xml").read_bytes())
    assert feed.bozo == 0 and len(feed.entries) == 5


def test_authors_index_lists_everyone_with_count_bio_and_latest(newsroom: Built) -> None:
    items = newsroom.html("/authors/").find("ul", cls="topic-index").find_all("li")
    shown = [(li.find("h2").find("a").get("href"), li.find("h2").find("a").text(),
              li.find(cls="topic-count").text(), li.find("p", cls="topic-latest").find(
                  "a").get("href")) for li in items]
    assert shown == [
        ("/authors/lan-nguyen/", "Lan Nguyen", "5 articles", BUDGET_URL),
        ("/authors/minh-tran/", "Minh Trần", "2 articles", BUDGET_URL)]
    assert items[0].find("p", cls="topic-bio").text().startswith("Covers parliament")


def test_spellings_that_slugify_alike_are_one_author_with_a_warning(tmp_path: Path) -> None:
    root = write_files(tmp_path / "site", {
        "articles/a.md": article("One", author="Lê Thu Hà"),
        "articles/b.md": article("Two", author="Lê Thu Hà", date="2024-01-29"),
        "articles/c.md": article("Three", author="Le Thu Ha", date="2024-01-28"),
    })
    built = build_at(root, tmp_path / "out")
    assert [str(w) for w in built.result.warnings if "author" in w.message] == [
        "articles/c.md: author 'Le Thu Ha' is merged into 'Lê Thu Hà' "
        "(both make the URL /authors/le-thu-ha/)"]
    page = built.html("/authors/le-thu-ha/")
    assert page.find("h1").text() == "Lê Thu Hà"
    assert len(card_links(page)) == 3
    assert built.html("/2024/01/three/").find("span", cls="byline").text() == "By Lê Thu Hà"


def test_sample_authors_have_pages_and_the_configured_bios(tmp_path: Path) -> None:
    sample = build_sample(tmp_path)
    page = sample.html("/authors/priya-raman/")
    assert page.find("p", cls="bio").text().startswith("Economics correspondent")
    names = [li.find("h2").find("a").text() for li in
             sample.html("/authors/").find("ul", cls="topic-index").find_all("li")]
    assert "Phạm Thu Trang" in names and "Đỗ Minh Tuấn" in names
    assert names == sorted(names, key=str.casefold)


# --- source pages ---------------------------------------------------------------------------


def test_source_page_lists_one_outlets_articles_and_articles_link_to_it(
        newsroom: Built) -> None:
    page = newsroom.html("/sources/ndo/")
    assert page.find("h1").text() == "NDO"
    assert card_links(page) == [BUDGET_URL, "/2024/11/rice-harvest-up/"]
    more = newsroom.html(BUDGET_URL).find("p", cls="source-more").find("a")
    assert (more.get("href"), more.text()) == ("/sources/ndo/", "More from NDO")
    # The source line itself still links only to the original story.
    assert [a.get("href") for a in newsroom.html(BUDGET_URL).find(
        "p", cls="source").find_all("a")] == ["https://example.org/ndo/budget"]
    index = [a.get("href") for a in newsroom.html("/sources/").find(
        "ul", cls="topic-index").find_all("a") if (a.get("href") or "").startswith("/sources/")]
    assert index == ["/sources/delta-wire/", "/sources/ndo/", "/sources/vna/"]


def test_articles_without_any_source_have_no_source_page(newsroom: Built) -> None:
    old = newsroom.html("/2023/06/a-quiet-year-for-the-port/")
    assert old.find_all("p", cls="source") == []
    assert old.find_all("p", cls="source-more") == []


def test_the_config_default_source_gets_a_page(tmp_path: Path) -> None:
    root = write_files(tmp_path / "site", {
        "newsgen.yaml": "source: Site Wire\n",
        "articles/a.md": article("Wire copy"),
    })
    built = build_at(root, tmp_path / "out")
    assert card_links(built.html("/sources/site-wire/")) == ["/2024/01/wire-copy/"]


# --- the authors map and the other new config keys ------------------------------------------


def test_authors_map_is_keyed_by_slug_whether_given_by_name_or_slug(tmp_path: Path) -> None:
    root = write_files(tmp_path, {"newsgen.yaml": FILES["newsgen.yaml"]})
    config = load_config(root)
    assert config.authors == {
        "lan-nguyen": AuthorInfo(None, "Covers parliament & the budget <since 2019>.",
                                 "https://example.org/lan"),
        "minh-tran": AuthorInfo("Minh Trần", "", None)}
    assert config.logo == "/static/logo.png"
    assert config.feeds == ("atom", "rss", "json")
    assert config.feed_content == "full"


@pytest.mark.parametrize(("text", "messages"), [
    ("authors: [Lan]\n", ["'authors': must be a mapping of author names to details, not a list"]),
    ("authors:\n  Lan: {bio: 3}\n", ["'authors.Lan.bio': must be a string, not a number"]),
    ("authors:\n  Lan: {biography: x}\n", ["'authors.Lan.biography': unknown key"]),
    ("authors:\n  Lan: {nme: x}\n", ["'authors.Lan.nme': unknown key (did you mean 'name'?)"]),
    ("authors:\n  Lan: {url: 'javascript:alert(1)'}\n",
     ["'authors.Lan.url': must be an absolute http(s) URL, not 'javascript:alert(1)'"]),
    ("authors:\n  Lan Nguyen: {}\n  lan-nguyen: {}\n",
     ["'authors.lan-nguyen': names the same author as 'Lan Nguyen' (both are "
      "/authors/lan-nguyen/)"]),
    ("authors:\n  Lan: just a string\n", ["'authors.Lan': must be a mapping with name, bio, url"]),
    ("feeds: [atom, rdf]\n", ["'feeds': unknown feed format 'rdf' (allowed: atom, rss, json)"]),
    ("feeds: 3\n", ["'feeds': must be a list of feed formats (atom, rss, json), not a number"]),
    ("feed_content: excerpt\n", ["'feed_content': must be one of full, summary, not 'excerpt'"]),
    ("logo: 'javascript:x'\n", ["'logo': must be an http(s) URL or a path on this site"]),
    ("feed_contents: full\n", ["'feed_contents': unknown key (did you mean 'feed_content'?)"]),
])
def test_bad_news_config_is_reported_naming_the_key(tmp_path: Path, text: str,
                                                    messages: list[str]) -> None:
    (tmp_path / "newsgen.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    found = [p.message for p in info.value.problems]
    assert len(found) == len(messages), found
    for got, want in zip(found, messages, strict=True):
        assert got.startswith(want), (got, want)


def test_feeds_may_be_one_string_and_keep_a_fixed_order(tmp_path: Path) -> None:
    (tmp_path / "newsgen.yaml").write_text("feeds: rss\n", encoding="utf-8")
    assert load_config(tmp_path).feeds == ("rss",)
    (tmp_path / "newsgen.yaml").write_text("feeds: [json, atom, json]\n", encoding="utf-8")
    assert load_config(tmp_path).feeds == ("atom", "json")
