"""``build(config)``: load → index → plan → render → write, in that order."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from newsgen.config import DEFAULT_BASE_URL, SiteConfig
from newsgen.content import load_articles
from newsgen.errors import ContentError, Problem
from newsgen.index import build_site
from newsgen.output import Staging, check_output_dir, find_collisions, output_lock
from newsgen.pages import plan_pages
from newsgen.render import THEME_DIR, make_env, render_all


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


def build(config: SiteConfig, *, force: bool = False) -> BuildResult:
    """Build the whole site into ``config.output_dir``; all or nothing."""
    started = time.perf_counter()
    check_output_dir(config, force=force)
    articles, warnings = load_articles(config)
    site, index_warnings = build_site(articles, config)
    warnings += index_warnings
    if not config.base_url_set:
        warnings.append(Problem("newsgen.yaml", f"'base_url' is not set: feeds and the "
                                                f"sitemap link to {DEFAULT_BASE_URL}"))
    if config.strict and warnings:
        raise ContentError([Problem(w.path, f"{w.message} (--strict)", w.line)
                            for w in warnings])
    pages = plan_pages(site)
    find_collisions(pages)
    env = make_env(site)
    with output_lock(config):
        staging = Staging(config.output_dir)
        try:
            for page, text in render_all(pages, env):
                staging.write(page.output_path, text)
            for static_dir in (THEME_DIR / "static", config.static_dir):
                warnings += staging.copy_tree(static_dir, "static", config.root)
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
