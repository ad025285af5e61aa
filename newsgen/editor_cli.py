"""The editor's commands: ``newsgen init``, ``new`` and ``check``.

``cli`` registers them with ``add_editor_commands``; each sets ``run`` to its function, which
returns the exit code. Errors a user can fix are raised as ``NewsgenError`` for ``cli.main``
to print.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from newsgen.cli import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    _positive_int,
    build_time,
    printable,
)
from newsgen.errors import ConfigError


def add_editor_commands(commands: Any) -> None:
    """Add ``init``, ``new`` and ``check`` to the sub-command parsers of ``newsgen``."""
    init = commands.add_parser(
        "init", help="create a new site that builds at once",
        description="Create a site in DIR: a commented newsgen.yaml, articles/ with one "
                    "example article, an empty static/ and a .gitignore for public/.",
    )
    init.add_argument("folder", type=Path, metavar="DIR", help="new or empty folder")
    init.add_argument("--theme", action="store_true",
                      help="also copy the default theme's templates and static files, "
                           "to customise them")
    init.add_argument("--title", help="the site's name (default: News)")
    init.add_argument("--base-url", metavar="URL",
                      help="absolute URL the site will be published at")
    init.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    init.set_defaults(run=run_init)

    new = commands.add_parser(
        "new", help="start a new article file with complete front matter",
        description="Write articles/{year}/{slug}.md with every front-matter key, dated now "
                    "in the site's time zone, and a placeholder body. Never replaces a file. "
                    "Prints the path.",
    )
    new.add_argument("title", help="the headline (the file name is made from it)")
    new.add_argument("--topics", metavar='"A, B"', help="comma-separated topics")
    new.add_argument("--source", metavar="NAME", help="outlet or agency the story comes from")
    new.add_argument("--author", action="append", default=[], metavar="NAME",
                     help="author's name (repeat for several)")
    new.add_argument("--draft", action=argparse.BooleanOptionalAction, default=True,
                     help="write 'draft: true' so the article is held back until it is "
                          "ready (default; --no-draft publishes it at the next build)")
    _site_option(new)
    new.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    new.set_defaults(run=run_new)

    check = commands.add_parser(
        "check", help="validate content, links, topics, templates and config; write nothing",
        description="Report every error and warning a build would, plus editorial warnings "
                    "(missing source or summary, topic spellings differing only by case or "
                    "accents, duplicate titles, images without alt text), without writing "
                    "the site. Exit status 1 on errors (--strict: on warnings too).",
    )
    _site_option(check)
    check.add_argument("--format", choices=("text", "json", "github"), default="text",
                       help="text (default), json, or github workflow annotations")
    check.add_argument("--strict", action="store_true", help="fail on warnings too")
    check.add_argument("--jobs", "-j", type=_positive_int, metavar="N",
                       help="worker processes for reading articles (default: one per CPU)")
    check.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    check.set_defaults(run=run_check)


def _site_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--site", type=Path, default=Path("."), metavar="DIR",
                        help="site root holding articles/ and newsgen.yaml "
                             "(default: current folder)")


def _missing_site(site: Path) -> bool:
    if site.is_dir():
        return False
    print(f"newsgen: error: site folder not found: {site}", file=sys.stderr)
    return True


def run_init(args: argparse.Namespace) -> int:
    from newsgen.config import SiteConfig
    from newsgen.initsite import init_site

    folder: Path = args.folder
    if args.base_url:  # a bad URL is refused before anything is written
        SiteConfig(root=folder).with_overrides(base_url=args.base_url)
    created = init_site(folder, build_time(), theme=args.theme, title=args.title,
                        base_url=args.base_url)
    print(f"Created a news site in {folder}:")
    for name in created:
        print(f"  {name}")
    print(f"Next: cd {folder} && newsgen build   (or: newsgen build --site {folder})")
    return EXIT_OK


def run_new(args: argparse.Namespace) -> int:
    from newsgen.config import load_config
    from newsgen.newarticle import split_topics, write_new_article

    if _missing_site(args.site):
        return EXIT_USAGE
    config = load_config(args.site)
    path = write_new_article(config, args.title, build_time(), topics=split_topics(args.topics),
                             source=args.source, authors=args.author, draft=args.draft)
    print(_shown(path))
    if args.draft:
        print("The article is a draft: 'newsgen build --drafts' shows it; remove "
              "'draft: true' to publish it.", file=sys.stderr)
    return EXIT_OK


def _shown(path: Path) -> str:
    """A path the user can type from the current folder."""
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def run_check(args: argparse.Namespace) -> int:
    from newsgen.check import CheckResult, check_site
    from newsgen.config import load_config
    from newsgen.parallel import default_jobs
    from newsgen.report import format_github, format_json, format_text

    if _missing_site(args.site):
        return EXIT_USAGE
    try:
        config = load_config(args.site).with_overrides(build_time=build_time())
    except ConfigError as exc:
        result = CheckResult(errors=exc.problems, warnings=(), articles=0)
    else:
        result = check_site(config, args.jobs or default_jobs())
    root = args.site.resolve()
    if args.format == "json":
        lines = format_json(result, args.strict)
    elif args.format == "github":
        lines = format_github(result, lambda path: _from_cwd(root, path))
    else:
        lines = format_text(result)
    for line in lines:
        print(printable(line))  # file names and values may hold control characters
    return EXIT_ERROR if result.failed(args.strict) else EXIT_OK


def _from_cwd(root: Path, path: str) -> str:
    """A site path as seen from the current folder (the repository root in CI)."""
    full = root / path
    return _shown(full) if full.exists() else path
