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

Anything else (a new, renamed or deleted file, a template, config or static change, a
shape change, a link to a missing article, a damaged row) returns None: the full
incremental build then runs. Both give the same bytes, which the incremental tests check
against clean builds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

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
from newsgen.models import Article, ArticleGroup, ArticleRef
from newsgen.output import (
    Staging,
    folder_stamps,
    folders_of,
    folders_unchanged,
    journal_path,
    output_lock,
    published_files,
)
from newsgen.page import Page
from newsgen.render import make_site_env, render_tracked
from newsgen.search import BUNDLE, index_view
from newsgen.store import Store, StoreError, page_row

# What decides where an article appears: every field the index, the related lists, the
# listings, archive, feeds and sitemaps read (the rest only shows on the pages).
SHAPE_FIELDS = ("source_path", "url", "slug", "date", "updated", "embargo", "draft",
                "topics", "authors", "bylines", "source", "source_slug", "corrections",
                "key_lines")
DISPLAY_FIELDS = tuple(f.name for f in dataclasses.fields(Article)
                       if f.name not in SHAPE_FIELDS)


class _NotQuick(Exception):
    """This edit needs the full incremental build."""


@dataclasses.dataclass(frozen=True)
class QuickResult:
    rendered: int
    notices: tuple[str, ...]


def quick_build(config: SiteConfig, state: CacheState, store: Store, files: FileStats,
                inputs: str, started_ns: int) -> QuickResult | None:
    """Render again only the pages that showed what the edited articles display, or None
    (see the module)."""
    try:
        edited = _edited_articles(config, state, store, files, started_ns)
        return _apply(config, state, store, files, inputs, started_ns, edited)
    except (_NotQuick, StoreError):
        return None


def _edited_articles(config: SiteConfig, state: CacheState, store: Store, files: FileStats,
                     started_ns: int) -> dict[Path, tuple[Parsed, Article | None]]:
    """Each changed article file: its new record and its new site article (None when the
    file's content is as recorded)."""
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
    edited: dict[Path, tuple[Parsed, Article | None]] = {}
    for path in changed:
        old = known.get(path)
        if old is None or old.article is None:
            raise _NotQuick
        new = read_article(path, config)
        if new.digest == old.digest:
            edited[path] = (dataclasses.replace(old, mtime_ns=new.mtime_ns,
                                                size=new.size), None)
            continue
        if (new.article is None or new.errors or new.warnings != old.warnings
                or _shape(new.article) != _shape(old.article)):
            raise _NotQuick
        site_article = store.article(old.article.url)
        if site_article is None:  # held back: its edits show nowhere, but let the full
            raise _NotQuick         # build decide that
        resolved = _resolve(new.article, old.article, config, store, static)
        edited[path] = (new, dataclasses.replace(
            site_article, **{name: getattr(resolved, name) for name in DISPLAY_FIELDS}))
    return edited


def _shape(article: Article) -> tuple[object, ...]:
    return tuple(getattr(article, name) for name in SHAPE_FIELDS)


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


