"""Front matter holding HTML or script is shown as text everywhere it appears: article
pages, listings, topic pages, feeds, the sitemap, attributes, and any JSON-LD block a theme
adds. Raw HTML in bodies follows the site's ``body_html`` policy (tests/test_body_html.py)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import article, write_files
from helpers_site import Built, Element, build_at, parse_html, sitemap_locs

ATOM = "{http://www.w3.org/2005/Atom}"

TITLE = "Breaking <script>alert(\"t\")</script> & 'quotes' </title>"
SUMMARY = "<img src=x onerror=alert('s')> summary & more"
TOPICS = ["<b onmouseover=alert(1)>Topic</b>", "\"><svg onload=alert(2)>"]
AUTHORS = ["<script>alert('a')</script>", "Jane \"Q\" O'Neil"]
SOURCE = "<iframe src=javascript:alert(3)></iframe>"
SOURCE_URL = "https://example.org/?q=\"><script>alert(4)</script>&x='y'"
IMAGE = "/img/a.png\" onerror=\"alert(5)"
# As published: characters a URL may not hold as typed are percent-encoded (as browsers do
# when following the link), so it leads to the same place and is valid in HTML and XML.
SOURCE_URL_PUBLISHED = "https://example.org/?q=%22%3E%3Cscript%3Ealert(4)%3C/script%3E&x='y'"
IMAGE_PUBLISHED = "/img/a.png%22%20onerror=%22alert(5)"
IMAGE_ALT = "\"><script>alert(6)</script>"
CONFIG = ('title: "Daily <script>alert(7)</script>"\n'
          'description: "</title><style>*{display:none}</style>"\n')
# Tags that only an injection could have put into these pages.
FORBIDDEN = {"script", "iframe", "svg", "b", "style", "object", "embed"}
# A JSON-LD block as a theme author might write one with ``tojson``, added beside the
# default theme's own (``json_ld``): each must stay one JSON document inside its <script>,
# whatever the front matter holds.
JSON_LD = ('<script type="application/ld+json">'
           '{"@type": "NewsArticle", "headline": {{ article.title | tojson }}, '
           '"author": {{ article.authors | list | tojson }}, '
           '"keywords": {{ article.topics | map(attribute="name") | list | tojson }}, '
           '"description": {{ article.summary | tojson }}, '
           '"isBasedOn": {{ article.source_url | tojson }}}</script>')


@pytest.fixture(scope="module")
def nasty(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("nasty") / "site"
    base = (Path(__file__).parent.parent / "newsgen" / "theme" / "templates" / "article.html")
    source = base.read_text("utf-8")
    assert source.count("{% block head %}") == 1  # the theme's own JSON-LD is in it
    theme_article = source.replace("{% block head %}", "{% block head %}" + JSON_LD + "\n")
    write_files(root, {
        "newsgen.yaml": CONFIG,
        "templates/article.html": theme_article,
        "articles/nasty.md": article(TITLE, topics=TOPICS, summary=SUMMARY, author=AUTHORS,
                                     source=SOURCE, source_url=SOURCE_URL, image=IMAGE,
                                     image_alt=IMAGE_ALT, note="<script>alert(8)</script>"),
        "articles/neighbour.md": article("Neighbour", date="2024-01-29 09:00:00+07:00",
                                         topics=TOPICS),
    })
    return build_at(root, root.parent / "out")


def html_pages(built: Built) -> list[Path]:
    return sorted(built.out.rglob("*.html"))


def problems_in(page: Element, where: str, forbidden: set[str] = FORBIDDEN) -> list[str]:
    """Elements, event-handler attributes and script links that only an injection makes."""
    found = []
    for element in page.iter():
        if element.tag in forbidden and not (
                element.tag == "script" and element.get("type") == "application/ld+json"):
            found.append(f"{where}: <{element.tag}> line {element.line}")
        for name, value in element.attrs.items():
            if name.startswith("on"):
                found.append(f"{where}: {name}= on <{element.tag}> line {element.line}")
            if name in ("href", "src") and value and re.sub(r"[\s\x00-\x1f]", "", value
                                                            ).lower().startswith(
                    ("javascript:", "data:", "vbscript:")):
                found.append(f"{where}: {name}={value!r} line {element.line}")
    return found


def test_no_page_gains_an_element_an_attribute_or_a_script_link(nasty: Built) -> None:
    pages = html_pages(nasty)
    assert sorted(p.relative_to(nasty.out).as_posix() for p in pages) == [
        "2024/01/breaking-script-alert-t-script-quotes-title/index.html",
        "2024/01/neighbour/index.html", "404.html",
        "archive/2024/01/index.html", "archive/2024/index.html", "archive/index.html",
        "authors/index.html", "authors/jane-q-o-neil/index.html",
        "authors/script-alert-a-script/index.html", "corrections/index.html", "index.html",
        "search/index.html", "sources/iframe-src-javascript-alert-3-iframe/index.html",
        "sources/index.html", "topics/b-onmouseover-alert-1-topic-b/index.html",
        "topics/index.html", "topics/svg-onload-alert-2/index.html",
    ]
    problems = []
    for path in pages:
        page = parse_html(path.read_text("utf-8"))
        where = path.relative_to(nasty.out).as_posix()
        if where == "search/index.html":
            page = without_search_scripts(page)
        problems += problems_in(page, where)
    assert problems == []


# The search page's own scripts: Pagefind's UI and the call that starts it, which holds
# only the site's base path. Nothing from the front matter or the config's texts.
_PAGEFIND_START = re.compile(r'\s*window\.addEventListener\("DOMContentLoaded", function \(\) '
                             r'\{\s*new PagefindUI\(\{[^<>]*\}\);\s*\}\);\s*')


def without_search_scripts(page: Element) -> Element:
    theme = [e for e in page.find_all("script")
             if (e.get("src") == "/pagefind/pagefind-ui.js" and not e.raw_text())
             or (e.get("src") is None and _PAGEFIND_START.fullmatch(e.raw_text())
                 and "alert" not in e.raw_text())]
    assert len(theme) == 2, "the search page's two scripts, each as the theme writes it"
    for element in list(page.iter()):
        element.children = [c for c in element.children if not any(c is t for t in theme)]
    return page


def test_the_article_page_shows_every_value_as_text(nasty: Built) -> None:
    page = nasty.html("/2024/01/breaking-script-alert-t-script-quotes-title/")
    assert page.find("h1").text() == TITLE
    assert page.find("title").text().startswith(TITLE)
    assert page.find("p", cls="standfirst").text() == SUMMARY
    assert [e.text() for e in page.find_all("a", cls="author")] == AUTHORS
    source = page.find("p", cls="source").find("a")
    assert source.text() == SOURCE
    assert source.get("href") == SOURCE_URL_PUBLISHED
    image = page.find("figure", cls="story-image").find("img")
    assert image.get("src") == IMAGE_PUBLISHED
    assert image.get("alt") == IMAGE_ALT
    assert [a.text() for a in page.find("nav", cls="story-topics").find_all("a")] == TOPICS
    description = [m for m in page.find_all("meta") if m.get("name") == "description"]
    assert description[0].get("content") == SUMMARY


def test_listings_show_the_values_as_text(nasty: Built) -> None:
    assert nasty.html("/").find("h2", cls="lead-title").text() == TITLE
    assert nasty.html("/").find("p", cls="lead-summary").text() == SUMMARY
    assert nasty.html("/").find("a", cls="site-title").text() == "Daily <script>alert(7)</script>"
    topics = nasty.html("/topics/")
    assert sorted(a.text() for a in topics.find_all("h2", cls="topic-name")
                  for a in a.find_all("a")) == sorted(TOPICS)
    assert nasty.html("/topics/b-onmouseover-alert-1-topic-b/").find("h1").text() == TOPICS[0]


def test_json_ld_blocks_stay_one_json_document(nasty: Built) -> None:
    blocks = 0
    for path in html_pages(nasty):
        for element in parse_html(path.read_text("utf-8")).iter():
            if element.tag == "script" and element.get("type") == "application/ld+json":
                raw = element.raw_text()
                assert "</" not in raw and "<!--" not in raw, path
                json.loads(raw)
                blocks += 1
    assert blocks >= 2
    page = nasty.html("/2024/01/breaking-script-alert-t-script-quotes-title/")
    added, theme = (json.loads(e.raw_text())
                    for e in page.find_all("script", type="application/ld+json"))
    assert added["headline"] == theme["headline"] == TITLE
    assert added["author"] == AUTHORS
    assert [person["name"] for person in theme["author"]] == AUTHORS
    assert added["keywords"] == theme["keywords"] == TOPICS
    assert added["description"] == theme["description"] == SUMMARY
    assert added["isBasedOn"] == theme["isBasedOn"] == SOURCE_URL_PUBLISHED


def test_feeds_hold_the_values_as_text(nasty: Built) -> None:
    feeds = sorted(nasty.out.rglob("feed.xml"))
    assert len(feeds) == 6  # the site's, 2 topics', 2 authors' and the source's
    for feed in feeds:
        root = ET.parse(feed).getroot()  # well-formed XML
        entry = next(e for e in root.findall(f"{ATOM}entry")
                     if e.findtext(f"{ATOM}title") == TITLE)
        assert entry.findtext(f"{ATOM}summary") == SUMMARY
        assert [a.findtext(f"{ATOM}name") for a in entry.findall(f"{ATOM}author")] == AUTHORS
        assert [c.get("label") for c in entry.findall(f"{ATOM}category")] == TOPICS
        content = parse_html(entry.findtext(f"{ATOM}content") or "")
        assert problems_in(content, feed.name) == []
        source = content.find("a")
        assert (source.text(), source.get("href")) == (SOURCE, SOURCE_URL_PUBLISHED)


def test_sitemap_and_robots_hold_only_plain_urls(nasty: Built) -> None:
    locs = sitemap_locs(nasty.out, "https://news.example.com/")
    assert len(locs) >= 6
    for loc in locs:
        assert re.fullmatch(r"https://news\.example\.com/[a-z0-9/-]*", loc), loc
    robots = (nasty.out / "robots.txt").read_text("utf-8")
    assert "<" not in robots


def test_the_unknown_key_is_kept_but_not_shown(nasty: Built) -> None:
    for path in nasty.out.rglob("*"):
        if path.is_file():
            assert "alert(8)" not in path.read_text("utf-8", errors="replace")
