"""``build(config)``: load → index → plan → render → write, in that order.

With the build cache, each stage skips what the previous build already did: unchanged
files are not parsed, related lists are reused while nothing they rank by has changed,
and pages whose fingerprint is unchanged are carried over instead of rendered.
"""

from __future__ import annotations

import gc
import importlib
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsgen.cache import (
    RACY_NS,
    CacheState,
    FileStats,
    InputScan,
    cache_parse_key,
    cache_write_errors,
    forget_state,
    head_unchanged,
    load_state,
    new_generation,
    newest_mtime,
    not_saved,
    open_store,
    save_state,
    site_key,
)
from newsgen.config import CONFIG_NAME, DEFAULT_BASE_URL, SiteConfig
from newsgen.errors import ContentError, OutputError, Problem
from newsgen.output import (
    MARKER,
    FolderCheck,
    Staging,
    check_output_dir,
    find_collisions,
    folder_stamps,
    folders_of,
    folders_unchanged,
    output_lock,
    published_files,
    recover,
)
from newsgen.parallel import default_jobs

if TYPE_CHECKING:
    import jinja2

    from newsgen.content import Parsed, ParsedRow
    from newsgen.fingerprint import Fingerprints, PagePrint
    from newsgen.models import Article, RowGroup, Site
    from newsgen.pages import Page
    from newsgen.related import Entry
    from newsgen.render import Reads
    from newsgen.store import Store

# A build that finds nothing changed imports no more than the above: the modules below
# (Markdown, YAML, Jinja, the site model) are imported by the stages that use them.


@dataclass(frozen=True)
class BuildResult:
    articles: int
    topics: int
    pages: int
    files: int
    seconds: float
    output: Path
    rendered: int = 0
    held_back_drafts: int = 0
    held_back_future: int = 0
    held_back_embargoed: int = 0
    next_publish: datetime | None = None  # see Site.next_publish
    up_to_date: bool = False
    warnings: tuple[Problem, ...] = field(default=())
    notices: tuple[str, ...] = field(default=())

    def summary(self) -> str:
        held = []
        if self.held_back_drafts:
            held.append(f"{self.held_back_drafts} draft{'s' * (self.held_back_drafts != 1)}")
        if self.held_back_future:
            held.append(f"{self.held_back_future} scheduled")
        if self.held_back_embargoed:
            held.append(f"{self.held_back_embargoed} embargoed")
        held_text = ""
        if held:
            listed = (", ".join(held[:-1]) + " and " + held[-1]) if len(held) > 1 else held[0]
            held_text = f" ({listed} held back"
            if self.next_publish:
                held_text += f"; next due {self.next_publish.isoformat(timespec='seconds')}"
            held_text += ")"
        counts = (f"{self.articles} article{'s' * (self.articles != 1)}{held_text}, "
                  f"{self.topics} topic{'s' * (self.topics != 1)}, {self.pages} pages")
        if self.up_to_date:
            return f"Up to date: {counts}, nothing written in {self.seconds:.2f} s → {self.output}"
        unchanged = self.pages - self.rendered
        detail = (f"{self.rendered} rendered, {unchanged} unchanged" if unchanged
                  else f"{self.files} files")
        return f"Built {counts} ({detail}) in {self.seconds:.2f} s → {self.output}"


