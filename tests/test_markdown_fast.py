"""newsgen.fastprep, fastblocks and fastinline: Python-Markdown's preprocessors, block
parser and inline stage skipping the work that cannot change a body (a pass over a text
without what it looks for, a processor or pattern that cannot match) give exactly what
stock Python-Markdown gives: the same HTML, byte for byte, and the same table-of-contents
tokens."""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as etree
from pathlib import Path
from typing import Any

import markdown
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown import blockparser, blockprocessors, inlinepatterns, treeprocessors

from newsgen import fastblocks, fastinline, fastprep, markup
from newsgen.frontmatter import FrontMatterError, split_front_matter

from conftest import REPO

# In CI the examples are the same on every run (as in test_properties).
IN_CI = bool(os.environ.get("CI"))


def stock_converter(extensions: list[str] | None = None) -> markdown.Markdown:
    return markdown.Markdown(extensions=extensions or markup.EXTENSIONS,
                             extension_configs=markup.EXTENSION_CONFIGS, output_format="html")


# The tables were read from this Markdown. With another, newsgen falls back to stock
# wherever the code differs (which the differential tests below still check), and the
# tests that the fast paths apply are skipped: update the tables for it.
TABLES_READ_FROM = (3, 11)
tables_version = pytest.mark.skipif(
    tuple(markdown.__version_info__[:2]) != TABLES_READ_FROM,
    reason=f"fast-path tables were read from markdown {TABLES_READ_FROM}")


def fast_converter(extensions: list[str] | None = None) -> markdown.Markdown:
    converter = stock_converter(extensions)
    installed = (fastprep.install(converter), fastblocks.install(converter),
                 fastinline.install(converter))
    if tuple(markdown.__version_info__[:2]) == TABLES_READ_FROM:
        assert installed == (2, True, True)  # html_block and fenced_code_block, blocks, inline
    return converter


def convert(converter: markdown.Markdown, text: str) -> tuple[str, list[dict[str, Any]]]:
    try:
        return converter.convert(text), getattr(converter, "toc_tokens", [])
    finally:
        converter.reset()


def priorities(registry: object) -> list[tuple[str, float]]:
    """A markdown Registry's names and priorities."""
    return [(item.name, item.priority) for item in vars(registry)["_priority"]]


STOCK = stock_converter()
FAST = fast_converter()


def assert_same(text: str, stock: markdown.Markdown = STOCK,
                fast: markdown.Markdown = FAST) -> None:
    assert convert(fast, text) == convert(stock, text)


# --- (a) every article the repository holds ---------------------------------------------

SOURCES = sorted([*(REPO / "articles").rglob("*.md"), *(REPO / "tests" / "sites").rglob("*.md")])


# A file newsgen refuses (bad front matter) is still Markdown text: its start is converted
# too. Only the start: one holds 10,000 nested '[', which takes Python-Markdown's link
# parser (stock or fast) ten seconds.
REFUSED_PREFIX = 1000


def texts_of(path: Path) -> list[str]:
    """The file as a whole and the body newsgen converts, or the start of a file whose
    front matter newsgen refuses."""
    raw = path.read_bytes().decode("utf-8", errors="replace")
    try:
        return [raw, split_front_matter(raw, str(path)).body]
    except FrontMatterError:
        return [raw[:REFUSED_PREFIX]]


def test_the_repository_articles_hold_inline_markup() -> None:
    bodies = "".join(text for path in SOURCES for text in texts_of(path))
    assert len(SOURCES) >= 60
    for needed in ("[", "](", "*", "&", "<", "`", "|", "\\"):
        assert needed in bodies, needed


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(REPO)))
def test_the_repository_articles_convert_as_with_stock_markdown(path: Path) -> None:
    for text in texts_of(path):
        assert_same(text)


@tables_version
def test_the_site_converter_is_the_fast_one() -> None:
    inline = markup._converter().treeprocessors["inline"]
    assert type(inline) is fastinline.FastInlineProcessor
    assert type(markup._converter().parser) is fastblocks.FastBlockParser
    converted = markup.convert_markdown("A [link](/x), *em* &amp; `code`.\n\n## Part\n")
    assert (converted.html, converted.toc_tokens) == convert(
        STOCK, "A [link](/x), *em* &amp; `code`.\n\n## Part\n")


@tables_version
def test_every_stock_pattern_is_known_so_the_fast_path_applies() -> None:
    # Not correctness (an unknown pattern is tried, as by stock) but the point of it all:
    # with a new Markdown whose expressions changed, update NEEDS.
    for name, _ in priorities(FAST.inlinePatterns):
        assert fastinline.needs_of(FAST.inlinePatterns[name]) is not None, name


# Block processors that take any block, or test with a cheap look at its start.
ALWAYS_ASKED = {"markdown_block", "empty", "indent", "defindent", "code", "olist", "ulist",
                "paragraph"}


