"""End-to-end in a real browser: headless Chromium reads the built site over HTTP.

Uses Debian's /usr/bin/chromium (or $NEWSGEN_CHROMIUM) through Playwright, never
``playwright install``. Without that browser the tests are skipped, except when the CI
environment variable is set: then they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import article, write_files
from helpers_site import Built, build_at, build_sample, file_to_url, serve

CHROMIUM = Path(os.environ.get("NEWSGEN_CHROMIUM") or "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTICLE = "/2024/01/un-security-council-debates-asean-un-cooperation-on-peace-and-security/"
HEADLINE = "UN Security Council debates ASEAN\u2013UN cooperation on peace and security"
OVERFLOW = "[document.documentElement.scrollWidth, window.innerWidth]"

LONG_URL = ("https://example.org/ministry-of-foreign-affairs/press-releases/2024/01/"
            "joint-statement-on-maritime-cooperation-and-stability.html")
WIDE_BODY = f"""\
Read the full statement at {LONG_URL} today.

| Country | Population | GDP growth (%) | Inflation (%) | Unemployment (%) | Exports |
|---|---|---|---|---|---|
| Việt Nam | 100,000,000 | 6.5 | 3.2 | 2.1 | 355,000,000,000 USD |

    code = "a long preformatted line that would never fit on a phone screen, not even close"

![A very wide chart](/static/wide.svg)
"""


def skip_or_fail(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: the browser tests must run in CI")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium for the whole module."""
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("the playwright package is not installed")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Built, str]]:
    built = build_sample(tmp_path_factory.mktemp("browser"))
    with serve(built.out) as base:
        yield built, base


@pytest.fixture(scope="module")
def wide(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Built, str]]:
    """A site whose article holds a long URL, a wide table, long code and a wide image."""
    root = write_files(tmp_path_factory.mktemp("browser-wide") / "site", {
        "articles/wide.md": article("Wide content on a narrow phone", body=WIDE_BODY,
                                    topics=["Layout"]),
        "articles/other.md": article("Another story", topics=["Layout"],
                                     date="2024-01-29 09:00:00+07:00"),
        "static/wide.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="2400" '
                           'height="120"><rect width="2400" height="120"/></svg>\n',
    })
    built = build_at(root, root.parent / "out")
    with serve(built.out) as base:
        yield built, base


@pytest.fixture
def page_at(browser: Any) -> Iterator[Any]:
    """page_at(width) -> a fresh page with a viewport of that width."""
    opened = []

    def open_page(width: int) -> Any:
        page = browser.new_page(viewport={"width": width, "height": 900})
        opened.append(page)
        return page

    yield open_page
    for page in opened:
        page.close()


def no_overflow(page: Any, what: str) -> None:
    scroll_width, inner_width = page.evaluate(OVERFLOW)
    assert scroll_width <= inner_width, (
        f"{what}: the page scrolls sideways ({scroll_width}px wide in a "
        f"{inner_width}px window)")


@pytest.mark.parametrize("width", [390, 1280])
def test_article_page_reads_well_at_phone_and_desktop_widths(
        sample: tuple[Built, str], page_at: Any, width: int) -> None:
    from playwright.sync_api import expect

    _, base = sample
    page = page_at(width)
    response = page.goto(base + ARTICLE)
    assert response is not None and response.status == 200

    headline = page.locator("h1")
    expect(headline).to_have_count(1)
    expect(headline).to_have_text(HEADLINE)
    expect(headline).to_be_visible()
    box = headline.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    # The theme's stylesheet was served and applied.
    assert "Georgia" in headline.evaluate("e => getComputedStyle(e).fontFamily")

    source = page.locator("p.source")
    expect(source).to_be_visible()
    expect(source).to_have_text("Source: NDO")

    related_heading = page.get_by_role("heading", name="Related Topics", exact=True)
    expect(related_heading).to_have_count(1)
    expect(related_heading).to_be_visible()
    related_links = page.locator("section.related a")
    assert related_links.count() >= 1
    expect(related_links.first).to_be_visible()

    no_overflow(page, f"{ARTICLE} at {width}px")


def test_following_a_related_link_opens_that_article(sample: tuple[Built, str],
                                                     page_at: Any) -> None:
    from playwright.sync_api import expect

    _, base = sample
    page = page_at(390)
    page.goto(base + ARTICLE)
    link = page.locator("section.related h3 a").first
    title = link.inner_text()
    link.click()
    expect(page.locator("h1")).to_have_text(title)
    assert page.url != base + ARTICLE


def test_no_page_of_the_sample_scrolls_sideways_on_a_phone(sample: tuple[Built, str],
                                                           page_at: Any) -> None:
    built, base = sample
    urls = ["/", "/page/2/", "/topics/", "/topics/viet-nam/", "/404.html"]
    urls += sorted(file_to_url(built.out, p) for p in built.out.glob("*/*/*/index.html")
                   if p.relative_to(built.out).parts[0].isdigit())  # /{year}/{month}/{slug}/
    assert len(urls) == 5 + built.result.articles
    page = page_at(390)
    for url in urls:
        response = page.goto(base + url)
        assert response is not None and response.status == 200, url
        no_overflow(page, url)


def test_wide_tables_code_links_and_images_stay_inside_a_phone_screen(
        wide: tuple[Built, str], page_at: Any) -> None:
    _, base = wide
    page = page_at(390)
    page.goto(base + "/2024/01/wide-content-on-a-narrow-phone/")
    # The wide content is really there and really wider than the screen on its own.
    assert page.locator(".story-body table").evaluate("e => e.scrollWidth") > 390
    assert page.locator(".story-body pre").evaluate("e => e.scrollWidth") > 390
    image = page.locator(".story-body img")
    image.evaluate("e => e.decode()")
    box = image.bounding_box()
    assert box is not None and 0 < box["width"] <= 390
    no_overflow(page, "article with wide content")
