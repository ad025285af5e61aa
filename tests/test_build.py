"""End-to-end: build whole sites and check the pages a reader gets."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest

from newsgen.render import THEME_DIR

from conftest import BUILD_TIME, MakeSite, article
from helpers_site import (
    Built,
    SourceArticle,
    build_at,
    build_sample,
    card_links,
    copy_sample,
    file_to_url,
    html_files,
    parse_html,
    read_source_articles,
    sitemap_locs,
    snapshot,
    topic_members,
)

ATOM = "{http://www.w3.org/2005/Atom}"
ARTICLE_FILE = re.compile(r"^\d{4}/\d{2}/[^/]+/index\.html$")
DRAFT_URL = "/2024/06/what-to-expect-as-asean-leaders-gather-in-vientiane/"
UNSC_URL = "/2024/01/un-security-council-debates-asean-un-cooperation-on-peace-and-security/"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def sources(sample: Built) -> list[SourceArticle]:
    return read_source_articles(sample.root, sample.config.timezone)


@pytest.fixture(scope="module")
def published(sources: list[SourceArticle]) -> list[SourceArticle]:
    return [a for a in sources if not a.draft]


def article_urls_in(out: Path) -> set[str]:
    return {file_to_url(out, p) for p in out.rglob("index.html")
            if ARTICLE_FILE.match(p.relative_to(out).as_posix())}


def all_pages_of_listing(built: Built, first_url: str) -> list[str]:
    """Follow rel=next from a listing's first page; the article links of all its pages."""
    links: list[str] = []
    url: str | None = first_url
    seen = set()
    while url:
        assert url not in seen, f"pagination loops back to {url}"
        seen.add(url)
        page = built.html(url)
        links += card_links(page)
        nexts = page.find_all("a", rel="next")
        url = nexts[0].get("href") if nexts else None
    return links


# --------------------------------------------------------------------------- page set


def test_one_page_per_published_article_at_year_month_slug(
        sample: Built, published: list[SourceArticle]) -> None:
    assert article_urls_in(sample.out) == {a.url for a in published}
    assert len(published) == sample.result.articles >= 10
    # A few spelled out: non-ASCII titles, a UTC date, a date without a time.
    for url in ("/2023/09/viet-nam-edge-laos-2-1-in-da-nang-friendly/",
                "/2024/04/ha-noi-s-old-quarter-lights-up-for-heritage-night-festival/",
                "/2024/03/g20-foreign-ministers-push-to-remove-bottlenecks-in-global-governance/",
                "/2023/11/viet-nam-elected-vice-president-of-unesco-general-conference/"):
        assert sample.file(url).is_file(), url


def test_draft_is_not_published_anywhere(sample: Built) -> None:
    assert not sample.file(DRAFT_URL).exists()
    slug = DRAFT_URL.strip("/").split("/")[-1]
    mentions = [p for p in sample.out.rglob("*")
                if p.is_file() and slug.encode() in p.read_bytes()]
    assert mentions == []
    assert sample.result.held_back_drafts == 1


def test_drafts_true_publishes_the_draft(tmp_path: Path, sources: list[SourceArticle]) -> None:
    built = build_sample(tmp_path, drafts=True)
    assert article_urls_in(built.out) == {a.url for a in sources}
    page = built.html(DRAFT_URL)
    assert page.find("h1").text() == "What to expect as ASEAN leaders gather in Vientiane"
    # The draft is the newest article: it leads the home page.
    assert card_links(built.html("/"))[0] == DRAFT_URL
    # It names its source but has no source_url: plain text, no link.
    source = page.find("p", cls="source")
    assert source.text() == "Source: NDO"
    assert source.find_all("a") == []


def test_article_year_and_month_are_in_the_site_time_zone(make_site: MakeSite,
                                                          tmp_path: Path) -> None:
    root = make_site({
        "newsgen.yaml": "timezone: Asia/Ho_Chi_Minh\n",
        # 20:00 UTC on 31 January is 03:00 on 1 February in Hồ Chí Minh City.
        "articles/a.md": article("Late night in London", date="2024-01-31T20:00:00Z"),
        # 01:00 on 1 March at +07:00 is still 29 February in UTC.
        "articles/b.md": article("Early morning in Saigon", date="2024-03-01 01:00:00+07:00"),
        # No offset: the site's own time zone.
        "articles/c.md": article("Plain date", date="2023-11-08"),
    })
    built = build_at(root, tmp_path / "out")
    assert article_urls_in(built.out) == {"/2024/02/late-night-in-london/",
                                          "/2024/03/early-morning-in-saigon/",
                                          "/2023/11/plain-date/"}
    times = {url: built.html(url).find("p", cls="meta").find("time").get("datetime")
             for url in article_urls_in(built.out)}
    assert times == {"/2024/02/late-night-in-london/": "2024-02-01T03:00:00+07:00",
                     "/2024/03/early-morning-in-saigon/": "2024-03-01T01:00:00+07:00",
                     "/2023/11/plain-date/": "2023-11-08T00:00:00+07:00"}