@tables_version
def test_every_searching_block_processor_is_known_so_the_fast_path_applies() -> None:
    for name, _ in priorities(FAST.parser.blockprocessors):
        needs = fastblocks.needs_of(FAST.parser.blockprocessors[name])
        assert (needs is None) == (name in ALWAYS_ASKED), name


# --- (b) generated Markdown made of what the patterns look for --------------------------

PIECES = [
    # characters the patterns need, and their neighbours
    "*", "**", "_", "__", "`", "``", "\\", "[", "]", "(", ")", "!", "<", ">", "&", ";", "#",
    "^", ":", "@", "/", "\"", "'", "=", "{", "}", "|", "-", ".", "~",
    " ", " ", "  \n", "\n", "\n\n", "    ", "word", "HTML", "x", "1", "é", "\u00a0",
    # constructs
    "*em*", "**strong**", "***both***", "_u_", "__uu__", "a_b_c", "2 * 3",
    "[link](http://e.org/a_b)", '[t](<u v> "title")', "[ref]", "[ref][]", "[text][ref]",
    "[ref]: http://e.org/r\n", "![img](i.png)", "![alt][ref]", "![ref]",
    "[^1]", "[^n]", "\n[^1]: The note.\n", "\n[^n]: Other *note*.\n",
    "<http://e.org/>", "<ftp://e.org>", "<me@e.org>", "<b>", "</b>", "<span class=\"s\">",
    "<br/>", "<!-- c -->", "<?php x ?>", "<![CDATA[ d ]]>",
    "&amp;", "&#38;", "&#x26;", "&copy;", "&nope", "`code`", "`` a`b ``", "\\*", "\\`",
    "\\[", "\\\\", "\n| a | b |\n|---|--:|\n| 1 | *2* |\n", "\n- ", "\n* ", "\n1. ", "\n## ",
    "\n### ", "\n> ", "\n    code\n", "\n```\nfenced `x`\n```\n", "\n---\n", "{: .x}",
    "{: #id }", "\n*[HTML]: Hyper Text\n", "\nTerm\n: Definition\n",
    # abbreviations of words inside constructs: found in text, not in what a pattern took
    "amp", "\n*[amp]: Ampersand\n", "\n*[code]: C\n", "\n*[org]: O\n", "\n*[b]: B\n",
    "\n<div markdown=\"1\">*in*</div>\n", "\x02", "\x03", "klzzwxh:0001",
    # block starts and line starts the block processors look for
    "\n\nTitle\n=====\n", "\n\nTitle\n-----\n", "\n# ", "\n#", "#", " #\n", "\n===\n",
    "\n---", "\n- - -\n", "\n___\n", "\n* * *\n", "\n\n<div>\nraw *x*\n</div>\n\n",
    "\n<!-- c -->\n", "\n```", "\n~~~\n",
    "\n>", "\n: ", ":", "|", "\n|", "| x |\n", "\n|---|\n", "]:", "\n[x]: /y\n", "*[",
    "\n*[x]: X\n", "[^", "\n[^2]: Two.\n", "\n    ", "\n\t", "\n\n\n",
]

GENERATED = settings(max_examples=400, deadline=None, derandomize=IN_CI,
                     suppress_health_check=[HealthCheck.too_slow])


# Definitions a body's references use, after it: footnotes, links, abbreviations.
DEFINITIONS = ["[^1]: The note.", "[^n]: Other *note*.", "[ref]: http://e.org/r",
               '[text]: </t> "Title"', "[alt]: i.png", "*[HTML]: Hyper Text", "*[amp]: Ampersand",
               "*[code]: C", "*[x]: X", "[^1]:\n    Indented *note*."]


def documents(pieces: list[str], max_size: int) -> st.SearchStrategy[str]:
    body = st.lists(st.sampled_from(pieces), max_size=max_size).map("".join)
    definitions = st.lists(st.sampled_from(DEFINITIONS), max_size=4).map("\n".join)
    return st.builds(lambda text, defined: f"{text}\n\n{defined}\n", body, definitions)


@GENERATED
@given(documents(PIECES, 40))
def test_generated_markdown_converts_as_with_stock_markdown(text: str) -> None:
    assert_same(text)


# --- (c) patterns the fast path does not know are always tried ---------------------------


class Brand(inlinepatterns.InlineProcessor):
    """A plain word, with none of the characters the stock patterns need."""

    def handleMatch(  # type: ignore[override]
            self, m: re.Match[str], data: str) -> tuple[etree.Element, int, int]:
        element = etree.Element("span", {"class": "brand"})
        element.text = m.group(0)
        return element, m.start(0), m.end(0)


class OldBrand(inlinepatterns.Pattern):
    """The same as an old-style Pattern (matched against a slice of the text)."""

    def handleMatch(self, m: re.Match[str]) -> etree.Element:
        element = etree.Element("span", {"class": "old"})
        element.text = m.group(2)
        return element


