"""What every page shows besides its own context: the navigation's topics, and the
authors' own web pages (for the JSON-LD of articles).

Kept apart from the site model: the build cache's head holds it, and a build that finds
nothing changed reads the head without importing the model (``build``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from newsgen.models import Site

NAV_TOPICS = 6  # the most used topics, linked from every page's navigation


class NavLink(NamedTuple):
    name: str
    url: str


@dataclass(frozen=True)
class Chrome:
    nav_topics: tuple[NavLink, ...]
    author_websites: Mapping[str, str]


def chrome(site: Site) -> Chrome:
    most_used = sorted(site.topics, key=lambda t: (-t.count, t.name.casefold()))[:NAV_TOPICS]
    return Chrome(tuple(NavLink(t.name, t.url) for t in most_used),
                  {a.slug: a.website for a in site.authors if a.website})
