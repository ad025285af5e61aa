"""``build(config)``: load → index → plan → render → write, in that order.

With the build cache, each stage skips what the previous build already did: unchanged
files are not parsed, related lists are reused while nothing they rank by has changed,
and pages whose fingerprint is unchanged are carried over instead of rendered.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import jinja2

from newsgen.cache import (
    RACY_NS,
    CacheState,
    code_key,
    load_state,
    save_state,
    tree_signature,
)
from newsgen.cache import load_articles as load_cached_articles
from newsgen.config import CONFIG_NAME, DEFAULT_BASE_URL, SiteConfig
from newsgen.content import Parsed, load_articles
from newsgen.errors import ContentError, OutputError, Problem
from newsgen.fingerprint import Fingerprints, PagePrint
from newsgen.index import build_site
from newsgen.links import resolve_links, static_files
from newsgen.models import Article
from newsgen.output import (
    MARKER,
    Staging,
    check_output_dir,
    find_collisions,
    output_lock,
    published_files,
    recover,
)
from newsgen.pages import Page, plan_pages
from newsgen.parallel import default_jobs, map_chunks
from newsgen.progress import Progress
from newsgen.related import related_articles
from newsgen.render import THEME_DIR, make_env, render_tracked
from newsgen.search import any_searchable, index_site


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
          use_cache: bool = True) -> BuildResult:
    """Build the whole site into ``config.output_dir``; all or nothing.

    ``jobs`` worker processes convert articles and render pages (default: one per CPU).
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
    if use_cache:
        state, notice = load_state(config.cache_dir)
        notices += [notice] if notice else []
    published_here = (state.output_dir == str(config.output_dir)
                      and (config.output_dir / MARKER).is_file())
    inputs, newest_input_ns = inputs_key(config)
    if (use_cache and published_here and state.inputs_key == inputs
            and newest_input_ns < state.started_ns - RACY_NS
            and (state.valid_until is None or config.build_time < state.valid_until)):
        return _up_to_date(config, state, started, notices)

    parse_key = _parse_key(config)
    previous: dict[Path, Parsed] = {}
    if use_cache and state.parse_key == parse_key:
        previous, notice = load_cached_articles(config.cache_dir)
        notices += [notice] if notice else []
    articles, warnings, records = load_articles(config, jobs, previous,
                                                racy_after_ns=state.started_ns - RACY_NS)
    articles, link_warnings, link_errors = resolve_links(articles, config,
                                                         static_files(config))
    if link_errors:
        raise ContentError(link_errors)
    warnings += link_warnings
    related = _CachedRelated(state, jobs)
    site, index_warnings = build_site(articles, config, related)
    warnings += index_warnings + site_warnings(config)
    _check_strict(config, warnings)
    pages = plan_pages(site)
    find_collisions(pages)
    env = make_env(site)
    fingerprints = Fingerprints(env, _site_key(config, env))
    prints = [fingerprints.page(page) for page in pages]
    by_url = {article.url: article for article in site.articles}
    with output_lock(config):
        if recover(config.output_dir):
            notices.append("completed the previous build's interrupted commit")
        previous_pages = state.pages if published_here else {}
        in_place = bool(previous_pages)
        staging = Staging(config.output_dir)
        try:
            todo = [i for i, page in enumerate(pages)
                    if not fingerprints.unchanged(previous_pages.get(page.output_path),
                                                  prints[i], by_url)
                    or not staging.keep(page.output_path)]
            reads = render_pages(pages, todo, env, staging, jobs)
            for static_dir in (THEME_DIR / "static", config.static_dir):
                warnings += staging.copy_tree(static_dir, "static", config.root, in_place)
            # What the published folder holds now (incremental builds): the search index
            # kept or rebuilt from it, and whatever the new site lacks is removed with it.
            published = published_files(config.output_dir) if in_place else None
            if any_searchable(site.articles, config):
                _index_search(pages, todo, staging, published)
            if published is not None:
                # Whatever else the folder holds goes too: a build leaves exactly the site.
                staging.commit(stale=published - staging.current)
            else:
                staging.publish()
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
    if use_cache:
        save_state(config.cache_dir, CacheState(
            parse_key=parse_key, articles=records, related_key=related.key,
            related=related.urls, output_dir=str(config.output_dir),
            pages=_page_prints(pages, prints, previous_pages, reads, fingerprints, by_url),
            # Taken again after the build: a file saved during it makes the next build work.
            inputs_key=inputs if inputs == inputs_key(config)[0] else "",
            started_ns=started_ns,
            valid_until=result.next_publish,
            summary={"articles": result.articles, "topics": result.topics,
                     "pages": result.pages, "drafts": result.held_back_drafts,
                     "future": result.held_back_future,
                     "embargoed": result.held_back_embargoed},
            warnings=result.warnings,
        ))
    return result


