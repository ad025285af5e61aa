"""Shared helpers for the end-to-end tests: build a site, read its pages, serve it.

Used by test_build, test_links, test_html_valid, test_feeds and test_browser.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import yaml
from slugify import slugify

from newsgen.build import BuildResult, build
from newsgen.config import SiteConfig

from conftest import REPO, site_config

SAMPLE_PARTS = ("articles", "templates", "static", "newsgen.yaml")


# --------------------------------------------------------------------------- building


@dataclass(frozen=True)
class Built:
    """A site that was built: its source root, output folder and config."""

    root: Path
    out: Path
    config: SiteConfig
    result: BuildResult

    def file(self, url: str) -> Path:
        """The output file a site URL ("/topics/", "/feed.xml") is served from."""
        return url_to_file(self.out, url)

    def read(self, url: str) -> str:
        return self.file(url).read_text(encoding="utf-8")

    def html(self, url: str) -> Element:
        return parse_html(self.read(url))


@contextlib.contextmanager
def only_the_parent_returns(marker: Path) -> Iterator[None]:
    """Around code that forks a child which must answer and exit: a child that comes back
    out of it instead, into the caller's code (a build would run twice), writes ``marker``
    and exits at once, for the test to see."""
    parent = os.getpid()
    try:
        yield
    finally:
        if os.getpid() != parent:
            marker.write_text("a child returned into the caller")
            os._exit(0)


def copy_sample(dest: Path) -> Path:
    """A copy of the repository's sample site (articles, config, templates, static)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in SAMPLE_PARTS:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, dest / name)
        elif source.is_file():
            shutil.copyfile(source, dest / name)
    return dest


def build_at(root: Path, out: Path, **overrides: object) -> Built:
    """Build the site under ``root`` into ``out`` (outside the site) with BUILD_TIME."""
    config = site_config(root, output_dir=out, **overrides)
    result = build(config)
    return Built(root=root, out=config.output_dir, config=config, result=result)


def build_sample(base: Path, **overrides: object) -> Built:
    """Copy the sample site under ``base`` and build it into ``base/out``."""
    root = copy_sample(base / "site")
    return build_at(root, base / "out", **overrides)


def url_to_file(out: Path, url: str) -> Path:
    """``/x/`` → out/x/index.html, ``/feed.xml`` → out/feed.xml (percent-decoded)."""
    path = unquote(urlsplit(url).path).lstrip("/")
    if path == "" or path.endswith("/"):
        path += "index.html"
    return out / path


def file_to_url(out: Path, path: Path) -> str:
    """The site URL (without base path) of one output file."""
    relative = path.relative_to(out).as_posix()
    if relative == "index.html":
        return "/"
    if relative.endswith("/index.html"):
        return "/" + relative[: -len("index.html")]
    return "/" + relative


SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def sitemap_parts(out: Path, base_url: str,
                  ) -> dict[str, tuple[str | None, ElementTree.Element]]:
    """The sitemap as a crawler reads it: ``/sitemap.xml`` is an index, whose parts are
    urlsets at URLs under ``base_url``. Part URL → (its lastmod in the index, its urlset)."""
    index = ElementTree.parse(out / "sitemap.xml").getroot()
    assert index.tag == f"{SITEMAP_NS}sitemapindex"
    parts = {}
    for entry in index.findall(f"{SITEMAP_NS}sitemap"):
        url = entry.findtext(f"{SITEMAP_NS}loc") or ""
        assert url.startswith(base_url), url
        part = ElementTree.parse(url_to_file(out, url[len(base_url) - 1 :])).getroot()
        assert part.tag == f"{SITEMAP_NS}urlset", url
        parts[url] = (entry.findtext(f"{SITEMAP_NS}lastmod"), part)
    return parts


def sitemap_entries(out: Path, base_url: str) -> list[tuple[str, str | None]]:
    """Every (loc, lastmod) the sitemap's parts list, in order."""
    return [(u.findtext(f"{SITEMAP_NS}loc") or "", u.findtext(f"{SITEMAP_NS}lastmod"))
            for _, part in sitemap_parts(out, base_url).values()
            for u in part.findall(f"{SITEMAP_NS}url")]


def sitemap_locs(out: Path, base_url: str) -> list[str]:
    return [loc for loc, _ in sitemap_entries(out, base_url)]


