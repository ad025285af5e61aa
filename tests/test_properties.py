"""Property-based tests (hypothesis): whatever the front matter and whatever the set of
articles, a build either succeeds or fails with ContentError, never another exception;
and a site that builds has well-formed pages whose internal links all resolve.

Example counts are kept moderate so that the file runs in well under a minute; run with
``--hypothesis-show-statistics`` to see how many examples each property tried.
"""

from __future__ import annotations

import contextlib
import os
import string
import tempfile
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_links import Site

from newsgen.build import build
from newsgen.config import SiteConfig
from newsgen.content import KNOWN_KEYS, parse_article
from newsgen.errors import ContentError
from newsgen.frontmatter import FrontMatterError, split_front_matter

from conftest import site_config, write_files
from helpers_site import VOID, Built

CONFIG = SiteConfig(root=Path("/site"))
SOURCE = "articles/x.md"
# In CI (CI=true) the examples are the same on every run, so that a run fails only when
# the code changed; locally each run explores new ones.
IN_CI = bool(os.environ.get("CI"))
FAST = settings(max_examples=300, deadline=None, derandomize=IN_CI)
SITES = settings(max_examples=100, deadline=None, derandomize=IN_CI,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# --- front matter -------------------------------------------------------------------------

def tokens(choices: list[str], max_size: int) -> st.SearchStrategy[str]:
    """Text made of whole tokens (single characters or longer pieces)."""
    return st.lists(st.sampled_from(choices), max_size=max_size).map("".join)


YAMLISH = tokens(
    ([*"abcé: -[]{}&*!|>'\"#\n\t?,%@`\\09.~<",
                              "title", "date", "topics", "slug", "2024-01-30", "2021-02-30",
                              "!!python/object/apply:os.system", "!!binary", "!!timestamp",
                              "null", "true", "\x00", "\x07", "\ufeff", "\r", "---", "...",
                              "\u202e", "javascript:", "https://x.org/", "  ", "\n  - "]),
    max_size=40)


def parses_or_content_error(text: str) -> None:
    try:
        parse_article(text, SOURCE, CONFIG)
    except ContentError as exc:
        assert exc.problems and all(p.path == SOURCE for p in exc.problems)


@FAST
@given(YAMLISH)
def test_yaml_ish_front_matter_parses_or_is_a_content_error(block: str) -> None:
    parses_or_content_error(f"---\ntitle: x\ndate: 2024-01-30\n{block}\n---\nBody.\n")
    parses_or_content_error(f"---\n{block}\n---\nBody.\n")


@FAST
@given(st.text(max_size=200))
def test_any_text_at_all_parses_or_is_a_content_error(text: str) -> None:
    parses_or_content_error(text)
    with contextlib.suppress(FrontMatterError):
        split_front_matter(text, SOURCE)


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20),
    st.dates(min_value=date(1, 1, 1)),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                 timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=14)),
                                            timezone(-timedelta(hours=12))])),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
keys = st.sampled_from(sorted(KNOWN_KEYS)) | st.text(max_size=10)


@FAST
@given(st.dictionaries(keys, values, max_size=8), st.text(max_size=50))
def test_any_mapping_dumped_as_yaml_parses_or_is_a_content_error(
        data: dict[str, Any], body: str) -> None:
    text = "---\n" + yaml.safe_dump(data, allow_unicode=True) + "---\n" + body
    parses_or_content_error(text)


# --- whole sites --------------------------------------------------------------------------

words = tokens([*string.ascii_letters, *"  éệ中ß-'&<>\"/\\.…", "Việt Nam", "Café", "Cafe",
                "<script>", "../"], max_size=12)
valid_when = st.one_of(
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2030, 1, 1)).map(
        lambda d: d.isoformat(sep=" ", timespec="seconds")),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 1, 1)).map(str),
)
when = valid_when | st.sampled_from(["2021-02-30", "yesterday", "", "2024-01-30T25:00"])
# The editor's own links are published as written (there is no link check): random
# brackets would link to random relative URLs, and a footnote defined but never cited
# gets a backlink to nowhere (Python-Markdown). So bodies link only to pages that exist,
# and footnotes come with their citation.
body_text = tokens(
    [*"ab \n*_`#>-!<>&", "\n\n", "<b>", "</b>", "<script>x</script>", "<div>", "[^1]",
     "\n\nSee[^n].\n\n[^n]: A note.\n\n", "[l](/topics/)", "[j](javascript:x)",
     "<https://x.org>", "## Head\n", "```\n", "| a | b |\n|---|---|\n| 1 | 2 |\n",
     "    code\n", "{: #id }", "&amp;"],
    max_size=30)


