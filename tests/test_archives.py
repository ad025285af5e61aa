"""The archive: /archive/, /archive/{year}/ and /archive/{year}/{month}/, by date in the
site's time zone, at URLs that stay put as new articles arrive."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_news import build_newsroom

from newsgen.build import build
from newsgen.errors import ContentError

from conftest import MakeSite, article, site_config, write_files
from helpers_site import Built, build_at, build_sample, card_links


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_newsroom(tmp_path_factory.mktemp("archive"))


def headlines(built: Built, url: str) -> list[str]:
    return [a.get("href") or "" for ul in built.html(url).find_all("ul", cls="headline-list")
            for a in ul.find_all("a")]


def archive_urls(built: Built) -> set[str]:
    return {"/" + p.parent.relative_to(built.out).as_posix() + "/"
            for p in (built.out / "archive").rglob("index.html")}


def test_archive_index_lists_years_and_months_newest_first(newsroom: Built) -> None:
    page = newsroom.html("/archive/")
    years = page.find_all("section", cls="archive-year")
    assert [s.find("h2").find("a").get("href") for s in years] == ["/archive/2024/",
                                                                   "/archive/2023/"]
    assert [s.find("h2").find("span").text() for s in years] == ["4 articles", "1 article"]
    months = [(a.get("href"), a.text()) for a in years[0].find("ul").find_all("a")]
    assert months == [("/archive/2024/12/", "December 2024"),
                      ("/archive/2024/11/", "November 2024")]
    assert archive_urls(newsroom) == {"/archive/", "/archive/2024/", "/archive/2024/12/",
                                      "/archive/2024/11/", "/archive/2023/",
                                      "/archive/2023/06/"}
    nav = [a.get("href") for a in newsroom.html("/").find("nav", cls="site-nav").find_all("a")]
    assert "/archive/" in nav


def test_month_page_lists_its_articles_by_day_newest_first(newsroom: Built) -> None:
    page = newsroom.html("/archive/2024/12/")
    assert page.find("h1").text() == "December 2024"
    days = page.find_all("section", cls="archive-day")
    assert [d.find("h2").text() for d in days] == [
        "Tuesday, 31 December", "Monday, 30 December", "Saturday, 28 December"]
    assert [d.find("time").get("datetime") for d in days] == [
        "2024-12-31", "2024-12-30", "2024-12-28"]
    assert headlines(newsroom, "/archive/2024/12/") == [
        "/2024/12/budget-vote-passes/", "/2024/12/floods-hit-the-delta/",
        "/2024/12/ferry-timetable-changes/"]
    assert headlines(newsroom, "/archive/2024/") == [
        "/2024/12/budget-vote-passes/", "/2024/12/floods-hit-the-delta/",
        "/2024/12/ferry-timetable-changes/", "/2024/11/rice-harvest-up/"]


def test_months_are_those_of_the_site_time_zone(make_site: MakeSite, tmp_path: Path) -> None:
    root = make_site({
        "newsgen.yaml": "timezone: Asia/Ho_Chi_Minh\n",
        # 20:00 UTC on 31 January is 03:00 on 1 February in Hồ Chí Minh City.
        "articles/a.md": article("Late night in London", date="2024-01-31T20:00:00Z"),
    })
    built = build_at(root, tmp_path / "out")
    assert headlines(built, "/archive/2024/02/") == ["/2024/02/late-night-in-london/"]
    assert not built.file("/archive/2024/01/").exists()


def test_archive_urls_and_contents_stay_put_as_articles_arrive(newsroom: Built,
                                                              tmp_path: Path) -> None:
    before = {url: headlines(newsroom, url) for url in archive_urls(newsroom)}
    grown = build_newsroom(tmp_path, {
        "articles/new1.md": article("Ferry returns", date="2025-01-01 06:00:00+07:00"),
        **{f"articles/more{i}.md": article(f"Dec story {i}", date=f"2024-12-{i:02d} 08:00")
           for i in range(1, 6)},
    })
    after = {url: headlines(grown, url) for url in archive_urls(grown)}
    assert set(before) <= set(after)
    assert set(after) - set(before) == {"/archive/2025/", "/archive/2025/01/"}
    # A month that received nothing lists exactly what it listed before.
    for url in ("/archive/2024/11/", "/archive/2023/", "/archive/2023/06/"):
        assert after[url] == before[url], url
    # December keeps its stories and adds the new ones in date order.
    assert [u for u in after["/archive/2024/12/"] if u in before["/archive/2024/12/"]] == (
        before["/archive/2024/12/"])
    assert after["/archive/2024/12/"][-1] == "/2024/12/dec-story-1/"


def test_year_page_shows_ten_headlines_a_month_and_links_to_the_rest(tmp_path: Path) -> None:
    root = write_files(tmp_path / "site", {
        f"articles/s{i}.md": article(f"Story {i}", date=f"2024-03-{i:02d} 08:00")
        for i in range(1, 13)})
    built = build_at(root, tmp_path / "out")
    year = built.html("/archive/2024/")
    section = year.find("section", cls="archive-month")
    assert len(section.find("ul", cls="headline-list").find_all("li")) == 10
    more = section.find("p", cls="more").find("a")
    assert (more.get("href"), more.text()) == ("/archive/2024/03/",
                                               "All 12 articles of March 2024")
    assert len(headlines(built, "/archive/2024/03/")) == 12


def test_an_article_may_not_take_an_archive_url(tmp_path: Path) -> None:
    root = write_files(tmp_path / "site", {
        "newsgen.yaml": "permalink: /{slug}/\n",
        "articles/a.md": article("Archive"),
        "articles/b.md": article("Corrections"),
    })
    with pytest.raises(ContentError) as info:
        build(site_config(root, output_dir=tmp_path / "out"))
    message = str(info.value)
    assert "/archive/ would overwrite the site's own '/archive' pages" in message
    assert "/corrections/ would overwrite" in message


def test_empty_site_still_has_an_archive_page(tmp_path: Path) -> None:
    root = write_files(tmp_path / "site", {"articles/.keep": ""})
    built = build_at(root, tmp_path / "out")
    assert built.html("/archive/").find("p", cls="empty").text() == (
        "No articles have been published yet.")


def test_sample_archive_covers_every_published_article(tmp_path: Path) -> None:
    sample = build_sample(tmp_path)
    listed = [u for url in archive_urls(sample) if url.count("/") == 4
              for u in headlines(sample, url)]
    assert sorted(listed) == sorted(card_links(sample.html("/")) +
                                    card_links(sample.html("/page/2/")))