def _page_prints(pages: Sequence[Page], prints: Sequence[str],
                 previous: Mapping[str, PagePrint], reads: Mapping[str, tuple[str, ...]],
                 fingerprints: Fingerprints, by_url: Mapping[str, Article],
                 ) -> dict[str, PagePrint]:
    """What the cache keeps of every page: new records for the pages rendered now, the
    previous ones for those carried over."""
    result: dict[str, PagePrint] = {}
    for i, page in enumerate(pages):
        path = page.output_path
        read = reads.get(path)
        result[path] = (fingerprints.record(prints[i], read, by_url) if read is not None
                        else previous[path])
    return result


def inputs_key(config: SiteConfig) -> tuple[str, int]:
    """Everything a build reads (the files' stats, the settings and newsgen's code), and
    the newest input file's mtime."""
    digest = hashlib.sha1(config.content_key().encode())
    digest.update(code_key().encode())
    files, newest = tree_signature([config.articles_dir, config.templates_dir,
                                    config.static_dir, config.root / CONFIG_NAME])
    digest.update(files.encode())
    return digest.hexdigest(), newest


def _parse_key(config: SiteConfig) -> str:
    """Parsed articles depend on the settings and the code (build time aside)."""
    return hashlib.sha1((config.content_key() + code_key()).encode()).hexdigest()


def _site_key(config: SiteConfig, env: jinja2.Environment) -> str:
    """What every page shows besides its own context: settings, navigation, code."""
    navigation = [(t.name, t.url) for t in env.globals["nav_topics"]]  # type: ignore[attr-defined]
    return f"{config.content_key()}\0{navigation!r}\0{code_key()}"


def _check_strict(config: SiteConfig, warnings: Sequence[Problem]) -> None:
    if config.strict and warnings:
        raise ContentError([Problem(w.path, f"{w.message} (--strict)", w.line)
                            for w in warnings])


def _up_to_date(config: SiteConfig, state: CacheState, started: float,
                notices: list[str]) -> BuildResult:
    _check_strict(config, state.warnings)
    counts = state.summary
    return BuildResult(
        articles=counts.get("articles", 0), topics=counts.get("topics", 0),
        pages=counts.get("pages", 0), files=0, seconds=time.perf_counter() - started,
        output=config.output_dir, held_back_drafts=counts.get("drafts", 0),
        held_back_future=counts.get("future", 0),
        held_back_embargoed=counts.get("embargoed", 0), next_publish=state.valid_until,
        up_to_date=True,
        warnings=state.warnings, notices=tuple(notices),
    )


class _CachedRelated:
    """Related lists, reused while nothing they are ranked by (URLs, dates, topics, the
    limit) has changed: a body or summary edit does not recompute them."""

    def __init__(self, state: CacheState, jobs: int) -> None:
        self.key = state.related_key
        self.urls = state.related
        self.jobs = jobs

    def __call__(self, articles: Sequence[Article],
                 limit: int) -> Mapping[str, tuple[Article, ...]]:
        digest = hashlib.sha1(f"{limit}".encode())
        for article in articles:
            digest.update(f"\0{article.url}\0{int(article.date.timestamp())}\0"
                          f"{','.join(sorted(article.topic_slugs))}".encode())
        key = digest.hexdigest()
        if key == self.key:
            by_url = {article.url: article for article in articles}
            return {url: tuple(by_url[u] for u in urls) for url, urls in self.urls.items()}
        result = related_articles(articles, limit, self.jobs)
        self.key = key
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
    view = staging.path.parent / f"{staging.path.name}-search"
    shutil.rmtree(view, ignore_errors=True)
    try:
        for path in articles:
            source = staging.path / path
            if not source.exists():
                source = staging.out / path
            (view / path).parent.mkdir(parents=True, exist_ok=True)
            os.link(source, view / path)
        written = index_site(view)
        for path in written:
            target = staging.path / path
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(view / path, target)
        staging.record(written)
    finally:
        shutil.rmtree(view, ignore_errors=True)


# What forked render workers inherit: set just before the pool starts, cleared after.
_RENDER_JOB: tuple[list[Page], jinja2.Environment, Staging] | None = None


def render_pages(pages: list[Page], todo: Sequence[int], env: jinja2.Environment,
                 staging: Staging, jobs: int) -> dict[str, tuple[str, ...]]:
    """Render the pages at ``todo`` into the staging folder, in chunks across processes.
    Returns, for each page rendered, the URLs of the articles whose bodies it shows."""
    global _RENDER_JOB
    _RENDER_JOB = (pages, env, staging)
    progress = Progress("Rendering pages", len(todo))
    reads: dict[str, tuple[str, ...]] = {}
    try:
        for written in map_chunks(_render_chunk, todo, jobs):
            # Workers' own bookkeeping stays in their processes: record it here.
            staging.record([path for path, _ in written])
            reads.update(written)
            progress.advance(len(written))
    finally:
        _RENDER_JOB = None
        progress.done()
    return reads


def _render_chunk(indices: Sequence[int]) -> list[tuple[str, tuple[str, ...]]]:
    assert _RENDER_JOB is not None
    pages, env, staging = _RENDER_JOB
    written = []
    for index in indices:
        page = pages[index]
        text, read = render_tracked(page, env)
        staging.write(page.output_path, text)
        written.append((page.output_path, read))
    return written