def _apply(config: SiteConfig, state: CacheState, store: Store, files: FileStats,
           inputs: str, started_ns: int,
           edited: Mapping[Path, tuple[Parsed, Article | None]]) -> QuickResult:
    new_articles = {article.url: article for _, article in edited.values() if article}
    loaded: dict[str, Article] = dict(new_articles)

    def load(url: str) -> Article:
        if url not in loaded:
            article = store.article(url)
            if article is None:
                raise _NotQuick
            loaded[url] = article
        return loaded[url]

    def resolve(url: str) -> Article | ArticleRef:
        return new_articles[url] if url in new_articles else ArticleRef(url, load)

    # Pages that read what changed: an article's card, its body, or both. An article's
    # row digest is its card digest followed by its body digest.
    digests = {url: article_digests(a) for url, a in new_articles.items()}
    stored = {url: _stored_digest(store, url) for url in new_articles}
    new_cards = {url for url, digest in digests.items()
                 if digest[:_HALF] != stored[url][:_HALF]}
    new_bodies = {url for url, digest in digests.items()
                  if digest[_HALF:] != stored[url][_HALF:]}
    previous = store.prints_reading(new_cards, new_bodies)
    paths = sorted(previous)
    pages: list[Page] = []
    groups: dict[str, ArticleGroup] = {}
    for path in paths:
        page = store.page(path, resolve, groups)
        if page is None:
            raise _NotQuick
        pages.append(page)
    assert state.chrome is not None
    env = make_site_env(config, state.chrome, config.cache_dir)
    fingerprints = Fingerprints(env, site_key(config, state.chrome))
    # The structure part of each fingerprint is the previous one: no template, setting or
    # article shape changed (computing it again would parse every template it uses).
    prints = [previous[page.output_path][0] for page in pages]
    page_prints: dict[str, PagePrint] = {}
    with output_lock(config):
        # A commit to complete, files put in or taken out by hand, or a build that
        # published since this one read the cache: the full build deals with those (it
        # leaves exactly the site in the output folder).
        if (journal_path(config.output_dir).exists()
                or not folders_unchanged(config.output_dir, state.folders)
                or not head_unchanged(config.cache_dir, state, store)):
            raise _NotQuick
        staging = Staging(config.output_dir)
        try:
            shown: list[Page] = []
            for i, page in enumerate(pages):
                text, (cards, bodies) = render_tracked(page, env)
                staging.write(page.output_path, text)
                read = {url: load(url) for url in (*cards, *bodies)}
                page_prints[page.output_path] = fingerprints.record(prints[i], cards, bodies,
                                                                    read)
                if cards or bodies:
                    shown.append(page)
            stale: set[str] = set()
            outputs: frozenset[str] = frozenset()
            if state.searched and any(page.template == "article.html" for page in pages):
                outputs = store.blob("outputs")
                if outputs is None:
                    raise _NotQuick
                stale = _index_search(config, store, staging)
            # Until the new head is saved, the cache does not describe the published
            # folder: a build stopped in between leaves the next one a full build.
            forget_state(config.cache_dir)
            staging.commit(stale=stale)
            # Only the folders this build wrote to or deleted from have new mtimes.
            folders = {**state.folders, **folder_stamps(
                config.output_dir, folders_of(staging.written | stale))}
        except BaseException:
            staging.discard()
            raise
        # Saved under the lock, like the full build's (see there). The site is published:
        # a cache that cannot be saved only makes the next build slower.
        notices: tuple[str, ...] = ()
        try:
            generation = new_generation()
            store.write(
                generation,
                parsed=[record for record, _ in edited.values()],
                articles=[(a, digests[url]) for url, a in new_articles.items()],
                pages=[(page.output_path, page_row(page)) for page in shown],
                pages_gone=({page.output_path for page in pages}
                            - {page.output_path for page in shown}),
                prints=page_prints,
                blobs={"outputs": (outputs - stale) | staging.current} if stale else None)
            save_state(config.cache_dir, dataclasses.replace(
                state, store_generation=generation, files=dict(files), inputs_key=inputs,
                started_ns=started_ns, folders=folders))
        except cache_write_errors() as exc:
            notices = (not_saved(exc),)
    return QuickResult(rendered=len(pages), notices=notices)


_HALF = DIGEST_SIZE  # card digest, then body digest


def _stored_digest(store: Store, url: str) -> bytes:
    """The card and body digests of the article at ``url`` as the rows have them."""
    digest = store.article_digest(url)
    if digest is None:
        raise _NotQuick
    return digest


def _index_search(config: SiteConfig, store: Store, staging: Staging) -> set[str]:
    """Index the site's article pages again (Pagefind indexes whole sites only); returns
    the files of the old index that the new one does not have."""
    old = {f"{BUNDLE}/{path}" for path in published_files(config.output_dir / BUNDLE)}
    index_view([url.lstrip("/") + "index.html" for url in store.article_digests()], staging)
    return old - staging.current
