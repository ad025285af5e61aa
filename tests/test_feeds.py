"""End-to-end: the Atom feeds of a built site, read the way feed readers read them."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import feedparser
import pytest
from markupsafe import Markup

from newsgen.feeds import cdata

from conftest import article, write_files
from helpers_site import (
    Built,
    SourceArticle,
    build_at,
    build_sample,
    parse_html,
    read_source_articles,
    topic_members,
)


def parse_feed(path: Path) -> Any:
    feed = feedparser.parse(path.read_bytes())
    assert feed.bozo == 0, f"{path}: {feed.get('bozo_exception')!r}"
    assert feed.version == "atom10", path
    return feed


def when(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.utcoffset() is not None, f"no UTC offset in {text!r}"
    return moment


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_sample(tmp_path_factory.mktemp("feeds"))


@pytest.fixture(scope="module")
def published(sample: Built) -> list[SourceArticle]:
    return [a for a in read_source_articles(sample.root, sample.config.timezone) if not a.draft]


@pytest.fixture(scope="module")
def feeds(sample: Built) -> dict[str, Any]:
    """Site URL of every feed -> the parsed feed."""
    paths = sorted(sample.out.rglob("feed.xml"))
    return {"/" + p.relative_to(sample.out).as_posix(): parse_feed(p) for p in paths}


def test_site_and_topic_feeds_are_valid_atom(feeds: dict[str, Any],
                                             published: list[SourceArticle]) -> None:
    expected = {"/feed.xml"} | {f"/topics/{slug}/feed.xml" for slug in topic_members(published)}
    # Author and source feeds (tests/test_news_feeds.py) are Atom too.
    assert {url for url in feeds if not url.startswith(("/authors/", "/sources/"))} == expected
    assert len(expected) >= 10
    for feed in feeds.values():
        assert feed.version == "atom10" and not feed.bozo


def test_site_feed_lists_the_newest_articles_first(sample: Built, feeds: dict[str, Any],
                                                   published: list[SourceArticle]) -> None:
    feed = feeds["/feed.xml"]
    base = sample.config.base_url
    assert feed.feed.title == "The Meridian Dispatch"
    assert feed.feed.link == base
    links = [e.link for e in feed.entries]
    assert links == [base + a.url.lstrip("/") for a in published][: sample.config.feed_limit]
    dates = [when(e.published) for e in feed.entries]
    assert dates == sorted(dates, reverse=True)
    assert when(feed.feed.updated) == max(when(e.updated) for e in feed.entries)


def test_every_entry_has_title_link_id_dates_and_summary(sample: Built, feeds: dict[str, Any],
                                                         published: list[SourceArticle]) -> None:
    base = sample.config.base_url
    by_link = {base + a.url.lstrip("/"): a for a in published}
    for url, feed in feeds.items():
        assert 1 <= len(feed.entries) <= sample.config.feed_limit, url
        ids = [e.id for e in feed.entries]
        assert len(set(ids)) == len(ids), url
        for entry in feed.entries:
            assert entry.link.startswith(base), url
            source = by_link[entry.link]
            assert sample.file(source.url).is_file()
            assert entry.title == source.title
            assert entry.id.startswith(base)
            assert when(entry.published) == source.date
            assert when(entry.updated) >= when(entry.published)
            assert entry.summary.strip(), (url, entry.link)
            if source.summary:
                assert entry.summary == " ".join(source.summary.split())
            assert [a.name for a in entry.get("authors", [])] == list(source.authors)
            content = entry.content[0]
            assert content.type == "text/html"
            # Full content: the whole body, then the source credit.
            text = parse_html(content.value).text()
            assert text.endswith(f"Source: {source.source}")
            last_paragraph = source.body.strip().split("\n\n")[-1]
            assert " ".join(last_paragraph.split()[-6:]) in text, entry.link


def test_topic_feed_holds_only_that_topics_articles(sample: Built, feeds: dict[str, Any],
                                                    published: list[SourceArticle]) -> None:
    base = sample.config.base_url
    for slug, (name, members) in topic_members(published).items():
        feed = feeds[f"/topics/{slug}/feed.xml"]
        assert feed.feed.title == f"{name} — The Meridian Dispatch"
        assert feed.feed.link == f"{base}topics/{slug}/"
        assert [e.link for e in feed.entries] == [base + a.url.lstrip("/") for a in members]
        for entry in feed.entries:
            assert slug in [t.term for t in entry.tags], entry.link


def test_feed_limit_caps_every_feed(tmp_path: Path, published: list[SourceArticle]) -> None:
    built = build_sample(tmp_path, feed_limit=3)
    base = built.config.base_url
    feed = parse_feed(built.file("/feed.xml"))
    assert [e.link for e in feed.entries] == [base + a.url.lstrip("/") for a in published[:3]]
    for slug, (_, members) in topic_members(published).items():
        topic = parse_feed(built.file(f"/topics/{slug}/feed.xml"))
        assert [e.link for e in topic.entries] == [
            base + a.url.lstrip("/") for a in members[:3]], slug
    # The HTML listings are not limited by feed_limit.
    assert len(built.html("/topics/asean/").find_all("article")) == 5


def test_entry_ids_are_stable_across_builds(sample: Built, feeds: dict[str, Any],
                                            tmp_path: Path) -> None:
    def ids(feed: Any) -> dict[str, str]:
        return {e.link: e.id for e in feed.entries}

    before = {url: ids(feed) for url, feed in feeds.items()}
    again = build_at(sample.root, tmp_path / "again")
    assert {url: ids(parse_feed(again.file(url))) for url in feeds} == before

    # A new story gets a new id at the top; every existing entry keeps its id.
    root = write_files(tmp_path / "grown", {
        **{p.relative_to(sample.root).as_posix(): p.read_text("utf-8")
           for p in sample.root.rglob("*")
           if p.is_file() and ".newsgen-cache" not in p.parts},
        "articles/2024/breaking.md": article("Breaking news arrives", topics=["ASEAN"],
                                             date="2024-07-01 08:00:00+07:00"),
    })
    grown = build_at(root, tmp_path / "grown-out")
    for url in ("/feed.xml", "/topics/asean/feed.xml"):
        feed = parse_feed(grown.file(url))
        assert feed.entries[0].title == "Breaking news arrives"
        assert feed.entries[0].id not in before[url].values()
        old = {link: id_ for link, id_ in ids(feed).items() if link in before[url]}
        assert old == before[url], url


def test_entry_content_is_the_body_html_whatever_it_holds(tmp_path: Path) -> None:
    """The Atom and RSS content (CDATA sections) reads back, in an XML parser, as the very
    HTML the JSON Feed carries, also when that holds "]]>" (which ends a section), markup
    and entities; feed readers get the same."""
    body = ("Text with <b>bold</b> &amp; an entity.\n\n<!-- a note ]]> for editors -->\n\n"
            "A `]]>` in code, and ]]]]> in text.")
    root = write_files(tmp_path / "site", {
        "newsgen.yaml": "title: Feeds\nbase_url: https://feeds.example.org/\n",
        "articles/a.md": article("Odd body", body=body, source="Wire")})
    built = build_at(root, tmp_path / "out")
    expected = json.loads(built.file("/feed.json").read_text())["items"][0]["content_html"]
    atom = ElementTree.parse(built.file("/feed.xml")).getroot()
    ns = {"atom": "http://www.w3.org/2005/Atom"}
    content = atom.find("atom:entry/atom:content", ns)
    assert content is not None and content.get("type") == "html"
    assert content.text == expected
    assert "<!-- a note ]]> for editors -->" in expected and "&amp; an entity" in expected
    assert expected.endswith("<p>Source: Wire</p>")
    rss = ElementTree.parse(built.file("/rss.xml")).getroot()
    encoded = rss.find("channel/item/{http://purl.org/rss/1.0/modules/content/}encoded")
    assert encoded is not None and encoded.text == content.text
    entry = parse_feed(built.file("/feed.xml")).entries[0]
    assert "<b>bold</b>" in entry.content[0].value
    assert "<code>]]&gt;</code>" in entry.content[0].value
    assert "]]]]&gt; in text" in entry.content[0].value


def test_cdata_takes_markup_as_it_is() -> None:
    """A custom template may pass Markup (``body_html | safe | cdata``): the section holds
    its text as it is, the end marker split, not escaped by Markup's own ``replace``."""
    assert cdata(Markup("<b>a ]]> b</b>")) == "<![CDATA[<b>a ]]]]><![CDATA[> b</b>]]>"
    assert ElementTree.fromstring(f"<c>{cdata(Markup('<b>a ]]> b</b>'))}</c>").text == (
        "<b>a ]]> b</b>")
