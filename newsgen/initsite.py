"""``newsgen init``: a new site that builds at once.

Everything written here comes from this module and the packaged theme (``newsgen/theme``),
so it works from an installed wheel as well as from a source checkout.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from newsgen.config import CONFIG_NAME
from newsgen.errors import NewsgenError
from newsgen.newarticle import yaml_entry
from newsgen.render import THEME_DIR

CONFIG_TEXT = """\
# newsgen site configuration. Every key is optional: the commented-out values are the
# defaults. See "Configuration" in newsgen's README for the details.

# The site's name: masthead, page titles, feeds.
{title}
# One line under the name, and the description of the home page.
# description: ""

# The absolute URL the site is published at: feeds and the sitemap need it, and a path
# (https://example.org/news/) prefixes every link. Builds warn until it is set.
{base_url}

# language: en                 # the pages' lang attribute
# timezone: UTC                # an IANA name such as Asia/Ho_Chi_Minh: dates, URLs, display
# source: ""                   # the source of articles that name none ("Source: …")

# permalink: /{{year}}/{{month}}/{{slug}}/   # also {{day}}
# per_page: 20                 # articles per page of the home and topic pages
# related_limit: 5             # related articles under each article
# feed_limit: 50               # entries per Atom feed
# summary_length: 240          # length of a teaser cut from the first paragraph
# markdown_engine: markdown    # or commonmark (pip install 'newsgen[commonmark]')
# search: true                 # a search page, indexed by Pagefind (pip install 'newsgen[search]');
#                              # default: on when Pagefind is installed

# Folders, relative to this file.
# articles_dir: articles
# templates_dir: templates       # your templates override the theme's, file by file
# static_dir: static             # published under /static/, over the theme's files
# output_dir: public
"""

EXAMPLE_BODY = """\
This is an article: a Markdown file under `articles/` whose front matter (between the two
`---` lines) gives its title, date, topics and source. Edit it, or delete it once you have
written your own with `newsgen new "Your headline"`.

## Writing

Paragraphs are separated by a blank line. **Bold**, *italics*, lists, tables, quotes and
footnotes work as in Markdown. Headings in the body start at `##`: the title is the page's
only top-level heading.

Link to another article by its file, relative to this one, as in
`[the earlier story](../2024/earlier-story.md)`: the build turns it into that article's
address, and reports a link to a file that does not exist. Pictures go in `static/` and
are shown with a description for readers who cannot see them:
`![A flooded street in the old quarter](/static/flood.jpg)`.

## Publishing

`newsgen check` reports problems without building; `newsgen build` writes the site into
`public/`.
"""


def config_text(title: str | None = None, base_url: str | None = None) -> str:
    return CONFIG_TEXT.format(
        title=yaml_entry("title", title) if title else "title: News",
        base_url=yaml_entry("base_url", base_url) if base_url
        else "# base_url: https://news.example.org/",
    )


def example_article(now: datetime) -> str:
    lines = [
        "title: Welcome to your news site",
        f"date: {now.isoformat(sep=' ', timespec='seconds')}",
        "author: The newsgen team",
        "source: newsgen",
        "topics: [Getting started]",
        "summary: How articles are written, linked and published.",
    ]
    return "---\n" + "\n".join(lines) + "\n---\n" + EXAMPLE_BODY


def init_site(folder: Path, now: datetime, *, theme: bool = False, title: str | None = None,
              base_url: str | None = None) -> list[str]:
    """Create the site in ``folder`` (new, or holding none of the files made here).

    ``now`` dates the example article; with ``theme``, the default templates and static
    files are copied for customising. Returns what was created, relative to ``folder``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    example = f"articles/{now.year:04d}/welcome-to-your-news-site.md"
    parts = [CONFIG_NAME, "articles/", "static/"] + (["templates/"] if theme else [])
    taken = [p for p in parts if _taken(folder / p)]
    if taken:
        raise NewsgenError(f"{folder} already has {', '.join(taken)}: not changed "
                           f"(choose a new or empty folder)")
    created = [CONFIG_NAME, example]
    (folder / CONFIG_NAME).write_text(config_text(title, base_url), encoding="utf-8")
    (folder / example).parent.mkdir(parents=True, exist_ok=True)
    (folder / example).write_text(example_article(now), encoding="utf-8")
    (folder / "static").mkdir(exist_ok=True)
    if theme:
        shutil.copytree(THEME_DIR / "templates", folder / "templates", dirs_exist_ok=True)
        shutil.copytree(THEME_DIR / "static", folder / "static", dirs_exist_ok=True)
        created += ["templates/ (the default theme's templates)",
                    "static/ (the default theme's static files)"]
    else:
        created.append("static/")
    if not (folder / ".gitignore").exists():
        (folder / ".gitignore").write_text("# the built site\n/public/\n", encoding="utf-8")
        created.append(".gitignore")
    return created


def _taken(path: Path) -> bool:
    """A file, or a folder with something in it."""
    return path.is_file() or (path.is_dir() and any(path.iterdir()))