def build(config: SiteConfig, *, force: bool = False, jobs: int | None = None,
          use_cache: bool = True, keep: list[object] | None = None) -> BuildResult:
    """Build the whole site into ``config.output_dir``; all or nothing.

    ``jobs`` worker processes convert articles and render pages (default: one per CPU).
    ``keep``: a list the build's articles, pages and records are added to instead of
    being freed as it returns, for a process that ends right after (``cli.run``): freeing
    them one by one took 0.13 s of a 10,000-article build; the exit drops them at once.
    """
    started = time.perf_counter()
    started_ns = time.time_ns()
    jobs = jobs or default_jobs()
    check_output_dir(config, force=force)
    if use_cache and config.cache_dir.is_relative_to(config.output_dir):
        raise OutputError(f"cache folder {config.cache_dir} is inside the output folder: "
                          f"choose another --cache-dir")
    notices: list[str] = []
    state = CacheState()
    store: Store | None = None
    if use_cache:
        state, notice = load_state(config.cache_dir)
        notices += [notice] if notice else []
    published_here = (state.output_dir == str(config.output_dir)
                      and (config.output_dir / MARKER).is_file())
    # Whether files were put in or taken out of the output by hand, which a quick build
    # must know: a forked child stats the output's folders while this process goes on.
    # With one CPU the two would only take turns: the quick build checks when it needs to.
    by_hand = FolderCheck(config.output_dir, state.folders if published_here else {})
    # The inputs' stats only serve the cache: a build without it reads every file. When
    # a file changed last has changed again, a child takes them (see ``InputScan``) while
    # this process imports what the build will need, then the folder check starts: each
    # of the three has a CPU to itself meanwhile.
    scan = InputScan(input_roots(config), config.root, state.files) if use_cache else None
    two_cpus = default_jobs() > 1
    files: FileStats = {}
    try:
        if scan is not None:
            if two_cpus and scan.recently_changed():
                scan.start()
                _import_while(scan.done, config)
                by_hand.start()
            files = scan.result()
        # Nothing to do when the settings, the code and every input file's stat are
        # those the output was built from, and no file changed too close to that build to
        # trust its stat: a file saved during a build is newer than its start, so the
        # next build works whatever stat it has.
        if (use_cache and published_here and state.files == files
                and state.parse_key == cache_parse_key(config)
                and newest_mtime(files) < state.started_ns - RACY_NS
                and (state.valid_until is None or config.build_time < state.valid_until)):
            return _up_to_date(config, state, started, notices)
        if two_cpus:
            by_hand.start()  # (if not started above)
        if use_cache:
            store, notice = open_store(config.cache_dir, state)
            notices += [notice] if notice else []
        if store is not None and published_here:
            from newsgen.quick import quick_build

            _check_strict(config, state.warnings)
            quick = quick_build(config, state, store, files, started_ns, by_hand)
            if quick is not None:
                return _from_state(config, state, started, notices + list(quick.notices),
                                   rendered=quick.rendered)
        by_hand.close()
        with collection_paused():
            return _full_build(config, state, store if use_cache else None, use_cache,
                               files, published_here, jobs, started, started_ns, notices,
                               keep)
    finally:
        by_hand.close()
        if scan is not None:
            scan.close()
        if store is not None:
            store.close()
        if keep is not None:
            keep.append((state, files))


@contextmanager
def collection_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off in this process for a full build.

    A build's main process makes millions of objects that make no cycles (parsed
    articles arriving from the workers, planned pages, fingerprints), and each full
    collection walks all of them again: at 100,000 articles, 12 s of the main process
    went to it while the articles were read. What cycles a build makes are collected
    when it is over. Workers collect as usual (``parallel``)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _full_build(config: SiteConfig, state: CacheState, store: Store | None, use_cache: bool,
                files: FileStats, published_here: bool, jobs: int,
                started: float, started_ns: int, notices: list[str],
                keep: list[object] | None) -> BuildResult:
    """Load every article, index, plan every page; render those whose fingerprint changed."""
    from newsgen.store import StoreError

    parse_key = cache_parse_key(config)
    previous: dict[Path, Parsed] = {}
    if store is not None and state.parse_key == parse_key:
        try:
            previous = store.all_parsed()
        except StoreError as exc:
            notices.append(f"cache in {config.cache_dir} is damaged ({exc}): ignored")
            store = None
    # A cold build writes a new store as it goes: the parsed articles' rows as the workers
    # send them, the page rows as they render, rather than holding them all until the
    # end (~200 MB of page rows at 100,000 articles).
    fresh = _FreshRows(config) if use_cache and store is None else None
    if keep is not None:
        keep.append(previous)
    try:
        return _load_and_render(config, state, store, fresh, previous, parse_key, use_cache,
                                files, published_here, jobs, started, started_ns, notices,
                                keep)
    except BaseException:
        if fresh is not None:
            fresh.close()
        raise


