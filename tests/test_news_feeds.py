"""Every feed a newsroom publishes, read the way feed readers read them: Atom for the site
and each topic, author and source; RSS 2.0 and JSON Feed 1.1 of the site feed."""

from __future__ import annotations

import json
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from helpers_news import BUDGET_URL, FILES, build_newsroom

from conftest import article, write_files
from helpers_site import Built, build_at, build_sample

BASE = "https://news.example.com/"


def parse_feed(path: Path, version: str = "atom10") -> Any:
    feed = feedparser.parse(path.read_bytes())
    assert feed.bozo == 0, f"{path}: {feed.get('bozo_exception')!r}"
    assert feed.version == version, path
    return feed


def feed_files(built: Built) -> dict[str, Path]:
    """Site URL -> file of every feed in the output."""
    found = {}
    for path in sorted(built.out.rglob("*")):
        if path.name in ("feed.xml", "rss.xml", "feed.json"):
            found["/" + path.relative_to(built.out).as_posix()] = path
    return found


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_newsroom(tmp_path_factory.mktemp("feeds-newsroom"))


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_sample(tmp_path_factory.mktemp("feeds-sample"))


def test_every_feed_kind_is_written_and_parses_cleanly(newsroom: Built, sample: Built) -> None:
    for built in (newsroom, sample):
        feeds = feed_files(built)
        kinds = {url.split("/")[1] if url.count("/") > 1 else url for url in feeds}
        assert kinds == {"/feed.xml", "/rss.xml", "/feed.json", "topics", "authors", "sources"}
        for url, path in feeds.items():
            if url == "/rss.xml":
                parse_feed(path, "rss20")
            elif url == "/feed.json":
                json.loads(path.read_text("utf-8"))
            else:
                parse_feed(path)
    expected = {"/feed.xml", "/rss.xml", "/feed.json",
                *(f"/topics/{t}/feed.xml" for t in ("economy", "parliament", "weather",
                                                    "transport")),
                "/authors/lan-nguyen/feed.xml", "/authors/minh-tran/feed.xml",
                "/sources/ndo/feed.xml", "/sources/vna/feed.xml"}
    assert set(feed_files(newsroom)) == expected


def test_entries_are_newest_first_in_every_feed(newsroom: Built, sample: Built) -> None:
    for built in (newsroom, sample):
        for url, path in feed_files(built).items():
            if url == "/feed.json":
                items = json.loads(path.read_text("utf-8"))["items"]
                dates = [datetime.fromisoformat(i["date_published"]) for i in items]
            elif url == "/rss.xml":
                dates = [parsedate_to_datetime(e.published)
                         for e in parse_feed(path, "rss20").entries]
            else:
                dates = [datetime.fromisoformat(e.published) for e in parse_feed(path).entries]
            assert dates, url
            assert dates == sorted(dates, reverse=True), url


def test_author_and_source_feeds_hold_exactly_their_articles(newsroom: Built) -> None:
    def links(url: str) -> list[str]:
        return [e.link for e in parse_feed(newsroom.file(url)).entries]

    assert links("/authors/lan-nguyen/feed.xml") == [
        BASE + "2024/12/budget-vote-passes/", BASE + "2024/12/floods-hit-the-delta/"]
    assert links("/authors/minh-tran/feed.xml") == [
        BASE + "2024/12/budget-vote-passes/", BASE + "2024/11/rice-harvest-up/"]
    assert links("/sources/vna/feed.xml") == [
        BASE + "2024/12/floods-hit-the-delta/", BASE + "2024/12/ferry-timetable-changes/"]
    feed = parse_feed(newsroom.file("/authors/minh-tran/feed.xml"))
    assert feed.feed.title == "Minh Trần — Delta Daily"
    assert feed.feed.link == BASE + "authors/minh-tran/"
    budget = feed.entries[0]
    assert [(a.name, a.href) for a in budget.authors] == [
        ("Lan Nguyen", BASE + "authors/lan-nguyen/"), ("Minh Trần", BASE + "authors/minh-tran/")]
    assert parse_feed(newsroom.file("/sources/ndo/feed.xml")).feed.link == BASE + "sources/ndo/"


def test_rss_feed_has_channel_and_items_readers_need(newsroom: Built) -> None:
    rss = parse_feed(newsroom.file("/rss.xml"), "rss20")
    assert rss.feed.title == "Delta Daily"
    assert rss.feed.link == BASE
    assert rss.feed.subtitle == "News from the Mekong delta."
    assert rss.feed.language == "vi"
    atom = parse_feed(newsroom.file("/feed.xml"))
    assert [e.link for e in rss.entries] == [e.link for e in atom.entries]
    for item, entry in zip(rss.entries, atom.entries, strict=True):
        assert item.id == item.link == entry.id  # the guid is the permalink
        assert item.title == entry.title
        assert parsedate_to_datetime(item.published) == datetime.fromisoformat(entry.published)
        assert item.summary == entry.summary
        assert item.content[0].value == entry.content[0].value
    budget = next(e for e in rss.entries if e.link == BASE + BUDGET_URL.lstrip("/"))
    assert [t.term for t in budget.tags] == ["Economy", "Parliament"]
    assert [a.get("name") for a in budget.authors] == ["Lan Nguyen", "Minh Trần"]


