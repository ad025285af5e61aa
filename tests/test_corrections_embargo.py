"""Corrections, `updated`, embargoes, the next publish time, reading time and the table of
contents: from front matter to what a reader, a feed reader and a scheduler see."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from helpers_news import (
    BUDGET_URL,
    EMBARGO,
    EMBARGOED_SLUG,
    EMBARGOED_TITLE,
    FLOODS_URL,
    SCHEDULED,
    build_newsroom,
    files_mentioning,
    json_ld,
)

from newsgen.cli import main
from newsgen.config import SiteConfig
from newsgen.content import parse_article
from newsgen.errors import ContentError
from newsgen.index import build_site

from conftest import BUILD_TIME, article, write_files
from helpers_site import Built, build_at, parse_html, sitemap_locs

CONFIG = SiteConfig(root=Path("/site"), timezone="Asia/Ho_Chi_Minh", build_time=BUILD_TIME)
ATOM = "{http://www.w3.org/2005/Atom}"


def parse(text: str, config: SiteConfig = CONFIG):
    parsed, warnings = parse_article(text, "articles/story.md", config)
    assert warnings == [], [str(w) for w in warnings]
    return parsed


def problems(text: str) -> list[str]:
    with pytest.raises(ContentError) as info:
        parse_article(text, "articles/story.md", CONFIG)
    return [str(p) for p in info.value.problems]


def fm(*lines: str, body: str = "Body text.") -> str:
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_newsroom(tmp_path_factory.mktemp("newsroom"))


# --- front matter ---------------------------------------------------------------------------


def test_corrections_are_parsed_oldest_first_and_set_modified() -> None:
    a = parse(fm("title: T", "date: 2024-01-30 09:00", "corrections:",
                 "  - date: 2024-02-03", "    text: Second  fix.",
                 "  - {date: '2024-02-01 10:00', text: First fix}"))
    assert [(c.date.isoformat(), c.text) for c in a.corrections] == [
        ("2024-02-01T10:00:00+07:00", "First fix"), ("2024-02-03T00:00:00+07:00", "Second fix.")]
    assert a.modified == a.corrections[-1].date


def test_updated_alone_sets_modified_and_the_latest_of_both_wins() -> None:
    a = parse(fm("title: T", "date: 2024-01-30 09:00", "updated: 2024-02-05 08:00",
                 "corrections: [{date: 2024-02-01, text: Fixed}]"))
    assert a.modified.isoformat() == "2024-02-05T08:00:00+07:00"
    b = parse(fm("title: T", "date: 2024-01-30 09:00", "updated: 2024-01-31 08:00"))
    assert b.modified.isoformat() == "2024-01-31T08:00:00+07:00"


@pytest.mark.parametrize(("lines", "expected"), [
    (["corrections: fixed the name"], "articles/story.md:4: 'corrections' must be a list"),
    (["corrections:", "  - just text"], "articles/story.md:4: 'corrections' entry 1 must be a "
                                        "mapping with 'date' and 'text'"),
    (["corrections:", "  - {text: Fixed}"], "articles/story.md:4: 'corrections' entry 1: "
                                            "'date' is missing"),
    (["corrections:", "  - {date: 2024-02-30, text: Fixed}"],
     "articles/story.md:4: 'corrections' entry 1: 'date': '2024-02-30' is not a valid date"),
    (["corrections:", "  - {date: 2024-02-03, text: ''}"],
     "articles/story.md:4: 'corrections' entry 1: 'text' is empty"),
    (["corrections:", "  - {date: 2024-02-03, txt: Fixed}"],
     "articles/story.md:4: 'corrections' entry 1: unknown key 'txt' (did you mean 'text'?)"),
    (["embargo: next tuesday"], "articles/story.md:4: 'embargo': 'next tuesday' is not a valid "
                                "date"),
    (["toc: yes please"], "articles/story.md:4: 'toc' must be true or false"),
])
def test_bad_new_keys_are_errors_with_file_and_line(lines: list[str], expected: str) -> None:
    found = problems(fm("title: T", "date: 2024-01-30", *lines))
    assert len(found) == 1, found
    assert found[0].startswith(expected), found


def test_all_problems_of_a_corrections_list_are_reported_together() -> None:
    found = problems(fm("title: T", "date: 2024-01-30", "corrections:",
                        "  - {text: A}", "  - {date: 2024-13-01, text: B}", "  - 3"))
    assert [p.split(": ", 2)[1] for p in found] == [
        "'corrections' entry 1", "'corrections' entry 2", "'corrections' entry 3 must be a "
        "mapping with 'date' and 'text', not a number (3)"]


def test_reading_time_counts_words_of_the_body() -> None:
    short = parse(fm("title: T", "date: 2024-01-30", body="A few words."))
    long = parse(fm("title: T", "date: 2024-01-30", body=" ".join(["word"] * 1150)))
    assert (short.reading_minutes, long.reading_minutes) == (1, 5)


def test_toc_is_built_only_when_asked_for() -> None:
    body = "Intro.\n\n## One & two\n\n### Deeper\n\n## Content\n\nText."
    plain = parse(fm("title: T", "date: 2024-01-30", body=body))
    assert plain.toc == ()
    with_toc = parse(fm("title: T", "date: 2024-01-30", "toc: true", body=body))
    tree = [(h.id, h.name, [(c.id, c.name) for c in h.children]) for h in with_toc.toc]
    # "Content" would be the id of <main>: the heading gets another one.
    assert tree == [("one-two", "One & two", [("deeper", "Deeper")]),
                    ("content-section", "Content", [])]
    assert 'id="content-section"' in with_toc.body_html


# --- embargo and the next publish time ------------------------------------------------------


def _site(config: SiteConfig, **texts: str):
    articles = [parse(text, config) for text in texts.values()]
    return build_site(articles, config)[0]


def test_embargo_holds_even_with_future_and_next_publish_is_the_earliest_release() -> None:
    texts = {
        "now": fm("title: Out now", "date: 2024-12-01"),
        "embargoed": fm("title: Embargoed", "date: 2024-12-01", f"embargo: {EMBARGO}"),
        "scheduled": fm("title: Scheduled", "date: 2025-01-03 08:00"),
        "both": fm("title: Both", "date: 2025-01-05 08:00", "embargo: 2025-01-04 08:00"),
        "lifted": fm("title: Lifted", "date: 2024-12-01", "embargo: 2024-12-31 08:00"),
        "draft": fm("title: Draft", "date: 2024-12-31 20:00", "draft: true"),
    }
    site = _site(CONFIG, **texts)
    assert [a.title for a in site.articles] == ["Lifted", "Out now"]
    assert (site.held_back_embargoed, site.held_back_future, site.held_back_drafts) == (2, 1, 1)
    assert site.next_publish is not None
    assert site.next_publish.isoformat() == "2025-01-02T09:00:00+07:00"

    future = _site(dataclasses.replace(CONFIG, future=True), **texts)
    assert [a.title for a in future.articles] == ["Scheduled", "Lifted", "Out now"]
    assert future.next_publish is not None
    assert future.next_publish.isoformat() == "2025-01-02T09:00:00+07:00"

    # Without the embargoed story, "Both" is due when its date and its embargo have passed.
    del texts["embargoed"], texts["scheduled"]
    assert _site(CONFIG, **texts).next_publish == datetime(2025, 1, 5, 1, 0, tzinfo=UTC)
    del texts["both"]
    assert _site(CONFIG, **texts).next_publish is None


def test_embargoed_article_appears_nowhere_in_the_output(newsroom: Built) -> None:
    assert newsroom.result.held_back_embargoed == 1
    assert files_mentioning(newsroom.out, EMBARGOED_TITLE, EMBARGOED_SLUG) == []
    # Its only topic of its own gets no page; its shared topic lists only the others.
    assert not (newsroom.out / "topics" / "business").exists()
    assert "Secret" not in newsroom.read("/topics/economy/")


def test_embargoed_article_stays_out_with_future_too(tmp_path: Path) -> None:
    built = build_newsroom(tmp_path, future=True)
    assert built.file("/2025/01/new-bridge-opens/").is_file()  # --future did publish
    assert files_mentioning(built.out, EMBARGOED_TITLE, EMBARGOED_SLUG) == []


def test_embargoed_article_is_published_once_the_embargo_has_passed(tmp_path: Path) -> None:
    later = datetime(2025, 1, 2, 2, 0, tzinfo=UTC)  # 09:00 in Hồ Chí Minh City
    built = build_newsroom(tmp_path, build_time=later)
    url = f"/2024/12/{EMBARGOED_SLUG}/"
    assert built.html(url).find("h1").text() == EMBARGOED_TITLE
    assert f"https://news.example.com{url}" in sitemap_locs(built.out, built.config.base_url)
    assert built.result.next_publish is None


def test_summary_and_print_next_publish_tell_a_scheduler_when_to_build(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from helpers_news import FILES

    root = write_files(tmp_path / "site", FILES)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(BUILD_TIME.timestamp())))
    out = str(tmp_path / "out")
    assert main(["build", "--site", str(root), "--output", out]) == 0
    line = capsys.readouterr().out.strip()
    assert "(1 scheduled and 1 embargoed held back; next due 2025-01-01T18:00:00+07:00)" in line

    assert main(["build", "--site", str(root), "--output", out, "--print-next-publish"]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"{SCHEDULED.replace(' ', 'T')}\n"
    assert datetime.fromisoformat(captured.out.strip()) > BUILD_TIME

    assert main(["build", "--site", str(root), "--output", out, "--future",
                 "--print-next-publish"]) == 0
    assert capsys.readouterr().out == f"{EMBARGO.replace(' ', 'T')}\n"

    # Nothing waiting: nothing printed, and still a successful build.
    (root / "articles" / "embargoed.md").unlink()
    assert main(["build", "--site", str(root), "--output", out, "--future",
                 "--print-next-publish"]) == 0
    assert capsys.readouterr().out == ""


# --- corrections as a reader sees them ------------------------------------------------------


def test_article_shows_a_dated_corrections_box_and_updated_line(newsroom: Built) -> None:
    page = newsroom.html(BUDGET_URL)
    box = page.find("aside", cls="corrections")
    assert box.get("id") == "corrections"
    items = box.find_all("li")
    assert [li.find("time").get("datetime") for li in items] == [
        "2024-12-31T22:00:00+07:00", "2025-01-01T06:30:00+07:00"]
    assert items[1].text().endswith("The margin was 12 votes, not 21.")
    assert page.find("p", cls="correction-notice").find("a").get("href") == "#corrections"
    updated = page.find("span", cls="updated").find("time")
    assert updated.get("datetime") == "2025-01-01T06:30:00+07:00"
    (data,) = json_ld(newsroom.read(BUDGET_URL))
    assert data["dateModified"] == "2025-01-01T06:30:00+07:00"
    assert data["datePublished"] == "2024-12-31T19:00:00+07:00"

    floods = newsroom.html(FLOODS_URL)
    assert floods.find_all("aside", cls="corrections") == []
    assert floods.find("span", cls="updated").find("time").get("datetime") == (
        "2024-12-30T15:00:00+07:00")
    assert json_ld(newsroom.read(FLOODS_URL))[0]["dateModified"] == "2024-12-30T15:00:00+07:00"
    # No correction, no update: no "Updated" line.
    assert newsroom.html("/2024/11/rice-harvest-up/").find_all("span", cls="updated") == []


def test_corrections_page_lists_every_correction_newest_first(newsroom: Built) -> None:
    page = newsroom.html("/corrections/")
    entries = page.find("ol", cls="corrections-list").find_all("li")
    shown = [(e.find("time").get("datetime"), e.find("a").get("href"),
              e.find("p", cls="correction-text").text()) for e in entries]
    assert shown == [
        ("2025-01-01T06:30:00+07:00", f"{BUDGET_URL}#corrections",
         "The margin was 12 votes, not 21."),
        ("2024-12-31T22:00:00+07:00", f"{BUDGET_URL}#corrections",
         "An earlier version misspelt the finance minister's name."),
    ]
    footer_links = [a.get("href") for a in newsroom.html("/").find("footer").find_all("a")]
    assert "/corrections/" in footer_links


def test_corrections_page_exists_and_says_so_when_there_are_none(tmp_path: Path) -> None:
    root = write_files(tmp_path / "site", {"articles/a.md": article("Plain story")})
    built = build_at(root, tmp_path / "out")
    page = built.html("/corrections/")
    assert page.find("p", cls="empty").text() == "No corrections have been published."


def test_feed_entries_are_updated_by_corrections_and_carry_them(newsroom: Built) -> None:
    feed = feedparser.parse(newsroom.file("/feed.xml").read_bytes())
    assert feed.bozo == 0
    entry = next(e for e in feed.entries if e.link.endswith(BUDGET_URL))
    assert entry.updated == "2025-01-01T06:30:00+07:00"
    assert entry.published == "2024-12-31T19:00:00+07:00"
    content = parse_html(entry.content[0].value).text()
    assert "Correction, 1 January 2025: The margin was 12 votes, not 21." in content
    assert content.endswith("Source: NDO")
    root = ET.parse(newsroom.file("/feed.xml")).getroot()
    assert root.findtext(f"{ATOM}updated") == "2025-01-01T06:30:00+07:00"
    items = json.loads(newsroom.read("/feed.json"))["items"]
    budget = next(i for i in items if i["url"].endswith(BUDGET_URL))
    assert budget["date_modified"] == "2025-01-01T06:30:00+07:00"


# --- reading time and table of contents on the page -----------------------------------------


def test_article_page_shows_reading_time_and_the_table_of_contents(newsroom: Built) -> None:
    page = newsroom.html(BUDGET_URL)
    assert page.find("span", cls="reading-time").text() == "1 min read"
    toc = page.find("nav", cls="toc")
    links = [(a.get("href"), a.text()) for a in toc.find_all("a")]
    assert links == [("#the-vote", "The vote"), ("#who-voted-how", "Who voted how"),
                     ("#what-comes-next", "What comes next")]
    # Nested: "Who voted how" is under "The vote".
    first = toc.find("ol").find("li")
    assert [a.text() for a in first.find("ol").find_all("a")] == ["Who voted how"]
    ids = {e.get("id") for e in page.iter() if e.get("id")}
    assert {"the-vote", "who-voted-how", "what-comes-next"} <= ids
    # Articles without toc: true get none.
    assert newsroom.html(FLOODS_URL).find_all("nav", cls="toc") == []