def _load_and_render(config: SiteConfig, state: CacheState, store: Store | None,
                     fresh: _FreshRows | None, previous: Mapping[Path, Parsed],
                     parse_key: str, use_cache: bool, files: FileStats,
                     published_here: bool, jobs: int, started: float, started_ns: int,
                     notices: list[str], keep: list[object] | None) -> BuildResult:
    from newsgen.chrome import chrome
    from newsgen.content import load_articles
    from newsgen.fingerprint import Fingerprints
    from newsgen.index import build_site
    from newsgen.links import resolve_links, static_files
    from newsgen.pages import plan_pages
    from newsgen.render import THEME_DIR, make_site_env
    from newsgen.search import any_searchable

    articles, warnings, records = load_articles(
        config, jobs, previous, racy_after_ns=state.started_ns - RACY_NS, digests=use_cache,
        rows_to=fresh.add_parsed if fresh is not None else None)
    articles, link_warnings, link_errors = resolve_links(articles, config,
                                                         static_files(config))
    if link_errors:
        raise ContentError(link_errors)
    warnings += link_warnings
    related = _CachedRelated(_blob(store, "related"), jobs, remember=use_cache)
    site, index_warnings = build_site(articles, config, related)
    warnings += index_warnings + site_warnings(config)
    _check_strict(config, warnings)
    pages = plan_pages(site)
    find_collisions(pages)
    site_chrome = chrome(site)
    env = make_site_env(config, site_chrome, config.cache_dir if use_cache else None,
                        track=use_cache)
    fingerprints = Fingerprints(env, site_key(config, site_chrome))
    for record in records.values():
        if record.article is not None and record.digests:
            fingerprints.seed(record.article, record.digests)
    by_url = {article.url: article for article in site.articles}
    with output_lock(config):
        if recover(config.output_dir):
            notices.append("completed the previous build's interrupted commit")
        previous_pages = (_previous_prints(config, state, store, notices)
                          if store is not None and published_here else {})
        in_place = bool(previous_pages)
        # Structure digests are needed here only to compare with the previous build's;
        # without those, every page is rendered and the workers take its digest.
        prints = [fingerprints.page(page) for page in pages] if in_place else None
        fingerprints.forget_structures()
        staging = Staging(config.output_dir)
        try:
            # What the published folder holds (incremental builds): the files the previous
            # build left, unless its folders show that files were put in or taken out since.
            published: set[str] | None = None
            if in_place:
                recorded = _blob(store, "outputs")
                published = (set(recorded) if recorded is not None
                             and folders_unchanged(config.output_dir, state.folders)
                             else published_files(config.output_dir))
            todo = [i for i, page in enumerate(pages)
                    if prints is None
                    or not fingerprints.unchanged(previous_pages.get(page.output_path),
                                                  prints[i], by_url)
                    or not staging.keep(page.output_path, published)]
            rendered, page_rows = render_pages(
                pages, todo, env, staging, jobs,
                RenderPrints(fingerprints, prints, by_url, previous_pages) if use_cache
                else None, fresh,
                meanwhile=(partial(fresh.add_site, records, site, fingerprints)
                           if fresh is not None else None))
            for static_dir in (THEME_DIR / "static", config.static_dir):
                warnings += staging.copy_tree(static_dir, "static", config.root, in_place)
            # The search index is kept or rebuilt from the published folder, and whatever
            # the new site lacks is removed with it.
            searched = any_searchable(site.articles, config)
            if searched:
                _index_search(pages, todo, staging, published)
            # A build without the cache makes the recorded state stale too.
            forget_state(config.cache_dir, quiet=not use_cache)
            if published is not None:
                # Whatever else the folder holds goes too: a build leaves exactly the site.
                staging.commit(stale=published - staging.current)
            else:
                staging.publish()
            # What the next build checks for hand-made changes: the cache's alone.
            folders = (folder_stamps(config.output_dir, folders_of(staging.current))
                       if use_cache else {})
        except BaseException:
            staging.discard()
            raise
        result = BuildResult(
            articles=len(site.articles), topics=len(site.topics), pages=len(pages),
            files=len(staging.current), seconds=time.perf_counter() - started,
            output=config.output_dir, rendered=len(todo),
            held_back_drafts=site.held_back_drafts, held_back_future=site.held_back_future,
            held_back_embargoed=site.held_back_embargoed,
            next_publish=(site.next_publish.astimezone(config.tz) if site.next_publish else None),
            warnings=tuple(warnings), notices=tuple(notices),
        )
        # Saved under the lock: a build that starts after this one published finds the
        # fingerprints of what it published, never those of an earlier build.
        if use_cache:
            page_prints = {page.output_path: rendered.get(page.output_path)
                           or previous_pages[page.output_path] for page in pages}
            try:
                if fresh is not None:
                    store = fresh.ready()
                generation = _save_rows(config, store, previous, records, site, fingerprints,
                                        pages, page_prints, previous_pages, rendered,
                                        page_rows, blobs={
                                            "related": related.blob(),
                                            "outputs": frozenset(staging.current),
                                            "templates": fingerprints.templates(
                                                sorted({p.template for p in pages
                                                        if p.template}))},
                                        site_saved=fresh is not None and fresh.site_saved)
                save_state(config.cache_dir, CacheState(
                    parse_key=parse_key, store_generation=generation, files=files,
                    chrome=site_chrome, output_dir=str(config.output_dir),
                    started_ns=started_ns,
                    valid_until=valid_until(site), next_publish=result.next_publish,
                    searched=searched, folders=folders,
                    summary={"articles": result.articles, "topics": result.topics,
                             "pages": result.pages, "drafts": result.held_back_drafts,
                             "future": result.held_back_future,
                             "embargoed": result.held_back_embargoed},
                    warnings=result.warnings,
                ))
            except cache_write_errors() as exc:  # the site is published: only the next
                result = replace(result,  # build is slower (it finds no cache to trust)
                                 notices=(*result.notices, not_saved(exc)))
    if keep is not None:
        keep.append((articles, records, site, pages, env, fingerprints, by_url, staging,
                     rendered, page_rows))
    # The time the user waited, saving the cache included.
    return replace(result, seconds=time.perf_counter() - started)


