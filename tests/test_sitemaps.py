"""Sitemaps as search engines read them: /sitemap.xml (an index of parts: the listings,
then a part per month, each split above 50,000 URLs), /news-sitemap.xml for Google News,
and robots.txt pointing at both."""

from __future__ import annotations

import dataclasses
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers_news import BUDGET_URL, FLOODS_URL, build_newsroom

from newsgen.config import SiteConfig
from newsgen.index import build_site
from newsgen.models import Article
from newsgen.pages import plan_pages
from newsgen.render import make_env, render_page
from newsgen.sitemaps import SITEMAP_LIMIT, plan_sitemaps

from conftest import BUILD_TIME, article
from helpers_site import (
    Built,
    build_sample,
    file_to_url,
    html_files,
    sitemap_locs,
    sitemap_parts,
)

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
BASE = "https://news.example.com/"


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_newsroom(tmp_path_factory.mktemp("sitemaps"))


def locs(root: ET.Element) -> dict[str, str | None]:
    return {u.findtext(f"{SM}loc") or "": u.findtext(f"{SM}lastmod")
            for u in root.findall(f"{SM}url")}


def indexable_pages(built: Built) -> set[str]:
    """Every HTML page but the 404 and search pages and later pages of listings."""
    return {file_to_url(built.out, p) for p in html_files(built.out)} - {"/404.html",
                                                                         "/search/"} - {
        url for url in (file_to_url(built.out, p) for p in html_files(built.out))
        if "/page/" in url}


def test_sitemap_index_parts_list_every_indexable_page_once_with_lastmod(
        newsroom: Built) -> None:
    parts = sitemap_parts(newsroom.out, BASE)
    # The listings first, then a part per month of articles, newest first.
    assert list(parts) == [f"{BASE}sitemaps/{name}.xml" for name in (
        "pages", "2024-12", "2024-11", "2023-06")]
    listed: dict[str, str | None] = {}
    for url, (part_lastmod, part) in parts.items():
        mine = locs(part)
        assert len(part.findall(f"{SM}url")) == len(mine)
        assert not listed.keys() & mine.keys()  # each URL in one part
        listed |= mine
        # A part's lastmod is its newest entry's: a crawler reads again only what changed.
        assert part_lastmod == max(m for m in mine.values() if m)
        if url.endswith("/pages.xml"):
            assert not any(BASE + "20" in loc for loc in mine)
        else:
            month = url.rsplit("/", 1)[1].removesuffix(".xml")
            assert {newsroom.html(loc.removeprefix(BASE[:-1])).find("time").get("datetime")[:7]
                    for loc in mine} == {month}
    assert set(listed) == {BASE + url.lstrip("/") for url in indexable_pages(newsroom)}
    assert listed[BASE + BUDGET_URL.lstrip("/")] == "2025-01-01T06:30:00+07:00"  # corrected
    assert listed[BASE + FLOODS_URL.lstrip("/")] == "2024-12-30T15:00:00+07:00"  # updated
    assert listed[BASE + "authors/lan-nguyen/"] == "2025-01-01T06:30:00+07:00"
    assert listed[BASE + "archive/2023/06/"] == "2023-06-01T00:00:00+07:00"
    for lastmod in listed.values():
        if lastmod:
            assert datetime.fromisoformat(lastmod).utcoffset() is not None


def test_sample_sitemap_covers_every_indexable_page(tmp_path: Path) -> None:
    sample = build_sample(tmp_path)
    listed = sitemap_locs(sample.out, sample.config.base_url)
    base = sample.config.base_url
    assert len(listed) == len(set(listed))
    assert set(listed) == {base + url.lstrip("/") for url in indexable_pages(sample)}


def test_parts_above_the_limit_are_split(newsroom: Built) -> None:
    site = newsroom_site(newsroom)
    env = make_env(site)
    all_urls = set(sitemap_locs(newsroom.out, BASE))
    pages = {p.url: p for p in plan_sitemaps(site, limit=5)}
    index = ET.fromstring(render_page(pages["/sitemap.xml"], env))
    assert index.tag == f"{SM}sitemapindex"
    parts = [(s.findtext(f"{SM}loc") or "").removeprefix(BASE[:-1])
             for s in index.findall(f"{SM}sitemap")]
    assert parts[:2] == ["/sitemaps/pages.xml", "/sitemaps/pages-2.xml"]
    assert set(parts) == set(pages) - {"/sitemap.xml", "/news-sitemap.xml"}
    seen: list[str] = []
    for url in parts:
        part = ET.fromstring(render_page(pages[url], env))
        assert part.tag == f"{SM}urlset"
        assert 1 <= len(part.findall(f"{SM}url")) <= 5
        seen += list(locs(part))
    assert sorted(seen) == sorted(all_urls)


def newsroom_site(built: Built):  # the indexed site of an already built newsroom
    from newsgen.content import load_articles

    articles, _, _ = load_articles(built.config, jobs=1)
    return build_site(articles, built.config)[0]


