"""What search engines and link previews read from article pages: NewsArticle JSON-LD,
Open Graph and Twitter card meta, the canonical link and rel=alternate feed links."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from helpers_news import BUDGET_URL, build_newsroom, json_ld, script_blocks
from slugify import slugify

from newsgen.structured import script_json

from conftest import article, write_files
from helpers_site import (
    Built,
    Element,
    SourceArticle,
    build_at,
    build_sample,
    parse_html,
    read_source_articles,
)

ARTICLE_FILE = re.compile(r"^\d{4}/\d{2}/[^/]+/index\.html$")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_sample(tmp_path_factory.mktemp("ld-sample"))


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_newsroom(tmp_path_factory.mktemp("ld-newsroom"))


def article_pages(built: Built) -> list[Path]:
    return sorted(p for p in built.out.rglob("index.html")
                  if ARTICLE_FILE.match(p.relative_to(built.out).as_posix()))


def when(text: Any) -> datetime:
    assert isinstance(text, str)
    moment = datetime.fromisoformat(text)
    assert moment.utcoffset() is not None, text
    return moment


def meta(page: Element, key: str) -> list[str]:
    """content of <meta property=key> / <meta name=key>, in page order."""
    return [e.get("content") or "" for e in page.find_all("meta")
            if key in (e.get("property"), e.get("name"))]


def check_news_article(built: Built, path: Path, data: dict[str, Any]) -> None:
    """The fields Google's article guidelines and schema.org's NewsArticle ask for."""
    config = built.config
    page = parse_html(path.read_text("utf-8"))
    canonical = page.find("link", rel="canonical").get("href")
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == page.find("h1").text()
    assert isinstance(data["description"], str) and data["description"]
    published, modified = when(data["datePublished"]), when(data["dateModified"])
    assert modified >= published
    shown = page.find("p", cls="meta").find("time").get("datetime")
    assert published == datetime.fromisoformat(shown or "")
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": canonical}
    assert data["url"] == canonical
    assert data["inLanguage"] == config.language
    publisher = data["publisher"]
    assert publisher["@type"] == "Organization"
    assert publisher["name"] == config.title
    if config.logo:
        assert publisher["logo"]["@type"] == "ImageObject"
        assert publisher["logo"]["url"].startswith(("http://", "https://"))
    authors = data["author"]
    bylines = [a.text() for a in page.find_all("a", cls="author")]
    if bylines:
        assert isinstance(authors, list)
        assert [a["name"] for a in authors] == bylines
        for person in authors:
            assert person["@type"] == "Person"
            assert person["url"].startswith(config.base_url + "authors/")
            assert built.file(person["url"][len(config.base_url) - 1:]).is_file()
    else:
        assert authors["@type"] == "Organization" and authors["name"]
    topics = [a.text() for a in page.find("nav", cls="story-topics").find_all("a")] if (
        page.find_all("nav", cls="story-topics")) else []
    assert data.get("keywords", []) == topics
    assert all(isinstance(k, str) for k in data.get("keywords", []))
    images = page.find("article").find_all("img")
    if images:
        assert isinstance(data["image"], list)
        assert all(u.startswith(("http://", "https://")) for u in data["image"])
    sources = page.find_all("p", cls="source")
    if not sources:
        assert "sourceOrganization" not in data and "isBasedOn" not in data
        return
    assert data["sourceOrganization"] == {"@type": "Organization",
                                          "name": sources[0].text().removeprefix("Source: ")}
    source_links = [a.get("href") for a in sources[0].find_all("a")]
    assert data.get("isBasedOn") == (source_links[0] if source_links else None)


def test_every_sample_article_page_has_valid_news_article_json_ld(sample: Built) -> None:
    pages = article_pages(sample)
    assert len(pages) == sample.result.articles
    for path in pages:
        blocks = json_ld(path.read_text("utf-8"))
        assert len(blocks) == 1, path
        check_news_article(sample, path, blocks[0])


def test_newsroom_json_ld_has_people_image_logo_and_source(newsroom: Built) -> None:
    for path in article_pages(newsroom):
        (data,) = json_ld(path.read_text("utf-8"))
        check_news_article(newsroom, path, data)
    (data,) = json_ld(newsroom.read(BUDGET_URL))
    base = "https://news.example.com/"
    assert data["author"] == [
        {"@type": "Person", "name": "Lan Nguyen", "url": f"{base}authors/lan-nguyen/",
         "sameAs": "https://example.org/lan"},
        {"@type": "Person", "name": "Minh Trần", "url": f"{base}authors/minh-tran/"},
    ]
    assert data["image"] == [f"{base}static/img/vote.jpg"]
    assert data["publisher"]["logo"]["url"] == f"{base}static/logo.png"
    assert data["keywords"] == ["Economy", "Parliament"]
    assert data["isBasedOn"] == "https://example.org/ndo/budget"
    assert data["sourceOrganization"] == {"@type": "Organization", "name": "NDO"}


SCRIPT_TITLE = 'Breaking </script><script>alert("x")</script> <!-- & "q" \'a\' \u2028 end'
SHOWN_TITLE = " ".join(SCRIPT_TITLE.split())  # titles are whitespace-folded (U+2028 too)


def test_a_title_holding_script_tags_stays_inside_the_json_ld(tmp_path: Path) -> None:
    root = write_files(tmp_path / "site", {
        "newsgen.yaml": 'title: "Tom & Jerry </script>"\n',
        "articles/a.md": article(SCRIPT_TITLE, author="Ann </script> Lee",
                                 summary="Sum </SCRIPT> <b>bold</b>", topics=["</script>x"],
                                 source="A&B </script>"),
    })
    built = build_at(root, tmp_path / "out")
    (path,) = article_pages(built)
    text = path.read_text("utf-8")
    blocks = script_blocks(text)
    # One script element, the JSON-LD: nothing in the front matter closed it or opened another.
    assert [attrs.get("type") for attrs, _ in blocks] == ["application/ld+json"]
    assert "</" not in blocks[0][1] and "<!--" not in blocks[0][1]
    (data,) = json_ld(text)
    assert data["headline"] == SHOWN_TITLE
    assert data["description"] == "Sum </SCRIPT> <b>bold</b>"
    assert data["author"][0]["name"] == "Ann </script> Lee"
    assert data["keywords"] == ["</script>x"]
    assert data["publisher"]["name"] == "Tom & Jerry </script>"
    page = parse_html(text)
    assert page.find("h1").text() == SHOWN_TITLE
    assert meta(page, "og:title") == [SHOWN_TITLE]
    assert meta(page, "twitter:title") == [SHOWN_TITLE]


def test_script_json_escapes_what_could_end_or_confuse_a_script_element() -> None:
    text = script_json({"a": "</script><!-- & > \u2028"})
    assert not set("<>&") & set(text)
    assert "\u2028" not in text
    assert text == '{"a": "\\u003c/script\\u003e\\u003c!-- \\u0026 \\u003e \\u2028"}'


def test_open_graph_twitter_canonical_and_feed_links(newsroom: Built) -> None:
    base = "https://news.example.com"
    page = newsroom.html(BUDGET_URL)
    url = base + BUDGET_URL
    assert page.find("link", rel="canonical").get("href") == url
    assert meta(page, "og:type") == ["article"]
    assert meta(page, "og:title") == ["Budget vote passes"]
    assert meta(page, "og:url") == [url]
    assert meta(page, "og:site_name") == ["Delta Daily"]
    assert meta(page, "og:description") == ["The 2025 budget passed by a narrow margin."]
    assert meta(page, "og:image") == [f"{base}/static/img/vote.jpg"]
    assert meta(page, "og:image:alt") == ["Deputies voting"]
    assert meta(page, "article:published_time") == ["2024-12-31T19:00:00+07:00"]
    assert meta(page, "article:modified_time") == ["2025-01-01T06:30:00+07:00"]
    assert meta(page, "article:author") == [f"{base}/authors/lan-nguyen/",
                                            f"{base}/authors/minh-tran/"]
    assert meta(page, "article:tag") == ["Economy", "Parliament"]
    assert meta(page, "twitter:card") == ["summary_large_image"]
    assert meta(page, "twitter:image") == [f"{base}/static/img/vote.jpg"]
    alternates = [(e.get("type"), e.get("href")) for e in page.find_all("link", rel="alternate")]
    assert alternates == [
        ("application/atom+xml", "/feed.xml"), ("application/rss+xml", "/rss.xml"),
        ("application/feed+json", "/feed.json"),
        ("application/atom+xml", "/topics/economy/feed.xml"),
        ("application/atom+xml", "/topics/parliament/feed.xml")]
    for _, href in alternates:
        assert newsroom.file(href or "").is_file(), href
    # Without an image: the small card, no og:image.
    floods = newsroom.html("/2024/12/floods-hit-the-delta/")
    assert meta(floods, "twitter:card") == ["summary"]
    assert meta(floods, "og:image") == []


def test_other_pages_have_website_open_graph_and_their_canonical(newsroom: Built) -> None:
    for url in ("/", "/topics/economy/", "/authors/lan-nguyen/", "/archive/2024/12/",
                "/corrections/"):
        page = newsroom.html(url)
        canonical = page.find("link", rel="canonical").get("href")
        assert canonical == "https://news.example.com" + url
        assert meta(page, "og:url") == [canonical], url
        assert meta(page, "og:type") == (["profile"] if "/authors/" in url else ["website"])
        assert json_ld(newsroom.read(url)) == [], url


def test_config_without_rss_and_json_drops_their_links(tmp_path: Path) -> None:
    root = write_files(tmp_path / "site", {
        "newsgen.yaml": "feeds: [atom]\n",
        "articles/a.md": article("Only Atom", topics=["Tech"]),
    })
    built = build_at(root, tmp_path / "out")
    page = built.html(f"/2024/01/{slugify('Only Atom')}/")
    types = [e.get("type") for e in page.find_all("link", rel="alternate")]
    assert types == ["application/atom+xml", "application/atom+xml"]
    assert not built.file("/rss.xml").exists() and not built.file("/feed.json").exists()


def test_sample_sources_match_their_json_ld_source(sample: Built) -> None:
    by_url = {a.url: a for a in read_source_articles(sample.root, sample.config.timezone)}
    for path in article_pages(sample):
        url = "/" + path.parent.relative_to(sample.out).as_posix() + "/"
        source: SourceArticle = by_url[url]
        (data,) = json_ld(path.read_text("utf-8"))
        assert data["sourceOrganization"]["name"] == (source.source or "Meridian Dispatch")
        assert data.get("isBasedOn") == source.source_url
