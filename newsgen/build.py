"""``build(config)``: load → index → plan → render → write, in that order."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from newsgen.config import DEFAULT_BASE_URL, SiteConfig
from newsgen.content import load_articles
from newsgen.errors import ContentError, Problem
from newsgen.index import build_site
from newsgen.links import resolve_links, static_files
from newsgen.output import Staging, check_output_dir, find_collisions, output_lock
from newsgen.pages import Page, plan_pages
from newsgen.parallel import default_jobs, map_chunks
from newsgen.render import THEME_DIR, make_env, render_page
from newsgen.search import any_searchable, index_site


@dataclass(frozen=True)
class BuildResult:
    articles: int
    topics: int
    pages: int
    files: int
    seconds: float
    output: Path
    held_back_drafts: int = 0
    held_back_future: int = 0
    warnings: tuple[Problem, ...] = field(default=())

    def summary(self) -> str:
        held = []
        if self.held_back_drafts:
            held.append(f"{self.held_back_drafts} draft{'s' * (self.held_back_drafts != 1)}")
        if self.held_back_future:
            held.append(f"{self.held_back_future} scheduled")
        held_text = f" ({' and '.join(held)} held back)" if held else ""
        return (f"Built {self.articles} article{'s' * (self.articles != 1)}{held_text}, "
                f"{self.topics} topic{'s' * (self.topics != 1)}, "
                f"{self.pages} pages ({self.files} files) in {self.seconds:.2f} s "
                f"→ {self.output}")


def build(config: SiteConfig, *, force: bool = False, jobs: int | None = None) -> BuildResult:
    """Build the whole site into ``config.output_dir``; all or nothing.

    ``jobs`` worker processes convert articles and render pages (default: one per CPU).
    """
    started = time.perf_counter()
    jobs = jobs or default_jobs()
    check_output_dir(config, force=force)
    articles, warnings = load_articles(config, jobs)
    articles, link_warnings, link_errors = resolve_links(articles, config,
                                                         static_files(config))
    if link_errors:
        raise ContentError(link_errors)
    warnings += link_warnings
    site, index_warnings = build_site(articles, config)
    warnings += index_warnings + site_warnings(config)
    if config.strict and warnings:
        raise ContentError([Problem(w.path, f"{w.message} (--strict)", w.line)
                            for w in warnings])
    pages = plan_pages(site)
    find_collisions(pages)
    env = make_env(site)
    with output_lock(config):
        staging = Staging(config.output_dir)
        try:
            render_pages(pages, env, staging, jobs)
            for static_dir in (THEME_DIR / "static", config.static_dir):
                warnings += staging.copy_tree(static_dir, "static", config.root)
            if any_searchable(site.articles, config):
                staging.written.update(index_site(staging.path))  # before the swap
            staging.publish()
        except BaseException:
            staging.discard()
            raise
    return BuildResult(
        articles=len(site.articles), topics=len(site.topics), pages=len(pages),
        files=len(staging.written), seconds=time.perf_counter() - started,
        output=config.output_dir, held_back_drafts=site.held_back_drafts,
        held_back_future=site.held_back_future, warnings=tuple(warnings),
    )


def site_warnings(config: SiteConfig) -> list[Problem]:
    """Warnings about the configuration itself."""
    if not config.base_url_set:
        return [Problem("newsgen.yaml", f"'base_url' is not set: feeds and the "
                                        f"sitemap link to {DEFAULT_BASE_URL}")]
    return []


# What forked render workers inherit: set just before the pool starts, cleared after.
_RENDER_JOB: tuple[list[Page], jinja2.Environment, Staging] | None = None


def render_pages(pages: list[Page], env: jinja2.Environment, staging: Staging,
                 jobs: int) -> None:
    """Render every page into the staging folder, in chunks across ``jobs`` processes."""
    global _RENDER_JOB
    _RENDER_JOB = (pages, env, staging)
    try:
        for written in map_chunks(_render_chunk, range(len(pages)), jobs):
            staging.written.update(written)
    finally:
        _RENDER_JOB = None


def _render_chunk(indices: Sequence[int]) -> list[str]:
    assert _RENDER_JOB is not None
    pages, env, staging = _RENDER_JOB
    for index in indices:
        page = pages[index]
        staging.write(page.output_path, render_page(page, env))
    return [pages[index].output_path for index in indices]
