"""Links between articles, and to static files, written as source paths.

An editor links to another article by its file: ``[earlier story](../2019/flood-warning.md)``
(relative to the linking file) or ``/articles/2019/flood-warning.md`` (from the site root).
Static files are linked as ``/static/img/map.png``, or by a relative path into the site's
static folder. ``find_refs`` records every link and image of a body with its source line when
an article is parsed; once all articles are loaded, ``resolve_links`` rewrites those targets
to the published URLs (under ``base_url``'s path) and reports the ones that lead nowhere.

A link to an article that exists but is held back (a draft, or scheduled for later) is a
warning, not an error: the link is written to the URL the article will have, and works once
that article is published. ``--strict`` makes it an error.
"""

from __future__ import annotations

import dataclasses
import html
import posixpath
import re
from collections.abc import Iterator, Sequence
from typing import NamedTuple
from urllib.parse import quote, unquote, urlsplit

from newsgen.config import SiteConfig
from newsgen.errors import Problem, display_path
from newsgen.models import Article, Ref, encode_body
from newsgen.walk import walk_files

_TAG = re.compile(r"<(a|img)\s([^>]*)>", re.IGNORECASE)
_ATTR = re.compile(r"""([^\s=/>"']+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""")


class _Found(NamedTuple):
    tag: str
    target: str  # entities decoded
    start: int  # span of the raw attribute value in the HTML
    end: int
    alt: str | None


def _scan(body_html: str) -> Iterator[_Found]:
    """Every ``<a href>`` and ``<img src>`` of an HTML fragment, in order."""
    for tag_match in _TAG.finditer(body_html):
        tag = tag_match.group(1).lower()
        wanted = "href" if tag == "a" else "src"
        offset = tag_match.start(2)
        value: tuple[str, int, int] | None = None
        alt = None
        for attr in _ATTR.finditer(tag_match.group(2)):
            name = attr.group(1).lower()
            # The one of the value's three groups that matched: the last one (2, 3, 4).
            group = attr.lastindex or 0
            if name == wanted and value is None:
                raw = attr.group(group)
                value = (html.unescape(raw), offset + attr.start(group), offset + attr.end(group))
            elif name == "alt":
                alt = html.unescape(attr.group(group))
        if value is not None:
            yield _Found(tag, value[0], value[1], value[2], alt)


def find_refs(body_html: str, body: str, first_line: int) -> tuple[Ref, ...]:
    """The links and images of a converted body, each with the line of the source file
    where its target is written (``body`` is the Markdown, starting at ``first_line``).

    The HTML decides what is a link (nothing in a code block is); the line is where the
    target text appears in the Markdown, searched in order, so a reference-style link is
    placed at its definition, the line to edit.
    """
    refs = []
    cursor = 0  # where the previous target was found
    counted_to, line = 0, first_line  # newlines counted up to ``counted_to``
    for found in _scan(body_html):
        pos = _locate(body, found.target, cursor)
        if pos is None:
            pos = cursor
        else:
            cursor = pos + 1
        if pos < counted_to:
            counted_to, line = 0, first_line
        line += body.count("\n", counted_to, pos)
        counted_to = pos
        refs.append(Ref(found.tag, found.target, line, found.alt))
    return tuple(refs)


def _locate(body: str, target: str, start: int) -> int | None:
    if not target:
        return None
    pos = body.find(target, start)
    if pos < 0:
        pos = body.find(target)
    if pos < 0 and (written := unquote(target)) != target:
        pos = body.find(written, start)
        if pos < 0:
            pos = body.find(written)
    return pos if pos >= 0 else None


def static_files(config: SiteConfig) -> frozenset[str]:
    """Paths under ``/static/`` that a build publishes: the theme's and the site's files,
    found as the build copies them (``walk_files``: hidden files and symlinks leading
    outside the site are not copied, so they do not count)."""
    from newsgen.render import THEME_DIR

    names: set[str] = set()
    skipped: list[Problem] = []  # the build reports these when it copies the folder
    for folder in (THEME_DIR / "static", config.static_dir):
        if not folder.is_dir():
            continue
        for path in walk_files(folder, config.root, skipped, skipped):
            names.add(path.relative_to(folder).as_posix())
    return frozenset(names)