def test_home_page_shows_per_page_newest_articles_then_page_2(
        sample: Built, published: list[SourceArticle]) -> None:
    newest_first = [a.url for a in published]
    per_page = sample.config.per_page
    assert per_page == 10
    home = sample.html("/")
    assert card_links(home) == newest_first[:per_page]
    assert [a.get("href") for a in home.find_all("a", rel="next")] == ["/page/2/"]
    page2 = sample.html("/page/2/")
    assert card_links(page2) == newest_first[per_page:]
    assert [a.get("href") for a in page2.find_all("a", rel="prev")] == ["/"]
    assert page2.find_all("a", rel="next") == []
    assert "Page 2 of 2" in page2.find("nav", cls="pagination").text()
    assert not (sample.out / "page" / "3").exists()
    assert not (sample.out / "page" / "1").exists()


def test_listings_paginate_when_per_page_is_small(
        tmp_path: Path, published: list[SourceArticle]) -> None:
    built = build_sample(tmp_path, per_page=3)
    newest_first = [a.url for a in published]
    assert all_pages_of_listing(built, "/") == newest_first
    pages = sorted(p.name for p in (built.out / "page").iterdir())
    assert pages == [str(n) for n in range(2, math.ceil(len(published) / 3) + 1)]
    for slug, (_, members) in topic_members(published).items():
        url = f"/topics/{slug}/"
        assert all_pages_of_listing(built, url) == [a.url for a in members], slug
        topic_pages = built.out / "topics" / slug / "page"
        expected_pages = math.ceil(len(members) / 3)
        if expected_pages == 1:
            assert not topic_pages.exists(), slug
        else:
            assert sorted(p.name for p in topic_pages.iterdir()) == [
                str(n) for n in range(2, expected_pages + 1)], slug
    # The sample's biggest topics really were split: the test above is not vacuous.
    assert (built.out / "topics" / "asean" / "page" / "2" / "index.html").is_file()
    last = built.html("/topics/asean/page/2/")
    assert "Page 2 of 2" in last.find("nav", cls="pagination").text()
    assert last.find("h1").text() == "ASEAN, page 2"


def test_topics_index_lists_every_topic_with_count_and_latest(
        sample: Built, published: list[SourceArticle]) -> None:
    expected = topic_members(published)
    page = sample.html("/topics/")
    items = page.find("ul", cls="topic-index").find_all("li")
    shown = {}
    for li in items:
        name_link = li.find("h2", cls="topic-name").find("a")
        latest = li.find("p", cls="topic-latest")
        shown[name_link.get("href")] = (name_link.text(), li.find(cls="topic-count").text(),
                                        latest.find("a").get("href"), latest.find("a").text(),
                                        latest.find("time").get("datetime"))
    want = {}
    for slug, (name, members) in expected.items():
        n = len(members)
        newest = members[0]
        want[f"/topics/{slug}/"] = (name, f"{n} article{'s' if n != 1 else ''}", newest.url,
                                    newest.title, newest.date.isoformat())
    assert shown == want
    assert len(items) == len(expected) >= 10
    names = [li.find("h2").find("a").text() for li in items]
    assert names == sorted(names, key=str.casefold)


def test_each_topic_page_lists_its_articles_newest_first(
        sample: Built, published: list[SourceArticle]) -> None:
    expected = topic_members(published)
    topic_dirs = {p.name for p in (sample.out / "topics").iterdir() if p.is_dir()}
    assert topic_dirs == set(expected)
    for slug, (name, members) in expected.items():
        page = sample.html(f"/topics/{slug}/")
        assert page.find("h1").text() == name
        assert card_links(page) == [a.url for a in members], slug
        n = len(members)
        assert page.find("p", cls="listing-meta").text().startswith(
            f"{n} article{'s' if n != 1 else ''}")


