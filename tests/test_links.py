"""End-to-end: every link and asset of a built site leads to a file that exists."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from helpers_site import (
    Built,
    Element,
    build_sample,
    file_to_url,
    html_files,
    parse_html,
    sitemap_locs,
)

LINK_ATTRIBUTES = ("href", "src", "poster", "action", "data")
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True)
class Link:
    page: str  # output file, relative
    line: int
    tag: str
    value: str

    def __str__(self) -> str:
        return f"{self.page}:{self.line}: <{self.tag}> {self.value!r}"


def links_of(out: Path, path: Path, page: Element) -> list[Link]:
    relative = path.relative_to(out).as_posix()
    found = []
    for element in page.iter():
        for name in LINK_ATTRIBUTES:
            value = element.get(name)
            if value is not None:
                found.append(Link(relative, element.line, element.tag, value))
        for candidate in (element.get("srcset") or "").split(","):
            if candidate.strip():
                found.append(Link(relative, element.line, element.tag,
                                  candidate.split()[0]))
    return found


class Site:
    """A built site read once: parsed pages and the ids each page defines."""

    def __init__(self, built: Built) -> None:
        self.built = built
        self.out = built.out
        self.base = urlsplit(built.config.base_url)
        self.pages = {p: parse_html(p.read_text("utf-8")) for p in html_files(self.out)}
        self.ids = {p: {e.get("id") for e in page.iter() if e.get("id")}
                    for p, page in self.pages.items()}

    def links(self) -> list[Link]:
        return [link for p, page in self.pages.items() for link in links_of(self.out, p, page)]

    def page_url(self, link: Link) -> str:
        """The absolute URL the page holding ``link`` is published at."""
        site_url = file_to_url(self.out, self.out / link.page)
        return self.built.config.absolute_url(site_url)

    def problem(self, link: Link) -> str | None:
        """Why an internal link is broken or leaves the site's base path; None if fine.

        Absolute links count as internal only when they start with base_url: others (an
        article's source, a link in its text) are external, even on the same host.
        """
        absolute = urlsplit(link.value).scheme or link.value.startswith("//")
        if absolute and not link.value.startswith(self.built.config.base_url):
            return None
        target = urlsplit(urljoin(self.page_url(link), link.value))
        if not target.path.startswith(self.base.path):
            return f"leaves the site's base path {self.base.path}"
        relative = target.path[len(self.base.path):]
        file = self.out / (relative + "index.html" if relative == "" or relative.endswith("/")
                           else relative)
        if not file.is_file():
            return f"no file {file.relative_to(self.out)}"
        if target.fragment and file.suffix == ".html" and target.fragment not in self.ids[file]:
            return f"no element with id={target.fragment!r} in {file.relative_to(self.out)}"
        return None

    def broken(self) -> list[str]:
        return [f"{link}: {why}" for link in self.links() if (why := self.problem(link))]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return Site(build_sample(tmp_path_factory.mktemp("links")))


@pytest.fixture(scope="module")
def sample_under_path(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return Site(build_sample(tmp_path_factory.mktemp("links-news"),
                             base_url="https://example.org/news/"))


def test_every_internal_link_and_asset_resolves(sample: Site) -> None:
    links = sample.links()
    internal = [link for link in links if link.value.startswith(("/", "#"))]
    # Sanity: the pages do link to each other, their stylesheet and in-page anchors.
    assert len(sample.pages) >= 30
    assert len(internal) > 500
    assert any(link.value == "/static/css/newsgen.css" for link in internal)
    assert any(link.value == "#content" for link in internal)
    assert sample.broken() == []


def test_every_page_of_the_site_is_reachable_by_links(sample: Site) -> None:
    """Every HTML page but the 404 page is linked from some other page."""
    linked = set()
    for link in sample.links():
        if link.value.startswith("/"):
            linked.add(link.value.split("#")[0])
    pages = {file_to_url(sample.out, p) for p in sample.pages} - {"/404.html"}
    assert sorted(pages - linked) == []


def test_sitemap_feed_and_robots_urls_resolve(sample: Site) -> None:
    config = sample.built.config
    urls = [e.text or "" for e in ET.parse(sample.out / "sitemap.xml").getroot().iter(
        f"{SITEMAP}loc")]  # the index: its parts' URLs
    urls += sitemap_locs(sample.out, config.base_url)
    for feed in sample.out.rglob("feed.xml"):
        root = ET.parse(feed).getroot()
        urls += [e.get("href") or "" for e in root.iter(f"{ATOM}link")]
        urls += [e.text or "" for e in root.iter(f"{ATOM}id")]
    robots = (sample.out / "robots.txt").read_text("utf-8")
    urls += [line.split(":", 1)[1].strip() for line in robots.splitlines()
             if line.startswith("Sitemap:")]
    assert len(urls) > 100
    missing = []
    for url in urls:
        assert url.startswith(config.base_url), url
        relative = url[len(config.base_url):]
        file = sample.out / (relative + "index.html" if relative == "" or relative.endswith("/")
                             else relative)
        if not file.is_file():
            missing.append(url)
    assert missing == []


def test_404_page_links_work_from_any_depth(sample: Site) -> None:
    """The server shows /404.html for any missing URL, so its links may not be relative."""
    not_found = sample.out / "404.html"
    for link in links_of(sample.out, not_found, sample.pages[not_found]):
        value = link.value
        assert value.startswith(("/", "#", "http://", "https://")), str(link)


def test_base_path_site_links_stay_under_the_base_path(sample_under_path: Site) -> None:
    links = sample_under_path.links()
    rooted = [link for link in links if link.value.startswith("/")]
    assert len(rooted) > 500
    outside = [str(link) for link in rooted if not link.value.startswith("/news/")]
    assert outside == []
    assert sample_under_path.broken() == []