def has_letters(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


@st.composite
def article_file(draw: st.DrawFn, number: int) -> str:
    """One article: about one in eight is broken on purpose (a bad date, a title or topic
    without letters, a javascript: link …); the others vary within what is valid."""
    broken = draw(st.integers(0, 7)) == 0
    name = draw(words)
    front: dict[str, Any] = {
        "title": name if broken else f"{name} {number}",
        "date": draw(when if broken else valid_when),
    }
    names = st.lists(words if broken else words.filter(has_letters), max_size=4)
    optional: dict[str, st.SearchStrategy[Any]] = {
        "topics": names | names.map(", ".join),
        "slug": words if broken else words.filter(has_letters).map(lambda w: f"{w}-{number}"),
        "summary": words, "author": st.lists(words, max_size=2) | words,
        "source": words, "draft": st.booleans(),
        "source_url": st.sampled_from(["https://example.org/a?b=1&c=<d>", "/topics/"])
        | (st.sampled_from(["javascript:alert(1)", "data:x", "//evil", " java\tscript:x"])
           if broken else st.nothing()),
        # (a site path the editor gets wrong is published as written: no link check)
        "image": st.sampled_from(["/static/favicon.svg", "https://x.org/i.png"]),
        "updated": when if broken else st.none(), "extra_note": values,
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            front[key] = draw(strategy)
    body = draw(body_text)
    return ("---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n"
            + (body if broken else f"Text {body}") + "\n")


@st.composite
def article_files(draw: st.DrawFn) -> list[str]:
    return [draw(article_file(n)) for n in range(draw(st.integers(1, 6)))]


class _StrictTree(HTMLParser):
    """Records any end tag that does not close the element opened last."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass  # <img … />: opens and closes

    def handle_endtag(self, tag: str) -> None:
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        else:
            self.problems.append(f"</{tag}> at line {self.getpos()[0]}, open: {self.stack}")


def well_formed(text: str) -> list[str]:
    tree = _StrictTree()
    tree.feed(text)
    tree.close()
    return tree.problems + ([f"unclosed: {tree.stack}"] if tree.stack else [])


@SITES
@given(article_files(),
       st.sampled_from(["allow", "escape", "sanitize"]),
       st.sampled_from(["markdown", "commonmark"]), st.booleans())
def test_any_set_of_articles_builds_or_is_a_content_error(
        files: list[str], body_html: str, engine: str, drafts: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "site"
        write_files(root, {f"articles/a{n}.md": text for n, text in enumerate(files)})
        (root / "newsgen.yaml").write_text(
            f"body_html: {body_html}\nmarkdown_engine: {engine}\nper_page: 2\n")
        config = site_config(root, output_dir=Path(folder) / "out", drafts=drafts)
        try:
            result = build(config, jobs=1)
        except ContentError as exc:
            assert exc.problems
            assert not (Path(folder) / "out").exists()
            event("content error")
            return
        event(f"built ({result.articles} published)")
        built = Built(root=root, out=config.output_dir, config=config, result=result)
        check_site(built, strict_html=body_html != "allow")


def check_site(built: Built, *, strict_html: bool) -> None:
    out = built.out
    pages = sorted(out.rglob("*.html"))
    assert (out / "index.html").is_file() and (out / "404.html").is_file()
    for page in pages:
        text = page.read_text("utf-8")
        assert text.startswith("<!DOCTYPE html>")
        if strict_html:  # with raw HTML allowed, an editor's unclosed <div> stays unclosed
            assert well_formed(text) == [], page
    for xml in [*out.rglob("feed.xml"), *out.rglob("*sitemap*.xml"), *out.glob("sitemaps/*")]:
        ET.parse(xml)
    assert Site(built).broken() == []
    assert sorted(p.name for p in out.parent.iterdir()) == ["out", "site"]