def test_json_feed_has_the_required_fields_of_version_1_1(newsroom: Built,
                                                          sample: Built) -> None:
    for built in (newsroom, sample):
        base = built.config.base_url
        feed = json.loads(built.read("/feed.json"))
        assert feed["version"] == "https://jsonfeed.org/version/1.1"
        assert isinstance(feed["title"], str) and feed["title"] == built.config.title
        assert feed["home_page_url"] == base
        assert feed["feed_url"] == base + "feed.json"
        items = feed["items"]
        assert isinstance(items, list) and items
        assert len({i["id"] for i in items}) == len(items)
        for item in items:
            assert isinstance(item["id"], str) and item["id"].startswith(base)
            assert item["url"] == item["id"]
            assert built.file("/" + item["url"][len(base):]).is_file()
            assert isinstance(item.get("content_html") or item.get("content_text"), str)
            datetime.fromisoformat(item["date_published"])  # RFC 3339
            assert item["date_modified"] >= item["date_published"]
            for author in item.get("authors", []):
                assert author["name"] and author["url"].startswith(base + "authors/")
    items = json.loads(newsroom.read("/feed.json"))["items"]
    budget = items[0]
    assert budget["title"] == "Budget vote passes"
    assert budget["tags"] == ["Economy", "Parliament"]
    assert budget["image"] == BASE + "static/img/vote.jpg"
    assert budget["external_url"] == "https://example.org/ndo/budget"
    assert "<h3 id=\"the-vote\">The vote</h3>" in budget["content_html"]


def test_json_feed_escapes_nothing_by_hand(tmp_path: Path) -> None:
    """Quotes, backslashes, control characters and </script> survive as data."""
    title = 'Quote " backslash \\ tab\there </script> & “curly”'
    root = write_files(tmp_path / "site", {
        "articles/a.md": article(title, summary='Line "one"', body="x \\ y \"z\"")})
    built = build_at(root, tmp_path / "out")
    item = json.loads(built.read("/feed.json"))["items"][0]
    assert item["title"] == " ".join(title.split())
    assert item["summary"] == 'Line "one"'
    assert item["content_html"].startswith('<p>x \\ y "z"</p>')


def test_feed_ids_are_stable_across_builds_and_as_articles_arrive(newsroom: Built,
                                                                  tmp_path: Path) -> None:
    def ids(built: Built) -> dict[str, list[str]]:
        found = {}
        for url, path in feed_files(built).items():
            if url == "/feed.json":
                found[url] = [i["id"] for i in json.loads(path.read_text("utf-8"))["items"]]
            else:
                version = "rss20" if url == "/rss.xml" else "atom10"
                found[url] = [e.id for e in parse_feed(path, version).entries]
        return found

    first = ids(newsroom)
    again = build_newsroom(tmp_path / "again")
    assert ids(again) == first
    grown = build_newsroom(tmp_path / "grown", {
        "articles/new.md": article("Port reopens", date="2024-12-31 21:00:00+07:00",
                                   author="Lan Nguyen", source="NDO", topics=["Economy"])})
    after = ids(grown)
    new_id = BASE + "2024/12/port-reopens/"
    for url in ("/feed.xml", "/rss.xml", "/feed.json", "/topics/economy/feed.xml",
                "/authors/lan-nguyen/feed.xml", "/sources/ndo/feed.xml"):
        assert after[url][0] == new_id, url
        assert after[url][1:] == first[url], url
    assert after["/topics/weather/feed.xml"] == first["/topics/weather/feed.xml"]


def test_summary_feed_content_leaves_the_body_out(tmp_path: Path) -> None:
    files = {**FILES, "newsgen.yaml": FILES["newsgen.yaml"] + "feed_content: summary\n"}
    built = build_newsroom(tmp_path, files)
    atom = parse_feed(built.file("/feed.xml"))
    assert all("content" not in e for e in atom.entries)
    assert atom.entries[0].summary == "The 2025 budget passed by a narrow margin."
    rss = parse_feed(built.file("/rss.xml"), "rss20")
    assert all("content" not in e for e in rss.entries)
    items = json.loads(built.read("/feed.json"))["items"]
    assert all("content_html" not in i for i in items)
    assert items[0]["content_text"] == "The 2025 budget passed by a narrow margin."


def test_feeds_config_chooses_the_formats_written(tmp_path: Path) -> None:
    files = {**FILES, "newsgen.yaml": FILES["newsgen.yaml"] + "feeds: [rss, json]\n"}
    built = build_newsroom(tmp_path, files)
    assert set(feed_files(built)) == {"/rss.xml", "/feed.json"}
    home = built.html("/")
    assert [e.get("type") for e in home.find_all("link", rel="alternate")] == [
        "application/rss+xml", "application/feed+json"]
    hrefs = {a.get("href") for a in home.find_all("a")}
    assert {"/rss.xml", "/feed.json"} <= hrefs
    assert "/feed.xml" not in hrefs
    author = built.html("/authors/lan-nguyen/")
    assert "feed.xml" not in author.find("header", cls="listing-header").text()