def test_news_sitemap_lists_the_last_48_hours_with_publication(newsroom: Built) -> None:
    root = ET.parse(newsroom.file("/news-sitemap.xml")).getroot()
    assert root.tag == f"{SM}urlset"
    urls = root.findall(f"{SM}url")
    # 12 and 45 hours before the build: in. 4 days before, the embargoed and the scheduled
    # story (after the build time): out.
    assert [u.findtext(f"{SM}loc") for u in urls] == [BASE + BUDGET_URL.lstrip("/"),
                                                      BASE + FLOODS_URL.lstrip("/")]
    news = urls[0].find(f"{NEWS}news")
    assert news is not None
    assert news.findtext(f"{NEWS}publication/{NEWS}name") == "Delta Daily"
    assert news.findtext(f"{NEWS}publication/{NEWS}language") == "vi"
    assert news.findtext(f"{NEWS}publication_date") == "2024-12-31T19:00:00+07:00"
    assert news.findtext(f"{NEWS}title") == "Budget vote passes"
    robots = newsroom.read("/robots.txt").splitlines()
    assert f"Sitemap: {BASE}sitemap.xml" in robots
    assert f"Sitemap: {BASE}news-sitemap.xml" in robots


def test_news_sitemap_window_edges_and_the_1000_limit() -> None:
    config = SiteConfig(root=Path("/site"), build_time=BUILD_TIME, related_limit=0)

    def at(i: int, moment: datetime) -> Article:
        return Article(source_path=f"articles/{i}.md", title=f"Story {i}", date=moment,
                       slug=f"story-{i}", url=f"/s/story-{i}/", body_utf8=b"<p>x</p>",
                       summary="x")

    edge = [at(1, BUILD_TIME - timedelta(hours=48)), at(2, BUILD_TIME),
            at(3, BUILD_TIME - timedelta(hours=48, seconds=1)),
            at(4, BUILD_TIME + timedelta(seconds=1))]
    site = build_site(edge, dataclasses.replace(config, future=True))[0]
    from newsgen.sitemaps import news_articles

    assert [a.title for a in news_articles(site)] == ["Story 2", "Story 1"]
    many = [at(i, BUILD_TIME - timedelta(minutes=i)) for i in range(1, 1201)]
    site = build_site(many, config)[0]
    found = news_articles(site)
    assert len(found) == 1000
    assert [a.title for a in found[:2]] == ["Story 1", "Story 2"]
    assert found[-1].title == "Story 1000"


@pytest.mark.slow
def test_a_month_of_just_over_50000_articles_gets_two_parts(tmp_path: Path) -> None:
    """Metadata-only articles (no Markdown to convert, tiny bodies), indexed and planned as a
    build does; the sitemap pages are rendered and written out and read back."""
    started = time.perf_counter()
    config = SiteConfig(root=tmp_path, base_url=BASE, build_time=BUILD_TIME, related_limit=0)
    first = datetime(2024, 1, 2, tzinfo=UTC)
    n = SITEMAP_LIMIT + 1  # one every 30 seconds: all in January
    articles = [
        Article(source_path=f"articles/{i}.md", title=f"Story {i}",
                date=(moment := first + timedelta(seconds=30 * i)), slug=f"story-{i}",
                url=f"/{moment:%Y}/{moment:%m}/story-{i}/", body_utf8=b"<p>x</p>",
                summary="x")
        for i in range(n)]
    site, _ = build_site(articles, config)
    pages = [p for p in plan_pages(site) if "sitemap" in p.url]
    env = make_env(site)
    out = tmp_path / "out"
    for page in pages:
        path = out / page.output_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_page(page, env), encoding="utf-8")

    index = ET.parse(out / "sitemap.xml").getroot()
    assert index.tag == f"{SM}sitemapindex"
    parts = [s.findtext(f"{SM}loc") for s in index.findall(f"{SM}sitemap")]
    assert parts == [f"{BASE}sitemaps/{name}.xml" for name in ("pages", "2024-01",
                                                               "2024-01-2")]
    assert all(s.findtext(f"{SM}lastmod") for s in index.findall(f"{SM}sitemap"))
    seen_articles = 0
    for name in ("2024-01.xml", "2024-01-2.xml"):
        part = ET.parse(out / "sitemaps" / name).getroot()
        assert part.tag == f"{SM}urlset"
        urls = [u.findtext(f"{SM}loc") or "" for u in part.findall(f"{SM}url")]
        assert all("/story-" in u for u in urls)
        assert len(urls) <= SITEMAP_LIMIT
        seen_articles += len(urls)
        assert (out / "sitemaps" / name).stat().st_size < 50 * 1024 * 1024
    assert seen_articles == n
    news = ET.parse(out / "news-sitemap.xml").getroot()
    assert len(news.findall(f"{SM}url")) == 0  # all of these are long before the build
    assert time.perf_counter() - started < 60


def test_a_month_at_the_limit_keeps_a_single_part(newsroom: Built) -> None:
    site = newsroom_site(newsroom)
    biggest = max(len(locs(part)) for _, part in sitemap_parts(newsroom.out, BASE).values())
    assert not [p.url for p in plan_sitemaps(site, limit=biggest) if "-2.xml" in p.url]
    assert [p.url for p in plan_sitemaps(site, limit=biggest - 1) if "-2.xml" in p.url]


def test_sitemaps_survive_hostile_titles(tmp_path: Path) -> None:
    built = build_newsroom(tmp_path, {"articles/x.md": article(
        "Rates < 5% & \"falling\" </loc>", date="2024-12-31 20:00:00+07:00")})
    root = ET.parse(built.file("/news-sitemap.xml")).getroot()
    titles = [u.findtext(f"{NEWS}news/{NEWS}title") for u in root.findall(f"{SM}url")]
    assert 'Rates < 5% & "falling" </loc>' in titles
