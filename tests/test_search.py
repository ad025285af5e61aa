"""Full-text search with Pagefind: the search page, the index, and what it leaves out.

Needs Pagefind (pip install "newsgen[search]", part of the test extra); without it the tests
are skipped, except when the CI environment variable is set: then they fail.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_browser import browser, no_overflow, skip_or_fail  # noqa: F401  (browser: a fixture)

from newsgen.build import build
from newsgen.cli import main
from newsgen.errors import ConfigError, ContentError, OutputError
from newsgen.search import search_available

from conftest import article, site_config, write_files
from helpers_site import (
    Built,
    SourceArticle,
    build_at,
    build_sample,
    read_source_articles,
    serve,
    snapshot,
)

CONFIG = "title: Delta Daily\nbase_url: https://news.example.com/\nsearch: {}\n"


def require_pagefind() -> None:
    if not search_available():
        skip_or_fail("Pagefind is not installed (pip install 'newsgen[search]')")


def indexed_pages(out: Path) -> dict[str, str]:
    """URL -> indexed text, read from Pagefind's fragments (gzip: a signature, then JSON)."""
    pages = {}
    for fragment in (out / "pagefind" / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(fragment.read_bytes())
        assert data.startswith(b"pagefind_dcd"), fragment
        record = json.loads(data[len(b"pagefind_dcd"):])
        pages[record["url"]] = record["content"]
    return pages


def distinctive_word(own: SourceArticle, others: list[SourceArticle]) -> str:
    """A long word of ``own``'s body whose first four letters start no word of the others
    (Pagefind stems words, and matches the last word typed as a prefix)."""
    def words(a: SourceArticle, shortest: int) -> set[str]:
        text = re.sub(r"\]\([^)]*\)", "]", a.body)  # link targets are not indexed text
        return {w.lower() for w in re.findall(rf"[A-Za-z]{{{shortest},}}", text)}

    elsewhere = {w[:4] for other in others for w in words(other, 3)}
    candidates = sorted(w for w in words(own, 8) if w[:4] not in elsewhere)
    assert candidates, own.path
    return candidates[0]


# --------------------------------------------------------------------------- config


def test_search_is_on_by_default_when_pagefind_is_installed(make_site) -> None:
    root = make_site({"articles/a.md": article()})

    assert site_config(root).search is search_available()


def test_search_must_be_true_or_false(make_site) -> None:
    root = make_site({"newsgen.yaml": CONFIG.format("yes please"), "articles/a.md": article()})

    with pytest.raises(ConfigError, match="'search': must be true or false"):
        site_config(root)


def test_search_true_without_pagefind_says_what_to_install(
        make_site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", "/nonexistent/pagefind")
    root = make_site({"newsgen.yaml": CONFIG.format("true"), "articles/a.md": article()})

    with pytest.raises(ConfigError, match=r"pip install 'newsgen\[search\]'"):
        site_config(root)


def test_search_false_leaves_no_trace(make_site, tmp_path: Path) -> None:
    root = make_site({"newsgen.yaml": CONFIG.format("false"), "articles/a.md": article()})

    built = build_at(root, tmp_path / "out")
    assert not (built.out / "search").exists() and not (built.out / "pagefind").exists()
    home = built.read("/")
    assert "/search/" not in home
    assert "data-pagefind-body" not in built.read("/2024/01/a-headline/")


def test_an_article_cannot_take_the_search_url(make_site) -> None:
    root = make_site({"articles/a.md": article("Search", date="2024-01-30")})

    with pytest.raises(ContentError, match="would overwrite the site's own '/search' pages"):
        build(site_config(root, permalink="/{slug}/"))


# --------------------------------------------------------------------------- the built index


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The sample site built with --drafts: its draft is rendered but must not be indexed."""
    require_pagefind()
    return build_sample(tmp_path_factory.mktemp("search-preview"), drafts=True)


def test_search_page_loads_pagefind_ui_and_every_page_links_to_it(preview: Built) -> None:
    page = preview.html("/search/")
    assert page.find("h1").text() == "Search"
    assert page.find("link", rel="stylesheet", href="/pagefind/pagefind-ui.css")
    assert page.find("script", src="/pagefind/pagefind-ui.js")
    assert page.find("div", id="search")
    for path in ("pagefind-ui.js", "pagefind-ui.css", "pagefind.js"):
        assert (preview.out / "pagefind" / path).is_file(), path
    nav = preview.html("/topics/").find("nav", cls="site-nav")
    assert "/search/" in [a.get("href") for a in nav.find_all("a")]
    # The index is part of the build, counted in its summary.
    assert preview.result.files == len([p for p in preview.out.rglob("*")
                                        if p.is_file() and p.name != ".newsgen-build"])


def test_only_published_article_pages_are_indexed(preview: Built) -> None:
    sources = read_source_articles(preview.root, preview.config.timezone)
    published = [a for a in sources if not a.draft]
    (draft,) = [a for a in sources if a.draft]
    # The preview build rendered the draft, without marking it for the index.
    draft_page = preview.read(draft.url)
    assert draft.title.split()[0] in draft_page
    assert "data-pagefind-body" not in draft_page

    indexed = indexed_pages(preview.out)
    assert sorted(indexed) == sorted(a.url for a in published)
    word = distinctive_word(draft, published)
    assert not any(word in text.lower() for text in indexed.values()), word
    # Listings, topic pages and the search page itself are not in the index either.
    assert "/topics/" not in indexed and "/" not in indexed


def test_a_base_path_reaches_the_bundle_and_the_results(tmp_path: Path) -> None:
    require_pagefind()
    built = build_sample(tmp_path, base_url="https://example.org/news/")

    page = built.read("/search/")
    assert '<script src="/news/pagefind/pagefind-ui.js"></script>' in page
    assert 'bundlePath: "/news/pagefind/"' in page
    assert 'baseUrl: "/news/"' in page


def test_with_nothing_published_the_search_page_says_so(make_site, tmp_path: Path) -> None:
    require_pagefind()
    root = make_site({"articles/a.md": article(draft=True)})

    built = build_at(root, tmp_path / "out")
    assert "nothing to search yet" in built.read("/search/")
    assert "pagefind-ui.js" not in built.read("/search/")
    assert not (built.out / "pagefind").exists()


def test_a_failing_index_fails_the_build_and_keeps_the_previous_site(
        make_site, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    require_pagefind()
    root = make_site({"newsgen.yaml": CONFIG.format("true"), "articles/a.md": article()})
    out = tmp_path / "out"
    assert main(["build", "--site", str(root), "--output", str(out)]) == 0
    before = snapshot(out)
    # A custom article template without the data-pagefind-body mark: nothing to index.
    write_files(root, {"templates/article.html":
                       '{% extends "base.html" %}{% block content %}{{ article.title }}'
                       '{% endblock %}\n'})
    capsys.readouterr()

    assert main(["build", "--site", str(root), "--output", str(out)]) == 1
    err = capsys.readouterr().err
    assert "search: Pagefind failed" in err and "data-pagefind-body" in err
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "site"]


def test_missing_pagefind_at_build_time_is_an_output_error(
        make_site, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site({"articles/a.md": article()})
    config = site_config(root, search=True)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", "/nonexistent/pagefind")

    with pytest.raises(OutputError, match="Pagefind is not installed"):
        build(config)


# --------------------------------------------------------------------------- in a browser


@pytest.fixture(scope="module")
def served_preview(preview: Built) -> Iterator[str]:
    with serve(preview.out) as base:  # Pagefind loads its index over HTTP, not file://
        yield base


def search(chromium: Any, base: str, query: str) -> tuple[str, list[str], list[str]]:
    """Type ``query`` into the search page; (message, result titles, result URLs)."""
    from playwright.sync_api import expect

    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    try:
        response = page.goto(base + "/search/")
        assert response is not None and response.status == 200
        page.locator(".pagefind-ui__search-input").fill(query)
        message = page.locator(".pagefind-ui__message")
        done = re.compile(rf"^(\d+ results?|No results) for {re.escape(query)}$")
        expect(message).to_have_text(done, timeout=15_000)
        # Each result's own link; those nested under it lead to its sections.
        links = [result.locator("a.pagefind-ui__result-link").first
                 for result in page.locator("li.pagefind-ui__result").all()]
        return (message.inner_text(), [link.inner_text() for link in links],
                [link.get_attribute("href") or "" for link in links])
    finally:
        page.close()


def test_typing_a_word_of_one_article_finds_that_article(browser: Any, preview: Built,  # noqa: F811
                                                         served_preview: str) -> None:
    sources = [a for a in read_source_articles(preview.root, preview.config.timezone)
               if not a.draft]
    target = sources[0]  # the newest
    word = distinctive_word(target, [a for a in sources if a is not target])

    message, titles, urls = search(browser, served_preview, word)

    assert message.startswith("1 result"), message
    assert titles == [target.title]
    assert urls == [target.url]


def test_a_word_only_a_draft_has_finds_nothing(browser: Any, preview: Built,  # noqa: F811
                                               served_preview: str) -> None:
    sources = read_source_articles(preview.root, preview.config.timezone)
    (draft,) = [a for a in sources if a.draft]
    word = distinctive_word(draft, [a for a in sources if not a.draft])
    assert word in preview.read(draft.url).lower()  # the page is there, in the preview

    message, titles, _ = search(browser, served_preview, word)

    assert message.startswith("No results"), message
    assert titles == []


def test_search_results_fit_a_phone_screen(browser: Any, served_preview: str) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 390, "height": 800})
    try:
        page.goto(served_preview + "/search/")
        page.locator(".pagefind-ui__search-input").fill("ASEAN")
        expect(page.locator("li.pagefind-ui__result").first).to_be_visible(timeout=15_000)
        no_overflow(page, "search results at 390px")
    finally:
        page.close()
