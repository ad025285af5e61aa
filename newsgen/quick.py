"""The quick build: edits to what articles say, done from the cache's rows.

When the only inputs that changed are article files, and each still has the same shape
(``SHAPE_FIELDS``: where it is published, when, under which topics, bylines and source,
its corrections) and the same warnings, then the site is planned as the previous build
planned it: same pages, same lists in the same order. Only what those articles display
changed (headline, summary, body, image…), so the pages to render again are those that
read one of them when last rendered (see ``reads``): the article's page, the listings,
related lists and feeds that showed it. Everything they need is in the cache's rows
(``store``). So a headline or body edit costs a stat of the inputs, a parse of the edited
file and the rows of a few dozen pages, not a load of every article.

A headline edit may also move the article's URL, when its slug follows the headline. The
plan is still the previous one with the article's page at its new URL, provided the URL
decides no order (``_moves``): its timestamp is no other article's, since listings and
related lists break ties by URL, and it has no corrections. And nothing else changes with
it: no other article links to it (the link would be rewritten) and the new URL is free.
The pages to render again are then those that read the article or hold it.

Anything else (a new, renamed or deleted file, a template, config or static change, a
shape change, a link to a missing article, a damaged row) returns None: the full
incremental build then runs. Both give the same bytes, which the incremental tests check
against clean builds.
"""

from __future__ import annotations

import dataclasses
import html
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsgen.cache import (
    RACY_NS,
    CacheState,
    FileStats,
    cache_parse_key,
    cache_write_errors,
    forget_state,
    head_unchanged,
    new_generation,
    not_saved,
    save_state,
    site_key,
)
from newsgen.config import SiteConfig
from newsgen.content import Parsed, read_article
from newsgen.digests import DIGEST_SIZE, article_digests
from newsgen.errors import display_path
from newsgen.fingerprint import Fingerprints, PagePrint
from newsgen.links import local_target, resolve_links, static_files
from newsgen.models import Article, ArticleRef, RowGroup
from newsgen.output import (
    FolderCheck,
    Staging,
    folder_stamps,
    folders_of,
    journal_path,
    output_lock,
    published_files,
)
from newsgen.page import Page
from newsgen.render import make_site_env, render_tracked
from newsgen.search import BUNDLE, index_view
from newsgen.sitemaps import lists_urls
from newsgen.store import Store, StoreError, page_row

if TYPE_CHECKING:
    import jinja2

# What decides where an article appears: every field the index, the related lists, the
# listings, archive, feeds and sitemaps read (the rest only shows on the pages).
SHAPE_FIELDS = ("source_path", "url", "slug", "date", "updated", "embargo", "draft",
                "topics", "authors", "bylines", "source", "source_slug", "corrections",
                "key_lines")
DISPLAY_FIELDS = tuple(f.name for f in dataclasses.fields(Article)
                       if f.name not in SHAPE_FIELDS)
# The shape fields a headline edit moves with it, when the slug follows the headline.
URL_FIELDS = ("url", "slug")


class _NotQuick(Exception):
    """This edit needs the full incremental build."""


@dataclasses.dataclass(frozen=True)
class QuickResult:
    rendered: int
    notices: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class _Edit:
    record: Parsed
    article: Article | None  # the new site article; None: the content is as recorded
    old_url: str = ""  # the site article's URL before the edit


@dataclasses.dataclass(frozen=True)
class _Moves:
    """Articles whose URL moved, and what moves with them (see ``_moves``)."""

    urls: Mapping[str, str]  # old URL → new URL
    outputs: frozenset[str]  # the files published now
    pages: frozenset[str]  # output paths of the pages whose rows hold a moved article
    groups: frozenset[str]  # URLs of the groups that hold one
    related: tuple[str, dict[str, tuple[str, ...]], dict[str, Any]]  # blob, new URLs
    templates: Mapping[str, bytes]  # the digests of the templates (no template changed)

    def path(self, url: str) -> str:
        return Page(url, "").output_path


def quick_build(config: SiteConfig, state: CacheState, store: Store, files: FileStats,
                started_ns: int, by_hand: FolderCheck) -> QuickResult | None:
    """Render again only the pages that showed what the edited articles display, or None
    (see the module). ``by_hand``: whether files were put in or taken out of the output
    folder by hand since ``state`` was saved (its folders' stamps)."""
    try:
        edited = _edited_articles(config, state, store, files, started_ns)
        return _apply(config, state, store, files, started_ns, edited, by_hand)
    except (_NotQuick, StoreError):
        return None


