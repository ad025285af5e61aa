"""Markdown to HTML, and plain-text helpers for summaries."""

from __future__ import annotations

import html
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import markdown

# Ids the default theme gives to elements of an article page. A body heading whose text
# would slugify to one of them gets a suffix instead: two elements with one id are invalid
# HTML, and "Skip to content" or a "#corrections" link would land on the body heading.
THEME_IDS = frozenset({"content", "related-heading", "corrections"})


def heading_id(value: str, separator: str) -> str:
    """The toc extension's ASCII slug of a heading, kept clear of the theme's ids."""
    from markdown.extensions.toc import slugify

    slug = slugify(value, separator)
    return f"{slug}{separator}section" if slug in THEME_IDS else slug


# No "smarty": it triples conversion time (measured: 6.9 ms vs 2.3 ms an article).
EXTENSIONS = ["extra", "sane_lists", "toc"]
# Article pages carry the headline as their only <h1>: body headings start at <h2>.
EXTENSION_CONFIGS: dict[str, dict[str, Any]] = {
    "toc": {"baselevel": 2, "slugify": heading_id},
}


class Converted(NamedTuple):
    """One converted body: its HTML and the toc extension's heading tree."""

    html: str
    toc_tokens: list[dict[str, Any]]


@contextmanager
def _pygments_hidden() -> Iterator[None]:
    """fenced_code imports codehilite, which imports Pygments when it is installed: 40 ms,
    most of it Pygments' plugin lookup reading every package's metadata. newsgen never
    registers codehilite, so fenced code is never highlighted and Pygments never used:
    while the module loads, ``import pygments`` fails (codehilite expects that), and
    afterwards imports as usual."""
    if "pygments" in sys.modules:
        yield
        return
    sys.modules["pygments"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        del sys.modules["pygments"]


def _extension_objects() -> list[markdown.extensions.Extension]:
    """``EXTENSIONS`` as objects, in the order "extra" registers its own. Named, each
    would be looked up among the installed packages' entry points (Python-Markdown reads
    every package's metadata, ten times): 30 ms of a one-article build."""
    with _pygments_hidden():
        from markdown.extensions import fenced_code
    from markdown.extensions import (
        abbr,
        attr_list,
        def_list,
        footnotes,
        md_in_html,
        sane_lists,
        tables,
        toc,
    )

    assert EXTENSIONS == ["extra", "sane_lists", "toc"], "keep the objects in step"
    return [fenced_code.FencedCodeExtension(), footnotes.FootnoteExtension(),
            attr_list.AttrListExtension(), def_list.DefListExtension(),
            tables.TableExtension(), abbr.AbbrExtension(), md_in_html.MarkdownInHtmlExtension(),
            sane_lists.SaneListExtension(), toc.TocExtension(**EXTENSION_CONFIGS["toc"])]


@cache
def _converter() -> markdown.Markdown:
    # Imported lazily: builds that convert nothing should not pay for the import.
    import markdown

    from newsgen import fastblocks, fastinline, fastprep

    converter = markdown.Markdown(extensions=_extension_objects(), output_format="html")
    # The same output, faster: the stages skip the work that cannot change a body (see
    # fastprep, fastblocks, fastinline); each leaves stock in place where unsupported.
    fastprep.install(converter)
    fastblocks.install(converter)
    fastinline.install(converter)
    return converter


ENGINES = ("markdown", "commonmark")


def prepare(engine: str) -> None:
    """Set up the engine's converter now rather than at the first conversion: for
    Python-Markdown, its extensions' imports and the converter (~20 ms)."""
    if engine == "markdown":
        _converter()


class EngineMissing(Exception):
    """The configured Markdown engine's package is not installed."""


def convert_markdown(text: str, engine: str = "markdown") -> Converted:
    """Convert one article body with the site's engine.

    ``markdown``: Python-Markdown with ``extra`` (one converter per process, reset between
    articles); its toc extension also gives the heading tree for a table of contents.
    ``commonmark``: cmarkgfm (CommonMark + GitHub extensions, in C), about fifteen times
    faster; it gives no heading ids, so no table of contents. Either way body headings
    start at ``<h2>``.
    """
    if engine == "commonmark":
        return Converted(_commonmark(text), [])
    converter = _converter()
    try:
        body = converter.convert(text)
        tokens: list[dict[str, Any]] = getattr(converter, "toc_tokens", [])
        return Converted(body, tokens)
    finally:
        converter.reset()


def markdown_to_html(text: str, engine: str = "markdown") -> str:
    return convert_markdown(text, engine).html


def commonmark_available() -> bool:
    try:
        import cmarkgfm  # noqa: F401
    except ImportError:
        return False
    return True


_HEADING_TAG = re.compile(r"<(/?)h([1-6])\b")


@cache
def _commonmark_options() -> int:
    from cmarkgfm.cmark import Options

    # Raw HTML is the editor's choice, as with Python-Markdown; footnotes as in `extra`.
    return int(Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_FOOTNOTES)


@cache
def _gfm() -> Callable[[str], str]:
    try:
        import cmarkgfm  # noqa: F401
    except ImportError as exc:
        raise EngineMissing("the commonmark engine needs cmarkgfm: "
                            "pip install 'newsgen[commonmark]'") from exc
    from newsgen.cmark import gfm_converter

    return gfm_converter(_commonmark_options())


def _commonmark(text: str) -> str:
    return _HEADING_TAG.sub(_shift_heading, _gfm()(text))


def _shift_heading(match: re.Match[str]) -> str:
    return f"<{match.group(1)}h{min(int(match.group(2)) + 1, 6)}"


_TAG = re.compile(r"<[^>]+>")
_FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
_SPACE = re.compile(r"\s+")


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, spaces folded."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", fragment))).strip()


def word_count(fragment: bytes) -> int:
    """Words of an HTML fragment's text, given as UTF-8 (``Article.body_utf8``): runs of
    text between tags and ASCII white space. A no-break or thin space joins what it holds
    together ("10\u00a0km"), as it does on the page.

    Counted in C: tags are blanked, white space and the rest become two marks, and words
    are where a mark of text follows one of space, ~25 µs an article. Splitting the text
    as a str made a str of every word, and any curly quote or dash makes the whole text
    two bytes a character: ~85 µs.
    """
    marks = _TAG_UTF8.sub(b" ", fragment).translate(_SPACE_MARKS)
    return marks.count(b" x") + marks.startswith(b"x")


_TAG_UTF8 = re.compile(rb"<[^>]+>")
_SPACE_MARKS = bytes(0x20 if bytes([byte]).isspace() else 0x78 for byte in range(256))


def first_paragraph_text(body_html: str) -> str:
    """The first paragraph that has text (a lead image's paragraph has none)."""
    for match in _FIRST_PARAGRAPH.finditer(body_html):
        text = html_to_text(match.group(1))
        if text:
            return text
    return ""


def truncate_words(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters on a word boundary, marking the cut with …"""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-\u2013\u2014") + "…"