@dataclasses.dataclass(frozen=True)
class _Local:
    """A target on this site that the build resolves."""

    kind: str  # "article" or "static"
    path: str  # article: its source path; static: the path under /static/
    suffix: str  # "?query#fragment" as written, kept on the rewritten URL


_NOT_LOCAL = ("http://", "https://", "mailto:", "#")


def local_target(target: str, source: str, static_prefix: str) -> _Local | None:
    """What a link in the article ``source`` points at, if it is an article file or a
    static file; None for web links, fragments and other site URLs (left as they are)."""
    if target.startswith(_NOT_LOCAL):  # most links: no need to split them
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    suffix = (f"?{parts.query}" if parts.query else "") + (
        f"#{parts.fragment}" if parts.fragment else "")
    if path.startswith("/"):
        site_path = posixpath.normpath(path.lstrip("/"))
        if path.startswith("/static/"):
            return _Local("static", path[len("/static/"):], suffix)
    else:
        site_path = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
        if site_path.startswith(static_prefix):
            return _Local("static", site_path[len(static_prefix):], suffix)
    if path.endswith(".md"):
        return _Local("article", site_path, suffix)
    return None


def held_back(article: Article, config: SiteConfig) -> str | None:
    """Why a build does not publish ``article`` ("a draft", "scheduled …"), or None."""
    if article.draft and not config.drafts:
        return "a draft"
    if article.date > config.build_time and not config.future:
        return f"scheduled for {article.date.isoformat(sep=' ', timespec='minutes')}"
    return None


def resolve_links(articles: Sequence[Article], config: SiteConfig, static: frozenset[str],
                  unparsed: frozenset[str] = frozenset(),
                  ) -> tuple[list[Article], list[Problem], list[Problem]]:
    """Rewrite links to article files and static files into site URLs.

    Returns the articles (new values where a body changed), warnings (links to held-back
    articles) and errors (links to articles or static files that do not exist). Links to
    files in ``unparsed`` (articles that failed to load, already reported) are left alone.
    """
    by_source = {a.source_path: a for a in articles}
    static_prefix = display_path(config.static_dir, config.root).rstrip("/") + "/"
    base = config.base_path
    result: list[Article] = []
    warnings: list[Problem] = []
    errors: list[Problem] = []
    for article in articles:
        rewrites: dict[str, str] = {}
        for ref in article.refs:
            local = local_target(ref.target, article.source_path, static_prefix)
            if local is None:
                continue
            where = f"link to '{ref.target}'" if ref.tag == "a" else f"image '{ref.target}'"
            if local.kind == "static":
                if local.path in static:
                    rewrites[ref.target] = base + "static/" + quote(local.path) + local.suffix
                else:
                    errors.append(Problem(article.source_path,
                                          f"{where}: no file '{local.path}' in the site's or "
                                          f"the theme's static folder", ref.line))
                continue
            target = by_source.get(local.path)
            if target is None:
                if local.path not in unparsed:
                    errors.append(Problem(article.source_path,
                                          f"{where}: no article {local.path}"
                                          + _suggest(local.path, by_source), ref.line))
                continue
            rewrites[ref.target] = base + target.url.lstrip("/") + local.suffix
            why = held_back(target, config)
            if why and not held_back(article, config):
                warnings.append(Problem(article.source_path,
                                        f"{where}: {local.path} is {why}, not published: the "
                                        f"link is broken until it is", ref.line))
        if rewrites:
            article = dataclasses.replace(article, body_utf8=encode_body(
                rewrite_targets(article.body_html, rewrites)))
        result.append(article)
    return result, warnings, errors


def rewrite_targets(body_html: str, rewrites: dict[str, str]) -> str:
    """``body_html`` with each link or image target found in ``rewrites`` replaced."""
    pieces = []
    done = 0
    for found in _scan(body_html):
        new = rewrites.get(found.target)
        if new is not None:
            pieces += [body_html[done:found.start], html.escape(new)]
            done = found.end
    pieces.append(body_html[done:])
    return "".join(pieces)


def _suggest(missing: str, sources: dict[str, Article]) -> str:
    folder = posixpath.dirname(missing)
    nearby = [s for s in sources if posixpath.dirname(s) == folder]
    import difflib  # only for a broken link

    match = difflib.get_close_matches(missing, nearby, n=1, cutoff=0.75)
    return f" (did you mean {match[0]}?)" if match else ""