def _edited_articles(config: SiteConfig, state: CacheState, store: Store, files: FileStats,
                     started_ns: int) -> dict[Path, _Edit]:
    """Each changed article file: its new record and its new site article."""
    if (state.parse_key != cache_parse_key(config) or state.chrome is None
            or files.keys() != state.files.keys()
            or (state.valid_until is not None and config.build_time >= state.valid_until)):
        raise _NotQuick
    racy_after = state.started_ns - RACY_NS
    changed = [Path(path) for path, stat in files.items()
               if stat != state.files[path] or stat[1] >= racy_after]
    articles_dir = config.articles_dir
    if any(not path.is_relative_to(articles_dir) or path.suffix != ".md" or path.is_symlink()
           for path in changed):
        raise _NotQuick
    known = store.parsed(changed)
    static = static_files(config) if changed else frozenset()
    edited: dict[Path, _Edit] = {}
    for path in changed:
        old = known.get(path)
        if old is None or old.article is None:
            raise _NotQuick
        new = read_article(path, config)
        if new.digest == old.digest:
            edited[path] = _Edit(dataclasses.replace(old, mtime_ns=new.mtime_ns,
                                                     size=new.size), None)
            continue
        if new.article is None or new.errors or new.warnings != old.warnings:
            raise _NotQuick
        fields = DISPLAY_FIELDS
        if new.article.url != old.article.url:
            fields += URL_FIELDS
        if _shape(new.article, fields) != _shape(old.article, fields):
            raise _NotQuick
        site_article = store.article(old.article.url)
        if site_article is None:  # held back: its edits show nowhere, but let the full
            raise _NotQuick         # build decide that
        resolved = _resolve(new.article, old.article, config, store, static)
        edited[path] = _Edit(new, dataclasses.replace(
            site_article, **{name: getattr(resolved, name) for name in fields}),
            old.article.url)
    return edited


def _shape(article: Article, display: tuple[str, ...]) -> tuple[object, ...]:
    return tuple(getattr(article, name) for name in SHAPE_FIELDS if name not in display)


def _resolve(new: Article, old: Article, config: SiteConfig, store: Store,
             static: frozenset[str]) -> Article:
    """``new`` with its links resolved, if they resolve with the same warnings as ``old``'s
    did and without errors."""
    static_prefix = display_path(config.static_dir, config.root).rstrip("/") + "/"
    results = []
    for article in (new, old):
        targets = set()
        for ref in article.refs:
            local = local_target(ref.target, article.source_path, static_prefix)
            if local is not None and local.kind != "static":
                targets.add(config.root / local.path)
        found = store.parsed(targets)
        if len(found) != len(targets) or any(p.article is None for p in found.values()):
            raise _NotQuick
        others = [p.article for p in found.values()
                  if p.article is not None and p.article.source_path != article.source_path]
        resolved, warnings, errors = resolve_links([article, *others], config, static)
        mine = [w for w in warnings if w.path == article.source_path]
        if any(e.path == article.source_path for e in errors):
            raise _NotQuick
        results.append((resolved[0], mine))
    if results[0][1] != results[1][1]:
        raise _NotQuick
    return results[0][0]


@dataclasses.dataclass(frozen=True)
class _Plan:
    """The pages to render again for ``edited``, and what the rows need to follow."""

    edited: Mapping[Path, _Edit]
    articles: dict[str, Article]  # the edited articles, by their URL now
    digests: dict[str, bytes]  # their card and body digests, by their URL now
    moved: dict[str, Article]  # old URL → the article at its new URL
    moves: _Moves | None
    pages: list[Page]
    structures: list[str]  # each page's structure digest (see ``fingerprint``)
    groups: dict[str, RowGroup]  # the groups read from the rows
    load: Callable[[str], Article]  # the site's article at a URL, from the rows
    gone: set[str]  # the pages of moved articles at their old URLs


def _apply(config: SiteConfig, state: CacheState, store: Store, files: FileStats,
           started_ns: int, edited: Mapping[Path, _Edit], by_hand: FolderCheck,
           ) -> QuickResult:
    assert state.chrome is not None
    env = make_site_env(config, state.chrome, config.cache_dir)
    fingerprints = Fingerprints(env, site_key(config, state.chrome))
    plan = _plan(config, store, edited, fingerprints)
    with output_lock(config):
        # A commit to complete, files put in or taken out by hand, or a build that
        # published since this one read the cache: the full build deals with those (it
        # leaves exactly the site in the output folder).
        if (journal_path(config.output_dir).exists() or not by_hand.unchanged()
                or not head_unchanged(config.cache_dir, state, store)):
            raise _NotQuick
        page_prints, outputs, folders = _publish(config, state, store, plan, env,
                                                 fingerprints)
        # Saved under the lock, like the full build's (see there). The site is published:
        # a cache that cannot be saved only makes the next build slower.
        notices: tuple[str, ...] = ()
        try:
            generation = _save_rows(store, plan, fingerprints, page_prints, outputs)
            save_state(config.cache_dir, dataclasses.replace(
                state, store_generation=generation, files=dict(files),
                started_ns=started_ns, folders=folders))
        except cache_write_errors() as exc:
            notices = (not_saved(exc),)
    return QuickResult(rendered=len(plan.pages), notices=notices)


