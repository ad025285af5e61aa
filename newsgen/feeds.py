"""Feeds: which feed files a site has, and the JSON Feed, which is built as data.

Atom (the site, every topic, author and source) and RSS 2.0 (the site) are Jinja
templates like the pages; JSON Feed 1.1 is a dict serialised with ``json.dumps``, because
a template cannot be trusted to escape JSON. Entries are newest first and keep their id
(the article's absolute URL) from build to build.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from markupsafe import Markup

from newsgen.config import SiteConfig
from newsgen.models import Article, Author, Site, Source, Topic
from newsgen.page import Page, ctx
from newsgen.reads import note

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


def plan_feeds(site: Site) -> Iterator[Page]:
    """The site feed in each configured format, and Atom feeds of every topic, author and
    source (when Atom is configured)."""
    config = site.config
    limit = config.feed_limit
    title = config.title
    latest = site.articles[:limit]

    def updated(articles: Sequence[Article]) -> datetime:
        # An empty feed (a new site) is as new as the build: Atom requires <updated>.
        return max((a.modified for a in articles), default=config.build_time)

    if "atom" in config.feeds:
        yield Page("/feed.xml", "feed.xml",
                   ctx(feed_title=title, alternate_url="/", articles=latest,
                       updated=updated(latest)))
    if "rss" in config.feeds:
        yield Page("/rss.xml", "rss.xml",
                   ctx(feed_title=title, alternate_url="/", articles=latest,
                       updated=updated(latest)))
    if "json" in config.feeds:
        yield Page("/feed.json", "", ctx(feed_title=title, alternate_url="/", articles=latest),
                   renderer="json_feed")
    if "atom" not in config.feeds:
        return
    groups: list[Topic | Author | Source] = [*site.topics, *site.authors, *site.sources]
    for group in groups:
        items = group.articles[:limit]
        yield Page(group.feed_url, "feed.xml",
                   ctx(feed_title=f"{group.name} — {title}", alternate_url=group.url,
                       articles=items, updated=updated(items)))


def feed_content(article: Article) -> str:
    """An article's body for a feed entry: the body, its corrections, then its source
    credited (HTML as a string: the Atom and RSS templates escape it once more for XML)."""
    note(article, body=True)
    parts = [article.body_html]
    for correction in article.corrections:
        parts.append(f"<p><strong>Correction, {display_date(correction.date)}:</strong> "
                     f"{html.escape(correction.text)}</p>")
    if article.source:
        source = html.escape(article.source)
        if article.source_url:
            source = f'<a href="{html.escape(article.source_url)}">{source}</a>'
        parts.append(f"<p>Source: {source}</p>")
    return "\n".join(parts)


def cdata(text: object) -> Markup:
    """``text`` as XML character data in CDATA sections, for the Atom and RSS templates
    (``{{ article | feed_content | cdata }}``): a reader gets the same text as from the
    text escaped, without escaping every tag of the body (~13 µs an entry at 10,000
    articles; feeds 7 % smaller). A "]]>" in the text, which would end the
    section, is split across two. The text is taken as it is, Markup or not (Markup's own
    ``replace`` would escape the split)."""
    return Markup(f"<![CDATA[{str.replace(str(text), ']]>', ']]]]><![CDATA[>')}]]>")


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def display_date(moment: datetime) -> str:
    """"4 January 2024". Month names from a table: strftime("%B") on an aware datetime
    costs some 30 µs, and article pages show several dates."""
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def iso_seconds(moment: datetime) -> str:
    """``moment.isoformat(timespec="seconds")``. The keyword alone costs more than the
    formatting (~1.5 µs): a datetime without microseconds gives the same text without it."""
    if type(moment) is datetime and not moment.microsecond:
        return moment.isoformat()
    return moment.isoformat(timespec="seconds")


def json_feed(page: Page, config: SiteConfig) -> str:
    """A JSON Feed 1.1 document for the articles of ``page``."""
    articles: Sequence[Article] = page.context["articles"]
    feed: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": page.context["feed_title"],
        "home_page_url": config.absolute_url(page.context["alternate_url"]),
        "feed_url": config.absolute_url(page.url),
        "language": config.language,
        "authors": [{"name": config.title, "url": config.base_url}],
        "items": [_json_item(a, config) for a in articles],
    }
    if config.description:
        feed["description"] = config.description
    return json.dumps(feed, ensure_ascii=False, indent=2) + "\n"


def _json_item(article: Article, config: SiteConfig) -> dict[str, Any]:
    note(article)
    url = config.absolute_url(article.url)
    item: dict[str, Any] = {"id": url, "url": url, "title": article.title}
    if config.feed_content == "full":
        item["content_html"] = feed_content(article)
    else:
        item["content_text"] = article.summary or article.title
    item["summary"] = article.summary
    if article.image:
        item["image"] = config.absolute_link(article.image)
    item["date_published"] = iso_seconds(article.date)
    item["date_modified"] = iso_seconds(article.modified)
    if article.bylines:
        item["authors"] = [{"name": t.name, "url": config.absolute_url(f"/authors/{t.slug}/")}
                           for t in article.bylines]
    if article.topics:
        item["tags"] = [t.name for t in article.topics]
    if article.source_url:
        item["external_url"] = config.absolute_link(article.source_url)
    return item
