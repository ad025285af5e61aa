"""Structured data for search engines and link previews: schema.org NewsArticle as JSON-LD.

The data is built as plain Python values and serialised with ``json.dumps``; nothing from
front matter is ever pasted into JSON text by a template.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from newsgen.config import SiteConfig
from newsgen.feeds import iso_seconds
from newsgen.models import Article

# json.dumps(data, ensure_ascii=False) makes an encoder for each call: one will do.
_ENCODER = json.JSONEncoder(ensure_ascii=False)


def script_json(data: Any) -> str:
    """``data`` as JSON that can sit between <script> and </script> unchanged.

    Inside <script>, the HTML parser ends the element at the first "</script", whatever the
    JSON around it means, and "<!--" changes how it looks for that end. Escaping <, > and &
    as JSON \\u escapes keeps the text equal as JSON and inert as HTML. U+2028 and U+2029
    are escaped for old JavaScript parsers that end a string at them. (No indent: the C
    encoder is only used without one; str.replace beats str.translate here.)
    """
    return (_ENCODER.encode(data)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def publisher(config: SiteConfig) -> dict[str, Any]:
    data: dict[str, Any] = {"@type": "Organization", "name": config.title,
                            "url": config.base_url}
    if config.logo:
        data["logo"] = {"@type": "ImageObject", "url": config.absolute_link(config.logo)}
    return data


def news_article(article: Article, config: SiteConfig,
                 author_websites: Mapping[str, str]) -> dict[str, Any]:
    """The schema.org NewsArticle of one article page (authors' own web pages by slug)."""
    url = config.absolute_url(article.url)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": article.title,
        "description": article.summary,
        "datePublished": iso_seconds(article.date),
        "dateModified": iso_seconds(article.modified),
        "inLanguage": config.language,
    }
    if article.bylines:
        people = []
        for tag in article.bylines:
            person: dict[str, Any] = {"@type": "Person", "name": tag.name,
                                      "url": config.absolute_url(f"/authors/{tag.slug}/")}
            website = author_websites.get(tag.slug)
            if website:
                person["sameAs"] = website
            people.append(person)
        data["author"] = people
    else:
        # No byline: the story is the outlet's (or the site's) own.
        data["author"] = ({"@type": "Organization", "name": article.source}
                          if article.source else publisher(config))
    data["publisher"] = publisher(config)
    if article.image:
        data["image"] = [config.absolute_link(article.image)]
    if article.topics:
        data["keywords"] = [tag.name for tag in article.topics]
        data["articleSection"] = article.topics[0].name
    if article.source:
        data["sourceOrganization"] = {"@type": "Organization", "name": article.source}
    if article.source_url:
        data["isBasedOn"] = config.absolute_link(article.source_url)
    return data