def _plan(config: SiteConfig, store: Store, edited: Mapping[Path, _Edit],
          fingerprints: Fingerprints) -> _Plan:
    articles = {e.article.url: e.article for e in edited.values() if e.article}
    old_urls = {e.article.url: e.old_url for e in edited.values() if e.article}
    moved = {old: articles[url] for url, old in old_urls.items() if old != url}
    moves = _moves(config, store, moved) if moved else None
    loaded: dict[str, Article] = dict(articles)

    def load(url: str) -> Article:
        if url not in loaded:
            article = store.article(url)
            if article is None:
                raise _NotQuick
            loaded[url] = article
        return loaded[url]

    def resolve(url: str) -> Article | ArticleRef:
        # Rows hold a moved article by its old URL.
        if url in moved:
            return moved[url]
        return articles[url] if url in articles else ArticleRef(url, load)

    # Pages that read what changed: an article's card, its body, or both. An article's
    # row digest is its card digest followed by its body digest. Rows and fingerprints
    # know a moved article by its old URL.
    digests = {url: article_digests(a) for url, a in articles.items()}
    stored = {url: _stored_digest(store, old_urls[url]) for url in articles}
    new_cards = {old_urls[url] for url, digest in digests.items()
                 if digest[:_HALF] != stored[url][:_HALF]}
    new_bodies = {old_urls[url] for url, digest in digests.items()
                  if digest[_HALF:] != stored[url][_HALF:]} | set(moved)
    previous = store.prints_reading(new_cards, new_bodies)
    groups: dict[str, RowGroup] = {}

    def load_page(path: str) -> Page:
        page = store.page(path, resolve, groups)
        if page is None:
            raise _NotQuick
        return dataclasses.replace(page, url=moved[page.url].url) if page.url in moved else page

    pages = [load_page(path) for path in sorted(previous)]
    if moves is None:
        # The structure part of each fingerprint is the previous one: no template,
        # setting or article shape changed (computing it again would parse every
        # template it uses).
        return _Plan(edited, articles, digests, moved, moves, pages,
                     [previous[page.output_path][0] for page in pages], groups, load, set())
    # A page that holds a moved article without reading it renders as it did, except a
    # sitemap: it shows the URLs of the articles it lists without reading them. (The
    # others keep rows and a structure digest with the old URL, which they never read:
    # the next full build takes their structure again.)
    pages += [page for page in map(load_page, sorted(moves.pages - previous.keys()))
              if lists_urls(page)]
    for url in moves.groups:
        store.group(url, resolve, groups)
    # Where a page holds a moved article, or a group that does, its structure has the
    # URL: taken again.
    fingerprints.seed_templates(moves.templates)
    return _Plan(edited, articles, digests, moved, moves, pages,
                 [fingerprints.page(page) for page in pages], groups, load,
                 {moves.path(url) for url in moved})


def _publish(config: SiteConfig, state: CacheState, store: Store, plan: _Plan,
             env: jinja2.Environment, fingerprints: Fingerprints,
             ) -> tuple[dict[str, PagePrint], frozenset[str] | None, dict[str, int]]:
    """Render the plan's pages into the output folder and delete the moved pages' old
    files. Returns the pages' fingerprints, the published files when they changed (else
    None) and the output's folder stamps."""
    page_prints: dict[str, PagePrint] = {}
    staging = Staging(config.output_dir)
    try:
        for page, structure in zip(plan.pages, plan.structures, strict=True):
            text, (cards, bodies) = render_tracked(page, env)
            staging.write(page.output_path, text)
            read = {url: plan.load(url) for url in (*cards, *bodies)}
            page_prints[page.output_path] = fingerprints.record(structure, cards, bodies,
                                                                read)
        stale = set(plan.gone)
        outputs = plan.moves.outputs if plan.moves is not None else None
        if state.searched and any(page.template == "article.html" for page in plan.pages):
            outputs = outputs if outputs is not None else store.blob("outputs")
            if outputs is None:
                raise _NotQuick
            stale |= _index_search(config, store, staging, plan.moves)
        # Until the new head is saved, the cache does not describe the published folder:
        # a build stopped in between leaves the next one a full build.
        forget_state(config.cache_dir)
        staging.commit(stale=stale)
    except BaseException:
        staging.discard()
        raise
    # Only the folders this build wrote to or deleted from have new mtimes; those it
    # emptied are gone.
    folders = {folder: stamp for folder, stamp in {**state.folders, **folder_stamps(
        config.output_dir, folders_of(staging.written | stale))}.items() if stamp != -1}
    published = (outputs - stale) | staging.current if stale and outputs is not None else None
    return page_prints, published, folders