def _save_rows(config: SiteConfig, store: Store | None, previous: Mapping[Path, Parsed],
               records: Mapping[Path, Parsed], site: Site,
               fingerprints: Fingerprints, pages: Sequence[Page],
               page_prints: Mapping[str, PagePrint], previous_prints: Mapping[str, PagePrint],
               rendered: Mapping[str, PagePrint], page_rows: Mapping[str, bytes],
               blobs: Mapping[str, object], site_saved: bool = False) -> str:
    """Bring the cache's rows up to date with this build, writing only what changed
    (``rendered``: the pages rendered now; ``page_rows``: the new rows of those, see
    ``RenderPrints.row``; ``site_saved``: a fresh store already holds the rows of the
    articles and groups, see ``_FreshRows.add_site``)."""
    from newsgen.store import Store, page_row

    if store is None:
        store = Store.reset(config.cache_dir)
        previous, previous_prints = {}, {}
    try:
        stored_pages = store.page_paths()
        site_rows = ({} if site_saved
                     else _site_rows(store, previous, records, site, fingerprints))
        generation = new_generation()
        store.write(
            generation,
            **site_rows,
            pages=[(page.output_path, page_rows.get(page.output_path) or page_row(page))
                   for page in pages if page.output_path in page_rows
                   or page.output_path not in stored_pages],
            pages_gone=stored_pages - set(page_prints),
            prints={path: record for path, record in page_prints.items()
                    if path in rendered or previous_prints.get(path) != record},
            prints_gone=set(previous_prints or store.all_prints()) - set(page_prints),
            blobs=blobs)
        return generation
    finally:
        store.close()


def _site_rows(store: Store, previous: Mapping[Path, Parsed], records: Mapping[Path, Parsed],
               site: Site, fingerprints: Fingerprints) -> dict[str, Any]:
    """``Store.write``'s arguments for the parsed files, articles and groups that changed
    since ``previous`` (the parsed records the store holds) and the store's rows."""
    stored_parsed = set(previous) if previous else {Path(p) for p in store.parsed_paths()}
    stored_articles = store.article_digests()
    stored_groups = store.group_digests()
    digests = {a.url: fingerprints.card(a) + fingerprints.body(a) for a in site.articles}
    shared: list[RowGroup] = [*site.topics, *site.authors, *site.sources, *site.archive]
    groups = {g.url: (g, fingerprints.value(g)) for g in shared}
    return {
        "parsed": [r for path, r in records.items() if previous.get(path) is not r],
        "parsed_gone": stored_parsed - set(records),
        "articles": [(a, digests[a.url]) for a in site.articles
                     if stored_articles.get(a.url) != digests[a.url]],
        "articles_gone": set(stored_articles) - set(digests),
        "as_parsed": {id(r.article): path for path, r in records.items() if r.article},
        "groups": [(g, digest) for url, (g, digest) in groups.items()
                   if stored_groups.get(url) != digest],
        "groups_gone": set(stored_groups) - set(groups),
    }


