"""``newsgen check``: every problem a build would report, and more, without writing anything.

Runs the build's stages up to rendering (load, cross-links, index) but collects every
error and warning instead of stopping at the first failing stage; adds the editorial
warnings of ``lint`` and renders one page per template, in memory, to catch template errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from newsgen.build import site_warnings
from newsgen.config import SiteConfig
from newsgen.content import collect_articles
from newsgen.errors import ContentError, Problem, TemplateError
from newsgen.index import build_site
from newsgen.links import resolve_links, static_files
from newsgen.lint import lint_articles
from newsgen.models import Site
from newsgen.pages import Page, plan_pages
from newsgen.render import _shown, make_env, render_page

TEMPLATE_SUFFIXES = (".html", ".xml", ".txt", ".j2")


@dataclass(frozen=True)
class CheckResult:
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    articles: int  # article files found (loaded or not)

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors or (strict and self.warnings))


def check_site(config: SiteConfig, jobs: int = 1) -> CheckResult:
    """Check content, cross-links, topics and templates of the site; write nothing."""
    articles, warnings, errors, _ = collect_articles(config, jobs, digests=False)
    unparsed = frozenset(p.path for p in errors)
    articles, link_warnings, link_errors = resolve_links(articles, config, static_files(config),
                                                         unparsed)
    warnings += link_warnings
    errors += link_errors
    warnings += lint_articles(articles)
    try:
        site, index_warnings = build_site(articles, config)
    except ContentError as exc:
        errors += exc.problems
    else:
        warnings += index_warnings
        errors += check_templates(site)
    warnings += site_warnings(config)
    return CheckResult(tuple(errors), tuple(warnings), len(articles) + len(unparsed))


def check_templates(site: Site) -> list[Problem]:
    """Compile every template (the site's and the theme's) and render the first page of
    each kind in memory: syntax errors and most runtime errors show up with file and line."""
    env = make_env(site)
    root = site.config.root
    first: dict[str, Page] = {}
    for page in plan_pages(site):
        first.setdefault(page.template, page)
    problems: dict[tuple[str, int | None], Problem] = {}
    for name in sorted(env.list_templates()):
        if not name.endswith(TEMPLATE_SUFFIXES) or Path(name).name.startswith("."):
            continue
        try:
            if name in first:
                render_page(first[name], env)
            else:
                env.get_template(name)
        except TemplateError as exc:
            rendering = f" (while rendering {exc.page})" if exc.page else ""
            problem = Problem(exc.template, exc.message + rendering, exc.line)
            problems.setdefault((problem.path, problem.line), problem)
        except jinja2.TemplateSyntaxError as exc:
            shown = _shown(exc.filename or name, root)
            problems.setdefault((shown, exc.lineno),
                                Problem(shown, exc.message or "syntax error", exc.lineno))
    return list(problems.values())