def test_non_ascii_topic_gets_an_ascii_url(sample: Built) -> None:
    page = sample.html("/topics/viet-nam/")
    assert page.find("h1").text() == "Việt Nam"
    links = sample.html(UNSC_URL).find("nav", cls="story-topics").find_all("a")
    assert ("Việt Nam", "/topics/viet-nam/") in [(a.text(), a.get("href")) for a in links]


def test_feeds_sitemap_robots_404_and_stylesheet_exist(
        sample: Built, published: list[SourceArticle]) -> None:
    base = sample.config.base_url
    assert ET.parse(sample.file("/feed.xml")).getroot().tag == f"{ATOM}feed"
    for slug in topic_members(published):
        assert ET.parse(sample.file(f"/topics/{slug}/feed.xml")).getroot().tag == f"{ATOM}feed"

    locs = sitemap_locs(sample.out, base)
    assert {base + a.url.lstrip("/") for a in published} <= set(locs)
    assert base + DRAFT_URL.lstrip("/") not in locs
    assert len(locs) == len(set(locs))

    robots = sample.read("/robots.txt").splitlines()
    assert "User-agent: *" in robots
    assert f"Sitemap: {base}sitemap.xml" in robots

    not_found = sample.html("/404.html")
    assert not_found.find("h1").text() == "Page not found"
    assert "/" in [a.get("href") for a in not_found.find("main").find_all("a")]

    css = sample.file("/static/css/newsgen.css")
    assert css.read_bytes() == (THEME_DIR / "static" / "css" / "newsgen.css").read_bytes()
    for path in html_files(sample.out):
        sheets = [e.get("href") for e in parse_html(path.read_text("utf-8")).find_all(
            "link", rel="stylesheet")]
        assert sheets[0] == "/static/css/newsgen.css", path
        # Only the search page adds one: the stylesheet of Pagefind's UI.
        assert sheets[1:] == (["/pagefind/pagefind-ui.css"] if path.parent.name == "search"
                              else []), path


# --------------------------------------------------------------------------- article pages


def test_article_page_has_headline_date_byline_source_topics_body_related(
        sample: Built, published: list[SourceArticle]) -> None:
    page = sample.html(UNSC_URL)
    title = "UN Security Council debates ASEAN\u2013UN cooperation on peace and security"
    assert [h.text() for h in page.find_all("h1")] == [title]
    assert page.find("title").text().startswith(title)
    meta = page.find("p", cls="meta")
    when = meta.find("time").get("datetime")
    assert when == "2024-01-30T09:15:00+07:00"
    assert datetime.fromisoformat(when).utcoffset() is not None
    assert meta.find("span", cls="byline").text() == "By Minh Anh"
    source = page.find("p", cls="source")
    assert source.text() == "Source: NDO"
    assert [a.get("href") for a in source.find_all("a")] == [
        "https://example.org/ndo/world/asean-un-security-council-debate"]
    topics = [(a.text(), a.get("href"))
              for a in page.find("nav", cls="story-topics").find_all("a")]
    assert topics == [("ASEAN", "/topics/asean/"), ("United Nations", "/topics/united-nations/"),
                      ("Diplomacy", "/topics/diplomacy/"), ("Việt Nam", "/topics/viet-nam/")]
    body = page.find("div", cls="story-body").text()
    assert body.startswith("Cooperation between the Association of Southeast Asian Nations")
    assert "the two sides focus on improving the quality" in body

    related = page.find("section", cls="related")
    assert related.find("h2").text() == "Related Topics"
    by_url = {a.url: a for a in published}
    cards = related.find_all("article", cls="card")
    assert 1 <= len(cards) <= sample.config.related_limit == 5
    assert len(cards) == 5  # the sample has plenty of ASEAN/UN/Diplomacy stories
    me = by_url[UNSC_URL]
    for card in cards:
        link = card.find("a")
        other = by_url[link.get("href")]
        assert other is not me
        assert set(other.topic_slugs) & set(me.topic_slugs)
        assert link.text() == other.title
        assert card.find("time").get("datetime") == other.date.isoformat()
        assert card.find("p", cls="card-summary").text() == other.summary