def _previous_prints(config: SiteConfig, state: CacheState, store: Store,
                     notices: list[str]) -> dict[str, PagePrint]:
    """Under the output lock: the fingerprints of the published pages, if the head and
    rows loaded before the lock still describe the published folder (no build published,
    or was stopped while publishing, since); else none, and every page is rendered."""
    from newsgen.store import StoreError

    try:
        if head_unchanged(config.cache_dir, state, store):
            return store.all_prints()
    except StoreError as exc:
        notices.append(f"cache in {config.cache_dir} is damaged ({exc}): ignored")
    return {}


def _blob(store: Store | None, name: str) -> Any:
    """A blob of the previous build's rows, or None."""
    from newsgen.store import StoreError

    try:
        return store.blob(name) if store is not None else None
    except StoreError:
        return None


def valid_until(site: Site) -> datetime | None:
    """When this build's output goes stale with no input changed: the next held-back
    article is due, or an article leaves the news sitemap's 48-hour window."""
    from newsgen.sitemaps import NEWS_WINDOW, news_articles

    moments = [site.next_publish] if site.next_publish else []
    news = news_articles(site)
    if news:
        moments.append(min(article.date for article in news) + NEWS_WINDOW)
    return min(moments, default=None)


# What any build that finds an input changed goes on to import, largest first: jinja2 and
# Python-Markdown take ~40 ms each.
_WARM = ("jinja2", "newsgen.quick")
_WARM_MARKDOWN = ("markdown", "newsgen.fastblocks", "newsgen.fastinline", "newsgen.fastprep")


def _import_while(done: Callable[[], bool], config: SiteConfig) -> None:
    """Import, module by module, what a build with work to do needs, then set up its
    Markdown converter, until ``done()`` (the input scan has answered): the build waits
    for at most the one step under way then."""
    markdown = config.markdown_engine == "markdown"
    for name in _WARM + (_WARM_MARKDOWN if markdown else ()):
        if done():
            return
        importlib.import_module(name)
    if markdown and not done():
        from newsgen.markup import prepare

        prepare(config.markdown_engine)


def input_roots(config: SiteConfig) -> list[Path]:
    return [config.articles_dir, config.templates_dir, config.static_dir,
            config.root / CONFIG_NAME]


def _check_strict(config: SiteConfig, warnings: Sequence[Problem]) -> None:
    if config.strict and warnings:
        raise ContentError([Problem(w.path, f"{w.message} (--strict)", w.line)
                            for w in warnings])


def _up_to_date(config: SiteConfig, state: CacheState, started: float,
                notices: list[str]) -> BuildResult:
    _check_strict(config, state.warnings)
    return _from_state(config, state, started, notices, rendered=None)


def _from_state(config: SiteConfig, state: CacheState, started: float, notices: list[str],
                rendered: int | None) -> BuildResult:
    """The result of a build that did not index the site: counts from the previous one."""
    counts = state.summary
    return BuildResult(
        articles=counts.get("articles", 0), topics=counts.get("topics", 0),
        pages=counts.get("pages", 0), files=0, seconds=time.perf_counter() - started,
        output=config.output_dir, held_back_drafts=counts.get("drafts", 0),
        held_back_future=counts.get("future", 0),
        held_back_embargoed=counts.get("embargoed", 0), next_publish=state.next_publish,
        up_to_date=rendered is None, rendered=rendered or 0,
        warnings=state.warnings, notices=tuple(notices),
    )