def _save_rows(store: Store, plan: _Plan, fingerprints: Fingerprints,
               page_prints: Mapping[str, PagePrint], outputs: frozenset[str] | None) -> str:
    """Bring the rows up to date with the published pages; returns their generation."""
    blobs: dict[str, object] = {}
    if outputs is not None:
        blobs["outputs"] = outputs
    if plan.moves is not None:
        blobs["related"] = plan.moves.related
    generation = new_generation()
    store.write(
        generation,
        parsed=[e.record for e in plan.edited.values()],
        articles=[(a, plan.digests[url]) for url, a in plan.articles.items()],
        articles_gone=set(plan.moved),
        pages=[(page.output_path, page_row(page)) for page in plan.pages],
        pages_gone=plan.gone,
        groups=[(group, fingerprints.value(group)) for url, group in plan.groups.items()
                if plan.moves is not None and url in plan.moves.groups],
        prints=page_prints, prints_gone=plan.gone,
        blobs=blobs)
    return generation


def _moves(config: SiteConfig, store: Store, moved: Mapping[str, Article]) -> _Moves:
    """What moves with the articles in ``moved`` (old URL → the article at its new URL),
    if the plan stays the previous one (see the module); else ``_NotQuick``."""
    # Here, not at the top: an edit that moves no article needs neither (~5 ms of imports).
    from newsgen.index import RESERVED
    from newsgen.related import ranking_key

    outputs = store.blob("outputs")
    related = store.blob("related")
    templates = store.blob("templates")
    if not (isinstance(outputs, frozenset) and isinstance(related, tuple)
            and len(related) == 3 and isinstance(templates, dict)):
        raise _NotQuick
    key, lists, entries = related
    limit = config.related_limit
    if key != ranking_key(limit, entries):
        raise _NotQuick
    stamps = Counter(stamp for _, stamp, _ in entries.values())
    pages: set[str] = set()
    groups: set[str] = set()
    new_entries = dict(entries)
    for old, article in moved.items():
        url = article.url
        entry = entries.get(article.source_path)
        if (entry is None or entry[0] != old or stamps[entry[1]] != 1 or article.corrections
                # Links to it are written as the URL under base_url's path, escaped.
                or html.escape(old) != old or url in moved
                or url.strip("/").split("/")[0] in RESERVED
                or any(path.startswith(url.lstrip("/")) for path in outputs)
                or store.mentioning("articles", old.lstrip("/")) - {old}):
            raise _NotQuick
        new_entries[article.source_path] = (url, *entry[1:])
        pages |= store.mentioning("pages", old)
        groups |= store.mentioning("groups", old)
    urls = {old: article.url for old, article in moved.items()}
    new_lists = {urls.get(owner, owner): tuple(urls.get(u, u) for u in members)
                 for owner, members in lists.items()}
    return _Moves(urls, outputs, frozenset(pages), frozenset(groups),
                  (ranking_key(limit, new_entries), new_lists, new_entries), templates)


_HALF = DIGEST_SIZE  # card digest, then body digest


def _stored_digest(store: Store, url: str) -> bytes:
    """The card and body digests of the article at ``url`` as the rows have them."""
    digest = store.article_digest(url)
    if digest is None:
        raise _NotQuick
    return digest


def _index_search(config: SiteConfig, store: Store, staging: Staging,
                  moves: _Moves | None) -> set[str]:
    """Index the site's article pages again (Pagefind indexes whole sites only); returns
    the files of the old index that the new one does not have."""
    old = {f"{BUNDLE}/{path}" for path in published_files(config.output_dir / BUNDLE)}
    urls = moves.urls if moves is not None else {}
    index_view([Page(urls.get(url, url), "").output_path for url in store.article_digests()],
               staging)
    return old - staging.current
