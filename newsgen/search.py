"""Full-text search with Pagefind: a static index, built into the staging folder.

Pagefind (``pip install 'newsgen[search]'``, the ``pagefind[bin]`` package, which ships its
binary) reads the rendered pages and writes ``/pagefind/``: the index in fragments, and
its default UI (``pagefind-ui.js``/``.css``) that the search page loads. Nothing runs on
the server. Only the element marked ``data-pagefind-body`` is indexed, and the article
template marks only articles that are published: drafts and scheduled articles rendered
by ``--drafts``/``--future`` preview builds are not searchable.
"""

from __future__ import annotations

import importlib
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from newsgen.config import SiteConfig
from newsgen.errors import OutputError
from newsgen.models import Article

if TYPE_CHECKING:
    from newsgen.output import Staging

BUNDLE = "pagefind"  # the folder Pagefind writes, under the output folder
ROOT_SELECTOR = "[data-pagefind-body]"


def pagefind_executable() -> Path | None:
    """The Pagefind binary, looked up as the ``pagefind`` package does (without importing
    it: it brings asyncio): ``$PAGEFIND_BINARY_PATH``, the binary packages, then ``PATH``."""
    configured = os.environ.get("PAGEFIND_BINARY_PATH")
    if configured:
        return Path(configured) if Path(configured).is_file() else None
    for module in ("pagefind_bin_extended", "pagefind_bin"):
        try:
            found = Path(importlib.import_module(module).get_executable())
        except (ImportError, FileNotFoundError):
            continue
        if found.is_file():
            return found
    for name in ("pagefind_extended", "pagefind"):
        on_path = shutil.which(name)
        if on_path:
            return Path(on_path)
    return None


def search_available() -> bool:
    return pagefind_executable() is not None


def searchable(article: Article, config: SiteConfig) -> bool:
    """Whether an article's page goes into the search index: published ones only, even
    when a preview build (``--drafts``, ``--future``) renders the others."""
    return config.search and not article.draft and article.date <= config.build_time


def any_searchable(articles: Iterable[Article], config: SiteConfig) -> bool:
    return any(searchable(a, config) for a in articles)


def index_site(folder: Path) -> list[str]:
    """Run Pagefind on a rendered site folder; returns the files it wrote (relative paths).

    It runs in ``folder`` so that no ``pagefind.yml`` of the caller's folder applies.
    """
    executable = pagefind_executable()
    if executable is None:
        raise OutputError("search: Pagefind is not installed: pip install 'newsgen[search]', "
                          "or set 'search: false' in newsgen.yaml")
    import subprocess  # here: a build without search need not import it

    done = subprocess.run(
        [str(executable), "--site", ".", "--root-selector", ROOT_SELECTOR],
        cwd=folder, capture_output=True, text=True, check=False,
    )
    bundle = folder / BUNDLE
    if done.returncode != 0 or not (bundle / "pagefind-ui.js").is_file():
        output = (done.stderr.strip() or done.stdout.strip()).splitlines()
        raise OutputError(f"search: Pagefind failed (exit status {done.returncode}); is the "
                          f"article template's data-pagefind-body attribute missing?\n"
                          + "\n".join(output[-10:]))
    return sorted(p.relative_to(folder).as_posix() for p in bundle.rglob("*") if p.is_file())


def index_view(article_paths: Iterable[str], staging: Staging) -> None:
    """Index the complete new site's article pages into the staging folder, for builds
    that stage only the pages that changed: Pagefind indexes whole sites, so it is run
    on a view of the new site made of hard links (a staged page, else the published one)."""
    view = staging.path.parent / f"{staging.path.name}-search"
    shutil.rmtree(view, ignore_errors=True)
    try:
        for path in article_paths:
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