def html_files(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


def snapshot(out: Path) -> dict[str, bytes]:
    """Every file of an output folder (hidden ones too), by relative path."""
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------- sample content


@dataclass(frozen=True)
class SourceArticle:
    """What an article file says, read independently of newsgen's own parser."""

    path: Path
    title: str
    date: datetime  # in the site's time zone
    topics: tuple[str, ...]
    draft: bool
    source: str | None
    source_url: str | None
    authors: tuple[str, ...]
    summary: str | None
    body: str

    @property
    def url(self) -> str:
        return f"/{self.date:%Y}/{self.date:%m}/{slugify(self.title)}/"

    @property
    def topic_slugs(self) -> tuple[str, ...]:
        return tuple(slugify(t) for t in self.topics)


def _names(value: object, *, split: bool) -> tuple[str, ...]:
    """A list, or one string (comma-separated when ``split``: topics, not authors)."""
    if value is None or value == "":
        return ()
    if not isinstance(value, str):
        assert isinstance(value, list)
        return tuple(" ".join(str(i).split()) for i in value if str(i).strip())
    items = value.split(",") if split else [value]
    return tuple(" ".join(str(i).split()) for i in items if str(i).strip())


def read_source_articles(root: Path, timezone: str) -> list[SourceArticle]:
    """Every article of a site, newest first, from its front matter (all values as text)."""
    tz = ZoneInfo(timezone)
    found = []
    for path in sorted((root / "articles").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        _, head, body = text.split("---\n", 2)
        data = yaml.load(head, Loader=yaml.BaseLoader)  # BaseLoader: every value a string
        moment = datetime.fromisoformat(data["date"])
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=tz)
        found.append(SourceArticle(
            path=path, title=" ".join(data["title"].split()), date=moment.astimezone(tz),
            topics=_names(data.get("topics"), split=True), draft=data.get("draft") == "true",
            source=data.get("source"), source_url=data.get("source_url"),
            authors=_names(data.get("author"), split=False), summary=data.get("summary"), body=body,
        ))
    found.sort(key=lambda a: (-a.date.timestamp(), a.url))
    return found


def topic_members(articles: list[SourceArticle]) -> dict[str, tuple[str, list[SourceArticle]]]:
    """Topic slug -> (its name, its articles in the order given: newest first)."""
    found: dict[str, tuple[str, list[SourceArticle]]] = {}
    for a in articles:
        for name, slug in zip(a.topics, a.topic_slugs, strict=True):
            found.setdefault(slug, (name, []))[1].append(a)
    return found


# --------------------------------------------------------------------------- HTML reading

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})


class Element:
    """A tiny DOM node: enough to find elements and read their text."""

    def __init__(self, tag: str, attrs: dict[str, str | None], line: int = 0) -> None:
        self.tag = tag
        self.attrs = attrs
        self.line = line
        self.children: list[Element | str] = []

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs} line {self.line}>"

    def get(self, name: str) -> str | None:
        return self.attrs.get(name)

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def iter(self) -> Iterator[Element]:
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None,
                 **attrs: str) -> list[Element]:
        return [e for e in self.iter()
                if (tag is None or e.tag == tag)
                and (cls is None or cls in e.classes)
                and all(e.attrs.get(k) == v for k, v in attrs.items())]

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Element:
        found = self.find_all(tag, cls, **attrs)
        assert found, f"no <{tag or '*'}> with class={cls} {attrs} in {self!r}"
        return found[0]

    def raw_text(self) -> str:
        return "".join(c if isinstance(c, str) else c.raw_text() for c in self.children)

    def text(self) -> str:
        """Text content with white space folded, as a reader sees it."""
        return " ".join(self.raw_text().split())


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs), self.getpos()[0])
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, dict(attrs), self.getpos()[0]))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(text: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


def card_links(page: Element, container: Element | None = None) -> list[str]:
    """The article links of a listing page, in the order shown (lead story first)."""
    scope = container or page.find("main")
    return [a.get("href") or "" for e in scope.iter()
            if e.tag in ("h2", "h3") and e.classes & {"lead-title", "card-title"}
            for a in e.find_all("a")]


# --------------------------------------------------------------------------- serving


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` over HTTP on 127.0.0.1 (a free port); yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