def test_every_article_page_shows_its_front_matter(
        sample: Built, published: list[SourceArticle]) -> None:
    for a in published:
        page = sample.html(a.url)
        assert [h.text() for h in page.find_all("h1")] == [a.title], a.url
        meta = page.find("p", cls="meta")
        assert meta.find("time").get("datetime") == a.date.isoformat(), a.url
        bylines = [s.text() for s in meta.find_all("span", cls="byline")]
        if a.authors:
            names = (a.authors[0] if len(a.authors) == 1
                     else ", ".join(a.authors[:-1]) + " and " + a.authors[-1])
            assert bylines == [f"By {names}"], a.url
        else:
            assert bylines == [], a.url
        source = page.find("p", cls="source")
        assert source.text() == f"Source: {a.source}", a.url
        links = [x.get("href") for x in source.find_all("a")]
        assert links == ([a.source_url] if a.source_url else []), a.url
        assert [x.get("href") for x in page.find("nav", cls="story-topics").find_all("a")] == [
            f"/topics/{s}/" for s in a.topic_slugs], a.url
        related = page.find_all("section", cls="related")
        assert len(related) == 1, a.url
        assert 1 <= len(related[0].find_all("article")) <= sample.config.related_limit


def test_hanoi_article_credits_both_authors(sample: Built) -> None:
    page = sample.html("/2024/04/ha-noi-s-old-quarter-lights-up-for-heritage-night-festival/")
    assert page.find("span", cls="byline").text() == "By Phạm Thu Trang and Đỗ Minh Tuấn"


def test_source_without_url_is_plain_text_and_site_source_is_the_default(
        make_site: MakeSite, tmp_path: Path) -> None:
    root = make_site({
        "newsgen.yaml": "source: Site Wire\n",
        "articles/a.md": article("Named source", source="NDO"),
        "articles/b.md": article("No source given", date="2024-01-29 09:00:00+07:00"),
    })
    built = build_at(root, tmp_path / "out")
    for url, text in (("/2024/01/named-source/", "Source: NDO"),
                      ("/2024/01/no-source-given/", "Source: Site Wire")):
        source = built.html(url).find("p", cls="source")
        assert source.text() == text
        assert source.find_all("a") == []


def test_related_articles_prefer_rare_shared_topics_then_nearer_dates(
        make_site: MakeSite, tmp_path: Path) -> None:
    files = {
        # The article whose related list we read.
        "articles/target.md": article("Target story", date="2024-03-10 12:00:00+07:00",
                                      topics=["Rare", "Common"]),
        # Shares both topics, but is far away in time: still first.
        "articles/both.md": article("Shares both", date="2023-01-01 12:00:00+07:00",
                                    topics=["Rare", "Common"]),
        # Shares only the rare topic, a month away: beats every common-only match.
        "articles/rare.md": article("Shares rare", date="2024-02-10 12:00:00+07:00",
                                    topics=["Rare"]),
        # Share only the common topic: ordered by distance in time, before or after.
        "articles/c1.md": article("Common one day before", date="2024-03-09 12:00:00+07:00",
                                  topics=["Common"]),
        "articles/c2.md": article("Common two days after", date="2024-03-12 12:00:00+07:00",
                                  topics=["Common"]),
        "articles/c3.md": article("Common three days before", date="2024-03-07 12:00:00+07:00",
                                  topics=["Common", "Other"]),
        "articles/c4.md": article("Common ten days after", date="2024-03-20 12:00:00+07:00",
                                  topics=["Common"]),
        # Nothing in common with the target, though it is the nearest in time.
        "articles/unrelated.md": article("Unrelated", date="2024-03-10 13:00:00+07:00",
                                         topics=["Other"]),
    }
    root = make_site(files)
    built = build_at(root, tmp_path / "out", related_limit=4)
    related = built.html("/2024/03/target-story/").find("section", cls="related")
    titles = [a.text() for a in related.find_all("a")]
    assert titles == ["Shares both", "Shares rare", "Common one day before",
                      "Common two days after"]
    # The site has no time zone setting: dates are shown in UTC.
    assert related.find("article").find("time").get("datetime") == "2023-01-01T05:00:00+00:00"
    assert related.find("p", cls="card-summary").text() == "First paragraph of the story."
    # An article that shares nothing with any other has no related section at all.
    lonely = make_site({"articles/x.md": article("Alone", topics=["Solo"]),
                        "articles/y.md": article("Also alone", topics=["Elsewhere"])},
                       name="lonely")
    built = build_at(lonely, tmp_path / "out2")
    assert built.html("/2024/01/alone/").find_all("section", cls="related") == []


