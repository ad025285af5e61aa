"""The unit of the build plan: one output file as a small value (``Page``), and the helpers
that make them (pagination, read-only contexts). Used by pages, feeds and sitemaps."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from newsgen.models import Article


@dataclass(frozen=True)
class Pagination:
    """Where one page of a paginated list sits among its siblings."""

    number: int
    total: int
    base_url: str  # URL of page 1, e.g. "/" or "/topics/asean/"

    def url_for(self, number: int) -> str:
        return self.base_url if number == 1 else f"{self.base_url}page/{number}/"

    @property
    def previous_url(self) -> str | None:
        return self.url_for(self.number - 1) if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.url_for(self.number + 1) if self.number < self.total else None


@dataclass(frozen=True)
class Page:
    """One output file: where it goes, which template renders it, and with what."""

    url: str  # site URL: "/2024/01/slug/", "/feed.xml"
    template: str
    context: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    # "template": Jinja renders ``template``; otherwise the name of a built-in renderer
    # for output that is data, not markup ("json_feed").
    renderer: str = "template"

    @property
    def output_path(self) -> str:
        """Path of the file inside the output folder (POSIX separators)."""
        path = self.url.lstrip("/")
        return path + "index.html" if path == "" or path.endswith("/") else path


def paginate(items: Sequence[Article], per_page: int,
             base_url: str) -> Iterator[tuple[Sequence[Article], Pagination]]:
    total = max(1, -(-len(items) // per_page))
    for number in range(1, total + 1):
        chunk = items[(number - 1) * per_page : number * per_page]
        yield chunk, Pagination(number, total, base_url)


def ctx(**values: Any) -> Mapping[str, Any]:
    """A page's template values, read-only."""
    return MappingProxyType(values)