def with_brand(converter: markdown.Markdown) -> markdown.Markdown:
    # Below em_strong and above it: tried on what the stock patterns leave, and inside
    # what they make.
    converter.inlinePatterns.register(Brand(r"\bnewsgen\b", converter), "brand", 55)
    converter.inlinePatterns.register(OldBrand(r"\b(python)\b", converter), "old", 185)
    return converter


BRAND_TEXT = ("Made with newsgen and python.\n\n*newsgen* [python](/p) "
              "newsgen\n\n| newsgen |\n|---|\n| **python** |\n")


def test_a_pattern_it_does_not_know_is_tried() -> None:
    assert fastinline.needs_of(Brand(r"\bnewsgen\b")) is None
    assert fastinline.needs_of(OldBrand(r"\b(python)\b")) is None
    stock, fast = with_brand(stock_converter()), with_brand(fast_converter())
    html, _ = convert(fast, BRAND_TEXT)
    assert html.count('<span class="brand">newsgen</span>') == 4
    assert html.count('<span class="old">python</span>') == 3
    assert_same(BRAND_TEXT, stock, fast)


def test_patterns_are_read_at_each_conversion() -> None:
    stock, fast = stock_converter(), fast_converter()
    assert_same("Made with newsgen, ~~struck~~.", stock, fast)
    with_brand(stock), with_brand(fast)
    assert_same(BRAND_TEXT, stock, fast)
    # A delimiter added to em_strong changes its expression, and what it needs (em_strong
    # is a DelimiterProcessor from markdown 3.11).
    for converter in (stock, fast):
        delimiters = getattr(converter, "delimiters", None)
        if delimiters is None:
            return
        delimiters.add("~", "del", double=True)
    html, _ = convert(fast, "Made with newsgen, ~~struck~~.")
    assert "<del>struck</del>" in html and '<span class="brand">' in html
    assert_same("Made with newsgen, ~~struck~~.", stock, fast)


@pytest.mark.parametrize("flags", [re.IGNORECASE, re.VERBOSE])
def test_a_known_expression_compiled_otherwise_is_not_known(flags: int) -> None:
    # Verbose, '  \n' would match the empty string: skipping it would be wrong.
    pattern = inlinepatterns.SubstituteTagInlineProcessor(r"  \n", "br")
    assert fastinline.needs_of(pattern) == ("  \n",)
    pattern.compiled_re = re.compile(r"  \n", re.DOTALL | flags)
    assert fastinline.needs_of(pattern) is None


@settings(GENERATED, max_examples=200)
@given(documents([*PIECES[:60], "newsgen", "python", " newsgen "], 30))
def test_generated_markdown_with_smarty_and_unknown_patterns(text: str) -> None:
    # smarty's patterns are not in NEEDS either; they sit among the stock ones.
    extensions = [*markup.EXTENSIONS, "smarty"]
    stock = with_brand(stock_converter(extensions))
    fast = with_brand(fast_converter(extensions))
    assert_same(text, stock, fast)


# --- fallback: stock behaviour where the internals differ --------------------------------