class _CachedRelated:
    """Related lists, reused while nothing they are ranked by (URLs, dates, topics, the
    limit) has changed: a body or summary edit does not recompute them. When only URLs
    moved (a headline edit that changes the slug), only the lists the move can change
    are ranked again (``related.update_related``)."""

    def __init__(self, previous: Any, jobs: int, remember: bool = True) -> None:
        self.remember = remember  # else ranked afresh, with nothing kept for the cache
        self.key: str = ""
        self.urls: dict[str, tuple[str, ...]] = {}
        self.entries: dict[str, Entry] = {}
        if isinstance(previous, tuple) and len(previous) == 3:
            self.key, self.urls, self.entries = previous
        self.jobs = jobs

    def blob(self) -> tuple[str, dict[str, tuple[str, ...]], dict[str, Entry]]:
        return self.key, self.urls, self.entries

    def __call__(self, articles: Sequence[Article],
                 limit: int) -> Mapping[str, tuple[Article, ...]]:
        from newsgen.related import (
            moved_urls,
            ranking_entries,
            ranking_key,
            related_articles,
            update_related,
        )

        if not self.remember:
            return related_articles(articles, limit, self.jobs)
        entries = ranking_entries(articles)
        key = ranking_key(limit, entries)
        if key == self.key:
            by_url = {article.url: article for article in articles}
            return {url: tuple(by_url[u] for u in urls) for url, urls in self.urls.items()}
        moved = (moved_urls(self.entries, entries)
                 if self.key.startswith(f"{limit}:") else None)
        result = (update_related(articles, limit, self.urls, moved) if moved
                  else related_articles(articles, limit, self.jobs))
        self.key = key
        self.entries = entries
        self.urls = {url: tuple(a.url for a in items) for url, items in result.items()}
        return result


def site_warnings(config: SiteConfig) -> list[Problem]:
    """Warnings about the configuration itself."""
    if not config.base_url_set:
        return [Problem("newsgen.yaml", f"'base_url' is not set: feeds and the "
                                        f"sitemap link to {DEFAULT_BASE_URL}")]
    return []


SEARCH_BUNDLE = "pagefind/"


def _index_search(pages: Sequence[Page], todo: Sequence[int], staging: Staging,
                  previous_files: set[str] | None) -> None:
    """Build the Pagefind index before the output is published. Pagefind indexes whole
    sites only, so an incremental build whose article pages changed (or went) indexes a
    view of the complete new site made of hard links; otherwise it keeps the index."""
    from newsgen.search import index_site, index_view

    if previous_files is None:  # full build: the staging folder is the whole site
        staging.record(index_site(staging.path))
        return
    articles = {page.output_path for page in pages if page.template == "article.html"}
    changed = any(pages[i].template == "article.html" for i in todo)
    gone = any(path not in articles and path.endswith("/index.html")
               and path[:1].isdigit() for path in previous_files - staging.current)
    bundle = [path for path in previous_files if path.startswith(SEARCH_BUNDLE)]
    if bundle and not changed and not gone:
        for path in bundle:
            staging.keep(path)
        return
    index_view(articles, staging)


@dataclass(frozen=True)
class RenderPrints:
    """What render workers need to fingerprint the pages they render: the structure
    digests when the build has them (``None``: the workers take them), and the articles
    by URL, whose card and body digests the read part covers."""

    fingerprints: Fingerprints
    structures: Sequence[str] | None
    by_url: Mapping[str, Article]
    previous: Mapping[str, PagePrint]

    def record(self, index: int, page: Page, reads: Reads) -> PagePrint:
        structure = (self.structures[index] if self.structures is not None
                     else self.fingerprints.page(page))
        return self.fingerprints.record(structure, *reads, self.by_url)

    def row(self, page: Page, record: PagePrint) -> bytes | None:
        """The page's cache row, if its structure is new: a row already stored for the
        same structure holds the same context (a template edit renders every page again
        but changes no row)."""
        from newsgen.store import page_row

        previous = self.previous.get(page.output_path)
        if previous is not None and previous[0] == record[0]:
            return None
        return page_row(page)