# --------------------------------------------------------------------------- escaping

NASTY = "Breaking <script>alert(1)</script> & \"quotes\" 'too'"


def test_title_with_html_characters_is_shown_as_text(make_site: MakeSite,
                                                     tmp_path: Path) -> None:
    root = make_site({
        "articles/nasty.md": article(NASTY, topics=["Security"],
                                     summary='Summary with <b>tags</b> & "quotes"'),
        "articles/other.md": article("Neighbour", date="2024-01-29 09:00:00+07:00",
                                     topics=["Security"]),
    })
    built = build_at(root, tmp_path / "out")
    url = "/2024/01/breaking-script-alert-1-script-quotes-too/"
    for path in built.out.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml"):
            text = path.read_text("utf-8")
            if path == built.file("/search/"):  # Pagefind's UI: its own two scripts only
                assert text.count("<script") == 2 and "alert(1)" not in text
                continue
            # The title's tag never becomes markup (the only <script> elements are the
            # JSON-LD data blocks, whose text escapes "<" as \u003c).
            assert "<script>" not in text, path
            assert "<b>tags" not in text, path

    page = built.html(url)
    assert page.find("h1").text() == NASTY
    assert page.find("title").text() == f"{NASTY} — News"
    assert page.find("p", cls="standfirst").text() == 'Summary with <b>tags</b> & "quotes"'
    assert [s.get("type") for s in page.find_all("script")] == ["application/ld+json"]
    # Listings: home (lead story), topic page, topics index, related list of the neighbour.
    assert built.html("/").find("h2", cls="lead-title").text() == NASTY
    assert built.html("/topics/security/").find("h2", cls="card-title").text() == NASTY
    assert built.html("/topics/").find("p", cls="topic-latest").find("a").text() == NASTY
    neighbour = built.html("/2024/01/neighbour/").find("section", cls="related")
    assert neighbour.find("h3").text() == NASTY
    # Feeds: the title is XML text, not markup.
    for feed in ("/feed.xml", "/topics/security/feed.xml"):
        entries = ET.parse(built.file(feed)).getroot().findall(f"{ATOM}entry")
        titles = [e.findtext(f"{ATOM}title") for e in entries]
        assert NASTY in titles, feed
        summaries = [e.findtext(f"{ATOM}summary") for e in entries]
        assert 'Summary with <b>tags</b> & "quotes"' in summaries, feed


# --------------------------------------------------------------------------- themes and config


def test_folder_with_only_articles_uses_the_packaged_theme(make_site: MakeSite,
                                                          tmp_path: Path) -> None:
    root = make_site({"articles/story.md": article("Only articles here", topics=["Alone"])})
    assert sorted(p.name for p in root.iterdir()) == ["articles"]
    built = build_at(root, tmp_path / "out")
    css = built.file("/static/css/newsgen.css")
    assert css.read_bytes() == (THEME_DIR / "static" / "css" / "newsgen.css").read_bytes()
    page = built.html("/2024/01/only-articles-here/")
    assert page.find("h1").text() == "Only articles here"
    assert page.find("title").text() == "Only articles here — News"
    assert page.find("a", cls="site-title").text() == "News"
    assert "Published with newsgen" in page.find("footer", cls="site-footer").text()
    for url in ("/", "/topics/", "/topics/alone/", "/404.html"):
        assert built.html(url).find_all("link", rel="stylesheet"), url
    # Nothing written among the sources; only the build cache beside them.
    assert sorted(p.name for p in root.iterdir()) == [".newsgen-cache", "articles"]


def test_site_template_overrides_one_theme_template(make_site: MakeSite,
                                                    tmp_path: Path) -> None:
    root = make_site({
        "articles/story.md": article("Override check", topics=["Local"]),
        "templates/partials/footer.html":
            '<footer class="site-footer"><p>Local footer of {{ config.title }}</p></footer>\n',
        "static/img/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>\n',
    })
    built = build_at(root, tmp_path / "out")
    pages = html_files(built.out)
    assert len(pages) >= 5
    for path in pages:
        page = parse_html(path.read_text("utf-8"))
        assert page.find("footer", cls="site-footer").text() == "Local footer of News", path
        assert "Published with newsgen" not in path.read_text("utf-8"), path
        # Everything else still comes from the theme.
        assert page.find("a", cls="site-title").text() == "News", path
        assert page.find_all("nav", cls="site-nav"), path
    assert built.html("/2024/01/override-check/").find("h1").text() == "Override check"
    assert built.file("/static/css/newsgen.css").is_file()
    assert built.file("/static/img/logo.svg").is_file()