def test_it_keeps_the_stock_processor_when_the_internals_differ(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert fastinline.supported()

    def other_loop(self: object, data: str, patternIndex: int = 0) -> str:
        return data

    monkeypatch.setattr(treeprocessors.InlineProcessor, "_InlineProcessor__handleInline",
                        other_loop)
    assert not fastinline.supported()
    converter = stock_converter()
    assert not fastinline.install(converter)
    assert type(converter.treeprocessors["inline"]) is treeprocessors.InlineProcessor
    monkeypatch.delattr(treeprocessors.InlineProcessor, "_InlineProcessor__applyPattern")
    assert not fastinline.supported()


def test_it_keeps_an_inline_processor_an_extension_put_in_place() -> None:
    class Custom(treeprocessors.InlineProcessor):
        pass

    converter = stock_converter()
    converter.treeprocessors.register(Custom(converter), "inline", 20)
    assert not fastinline.install(converter)
    assert type(converter.treeprocessors["inline"]) is Custom


def test_it_takes_the_stock_place() -> None:
    assert sorted(priorities(FAST.treeprocessors)) == sorted(priorities(STOCK.treeprocessors))
    assert (FAST.treeprocessors.get_index_for_name("inline")
            == STOCK.treeprocessors.get_index_for_name("inline"))


# --- the block stage ----------------------------------------------------------------------


class Note(blockprocessors.BlockProcessor):
    """Blocks starting with "NOTE:", which no listed processor looks for."""

    def test(self, parent: etree.Element, block: str) -> bool:
        return block.startswith("NOTE:")

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        aside = etree.SubElement(parent, "aside")
        aside.text = blocks.pop(0)[5:].strip()


class NoHeadings(blockprocessors.HashHeaderProcessor):
    """A subclass of a listed processor: not known, since it may answer otherwise."""

    def test(self, parent: etree.Element, block: str) -> bool:
        return False


NOTE_TEXT = "Intro.\n\nNOTE: checked *twice*\n\n# Heading\n\n- NOTE: in a list\n"


def with_blocks(converter: markdown.Markdown) -> markdown.Markdown:
    # Above and below the listed processors; and the hash-header one replaced.
    converter.parser.blockprocessors.register(Note(converter.parser), "note", 72)
    converter.parser.blockprocessors.register(Note(converter.parser), "note-late", 12)
    converter.parser.blockprocessors.register(NoHeadings(converter.parser), "hashheader", 70)
    return converter


def test_a_block_processor_it_does_not_know_is_asked() -> None:
    stock, fast = stock_converter(), fast_converter()
    assert_same(NOTE_TEXT, stock, fast)  # before: the processors are read per document
    with_blocks(stock), with_blocks(fast)
    assert fastblocks.needs_of(fast.parser.blockprocessors["note"]) is None
    assert fastblocks.needs_of(fast.parser.blockprocessors["hashheader"]) is None
    html, _ = convert(fast, NOTE_TEXT)
    assert html.count("<aside>") == 2 and "<em>twice</em>" in html
    assert "<h2" not in html and "# Heading" in html
    assert_same(NOTE_TEXT, stock, fast)


def test_a_listed_processor_whose_code_differs_is_not_known(
        monkeypatch: pytest.MonkeyPatch) -> None:
    quote = FAST.parser.blockprocessors["quote"]
    assert fastblocks.needs_of(quote) == (">",)

    def test(self: object, parent: etree.Element, block: str) -> bool:
        return block.startswith("%")

    monkeypatch.setattr(blockprocessors.BlockQuoteProcessor, "test", test)
    assert fastblocks.needs_of(quote) is None
    monkeypatch.undo()
    monkeypatch.setattr(quote, "RE", re.compile(r"(^|\n)[ ]{0,3}%[ ]?(.*)"))
    assert fastblocks.needs_of(quote) is None


def test_it_keeps_the_stock_parser_when_its_loop_differs(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert fastblocks.supported()

    def other_loop(self: object, parent: etree.Element, blocks: list[str]) -> None:
        blocks.clear()

    monkeypatch.setattr(blockparser.BlockParser, "parseBlocks", other_loop)
    assert not fastblocks.supported()
    converter = stock_converter()
    assert not fastblocks.install(converter)
    assert type(converter.parser) is blockparser.BlockParser


@settings(GENERATED, max_examples=200)
@given(documents([*PIECES[60:], "NOTE: ", "\n\nNOTE: x", "# "], 30))
def test_generated_markdown_with_unknown_block_processors(text: str) -> None:
    assert_same(text, with_blocks(stock_converter()), with_blocks(fast_converter()))


# --- the preprocessors ---------------------------------------------------------------------


@tables_version
def test_the_preprocessors_that_read_the_whole_body_are_known() -> None:
    skipping = {name for name, _ in priorities(FAST.preprocessors)
                if "run" in vars(FAST.preprocessors[name])}
    assert skipping == {"html_block", "fenced_code_block"}
    assert fastprep.install(FAST) == 0  # once is enough


@pytest.mark.parametrize("text", [
    "Plain text.\n\nMore.", "A <b>tag</b>.", "<div>\nblock\n</div>\n\nafter", "AT&T",
    "&amp;", "```\ncode\n```", "~~~\ncode\n~~~\n", "``not a fence``", "a\n```py\nx\n```\n",
])
def test_a_first_conversion_and_later_ones_convert_as_stock(text: str) -> None:
    # The fenced-code preprocessor's first run sets itself up: it is never skipped.
    stock, fast = stock_converter(), fast_converter()
    assert_same("Plain text.", stock, fast)
    assert_same(text, stock, fast)
    stock, fast = stock_converter(), fast_converter()
    assert_same(text, stock, fast)


def test_a_preprocessor_whose_code_differs_is_not_known(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from markdown.extensions import fenced_code

    converter = stock_converter()
    fenced = converter.preprocessors["fenced_code_block"]
    assert fastprep.known_of(fenced) is not None

    def run(self: object, lines: list[str]) -> list[str]:
        return [line.replace("~", "`") for line in lines]

    monkeypatch.setattr(fenced_code.FencedBlockPreprocessor, "run", run)
    assert fastprep.known_of(fenced) is None
    monkeypatch.undo()
    monkeypatch.setattr(fenced, "FENCED_BLOCK_RE", re.compile(r"^(?P<fence>%{3,})", re.M))
    assert fastprep.known_of(fenced) is None
    assert fastprep.install(converter) == 1