class _FreshRows:
    """The new store of a cold build, written as the build goes: the parsed articles'
    rows as they are read, the page rows as they render, the article and group rows
    meanwhile (``add_site``).

    Like any store from ``Store.reset``, it replaces the old one only once written in
    full (see there). A row that cannot be written stops the rows, not the build: the
    cache is then not saved, with the usual notice (``ready``)."""

    def __init__(self, config: SiteConfig) -> None:
        from newsgen.store import Store

        self.store: Store | None = None
        self.error: Exception | None = None
        self.site_saved = False  # the article and group rows are in (``add_site``)
        try:
            self.store = Store.reset(config.cache_dir)
        except cache_write_errors() as exc:  # a read-only cache folder, say
            self.error = exc

    def add_parsed(self, rows: list[ParsedRow]) -> None:
        """Parsed rows as the reading workers send them (a cold build has no previous
        records: every file is parsed, so all its rows come through here)."""
        if self.store is not None and self.error is None:
            try:
                self.store.add_parsed(rows)
            except cache_write_errors() as exc:
                self.error = exc

    def __call__(self, rows: list[tuple[str, bytes]]) -> None:
        if self.store is not None and self.error is None and rows:
            try:
                self.store.add_pages(rows)
            except cache_write_errors() as exc:
                self.error = exc

    def add_site(self, records: Mapping[Path, Parsed], site: Site,
                 fingerprints: Fingerprints) -> None:
        """Write the rows of the articles and groups: what the main process does while
        the workers render, rather than after them (~1 s at 10,000 articles)."""
        if self.store is not None and self.error is None:
            try:
                # Every record's row is in: all came through ``add_parsed``, or an
                # error stopped the rows. So they count as the store's (``_site_rows``).
                rows = _site_rows(self.store, records, records, site, fingerprints)
                self.store.add_site(rows["parsed"], rows["articles"], rows["as_parsed"],
                                    rows["groups"])
                self.site_saved = True
            except cache_write_errors() as exc:
                self.error = exc

    def ready(self) -> Store:
        """The store, to be written the rest of the rows; or what writing them failed with."""
        if self.error is not None:
            self.close()
            raise self.error
        assert self.store is not None  # only None when its creation failed
        return self.store

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


# What forked render workers inherit: set just before the pool starts, cleared after.
_RENDER_JOB: tuple[list[Page], jinja2.Environment, Staging, RenderPrints | None] | None = None


def render_pages(pages: list[Page], todo: Sequence[int], env: jinja2.Environment,
                 staging: Staging, jobs: int, prints: RenderPrints | None,
                 rows_to: Callable[[list[tuple[str, bytes]]], None] | None = None,
                 meanwhile: Callable[[], None] | None = None,
                 ) -> tuple[dict[str, PagePrint], dict[str, bytes]]:
    """Render the pages at ``todo`` into the staging folder, in chunks across processes.
    With ``prints`` (builds that keep the cache), returns what the workers took for it:
    the fingerprint of each page rendered (its structure and the digests of the articles
    it read, see ``fingerprint``), and the new cache rows (``RenderPrints.row``), or
    passes those to ``rows_to`` as they come. ``meanwhile``: work for this process while
    the workers render (see ``map_chunks``)."""
    from newsgen.parallel import map_chunks
    from newsgen.progress import Progress

    global _RENDER_JOB
    _RENDER_JOB = (pages, env, staging, prints)
    progress = Progress("Rendering pages", len(todo))
    rendered: dict[str, PagePrint] = {}
    rows: dict[str, bytes] = {}
    urls = {url: url for url in prints.by_url} if prints is not None else {}

    def take(written: list[tuple[str, PagePrint | None, bytes | None]]) -> None:
        # Workers' own bookkeeping stays in their processes: record it here.
        staging.record([path for path, _, _ in written])
        for path, record, row in written:
            if record is not None:
                # The workers' URL strings are copies: keep the site's own.
                _, cards, bodies, _ = record
                record = (record[0], tuple(urls.get(u, u) for u in cards),
                          tuple(urls.get(u, u) for u in bodies), record[3])
                rendered[path] = record
            if row is not None and rows_to is None:
                rows[path] = row
        if rows_to is not None:
            rows_to([(path, row) for path, _, row in written if row is not None])
        progress.advance(len(written))

    try:
        map_chunks(_render_chunk, todo, jobs, each=take, meanwhile=meanwhile)
    finally:
        _RENDER_JOB = None
        progress.done()
    return rendered, rows


def _render_chunk(indices: Sequence[int],
                  ) -> list[tuple[str, PagePrint | None, bytes | None]]:
    from newsgen.render import render_tracked

    assert _RENDER_JOB is not None
    pages, env, staging, prints = _RENDER_JOB
    written: list[tuple[str, PagePrint | None, bytes | None]] = []
    for index in indices:
        page = pages[index]
        text, read = render_tracked(page, env)
        staging.write(page.output_path, text)
        if prints is None:
            written.append((page.output_path, None, None))
            continue
        record = prints.record(index, page, read)
        written.append((page.output_path, record, prints.row(page, record)))
    if prints is not None:
        # The digests of context values are reused within a chunk (a topic's pages are
        # neighbours); kept across chunks they grow with the site (at 10,000 articles,
        # a render worker's peak fell from 180 to 166 MB without them).
        prints.fingerprints.forget_structures()
    return written