def test_sample_site_overrides_footer_and_favicon_only(sample: Built) -> None:
    """The sample's templates/partials/footer.html and static/favicon.svg win over the theme's;
    everything else (stylesheet, page structure) is the theme's."""
    for path in html_files(sample.out):
        page = parse_html(path.read_text("utf-8"))
        footer = page.find("footer", cls="site-footer").text()
        assert "sample site of newsgen" in footer, path
        assert page.find("a", cls="site-title").text() == "The Meridian Dispatch", path
        assert [e.get("href") for e in page.find_all("link", rel="icon")] == [
            "/static/favicon.svg"], path
    favicon = sample.file("/static/favicon.svg").read_bytes()
    assert favicon == (sample.root / "static" / "favicon.svg").read_bytes()
    assert favicon != (THEME_DIR / "static" / "favicon.svg").read_bytes()


def test_base_url_with_a_path_prefixes_every_internal_link(tmp_path: Path) -> None:
    built = build_sample(tmp_path, base_url="https://example.org/news/")
    assert built.file("/index.html").is_file()  # files stay at the top of the output
    assert not (built.out / "news").exists()
    for path in html_files(built.out):
        page = parse_html(path.read_text("utf-8"))
        for element in page.iter():
            for name in ("href", "src"):
                value = element.get(name)
                if value and value.startswith("/"):
                    assert value.startswith("/news/"), f"{path}: {name}={value}"
        canonical = page.find("link", rel="canonical").get("href") or ""
        assert canonical.startswith("https://example.org/news/"), path
    home = built.html("/")
    assert card_links(home)[0] == (
        "/news/2024/05/data-centre-boom-tests-southeast-asia-s-clean-energy-ambitions/")
    assert "Sitemap: https://example.org/news/sitemap.xml" in built.read("/robots.txt")
    feed = ET.parse(built.file("/feed.xml")).getroot()
    for entry in feed.findall(f"{ATOM}entry"):
        assert (entry.findtext(f"{ATOM}id") or "").startswith("https://example.org/news/20")
    locs = sitemap_locs(built.out, built.config.base_url)
    assert locs and all(loc.startswith("https://example.org/news/") for loc in locs)


# --------------------------------------------------------------------------- rebuilds


def test_rebuild_after_deleting_an_article_removes_its_pages(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "site")
    out = tmp_path / "out"
    gone = ("/2023/12/asean-foreign-ministers-issue-statement-on-maritime-stability-"
            "in-southeast-asia/")
    first = build_at(root, out)
    assert first.file(gone).is_file()
    assert first.file("/topics/maritime-security/").is_file()  # its only article

    (root / "articles/2023/asean-foreign-ministers-issue-statement-on-maritime-stability.md"
     ).unlink()
    second = build_at(root, out)
    assert second.result.articles == first.result.articles - 1
    assert not second.file(gone).exists()
    assert not second.file(gone).parent.exists()
    assert not (out / "topics" / "maritime-security").exists()
    slug = gone.strip("/").split("/")[-1]
    stale = [p for p in out.rglob("*") if p.is_file() and slug.encode() in p.read_bytes()]
    assert stale == []
    assert not any(p.name.startswith(".out.") for p in tmp_path.iterdir())  # no leftovers


def test_two_builds_produce_identical_output(sample: Built, tmp_path: Path) -> None:
    """In-process, and twice through the CLI with different hash seeds."""
    expected = snapshot(sample.out)
    assert len(expected) > 50
    again = build_at(sample.root, tmp_path / "again")
    assert snapshot(again.out) == expected
    for seed in ("1", "2"):
        out = tmp_path / f"cli-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed,
               "SOURCE_DATE_EPOCH": str(int(BUILD_TIME.timestamp()))}
        done = subprocess.run(
            [sys.executable, "-m", "newsgen", "build", "--site", str(sample.root),
             "--output", str(out), "--base-url", sample.config.base_url],
            env=env, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        got = snapshot(out)
        differing = sorted(k for k in expected.keys() | got.keys()
                           if expected.get(k) != got.get(k))
        assert differing == [], f"PYTHONHASHSEED={seed}: files differ: {differing[:10]}"
