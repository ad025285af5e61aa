"""Python-Markdown's block stage without the processor calls that cannot succeed.

For every block of a body, Python-Markdown asks its ~18 block processors in turn whether
the block is theirs (``test``, then ``run``) until one takes it; an ordinary paragraph
is offered to all of them, and most look for a character it does not hold (a heading
needs '#', a blockquote '>', a table '|'). ``FastBlockParser`` does not ask a processor
whose answer would be "no" for want of such a character: that answer has no effect (the
test changes nothing the processor later reads; a ``run`` that finds nothing puts the
block back as it was), so skipping the call changes nothing. The output is
byte-identical to stock (tests/test_markdown_fast.py compares the two).

A processor is skipped only if its class is one listed in ``KNOWN``, the code of the
methods whose answer the table vouches for uses the names it used when read (markdown
3.11), and the expression they search with is the one listed; any other processor is
always asked. If the parser's loop is not the stock one, ``install`` leaves it alone.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from markdown import blockparser
from markdown.blockprocessors import BlockProcessor

if TYPE_CHECKING:
    import markdown


class Known(NamedTuple):
    """A block processor whose answer is "no" when a block lacks all of ``needs``."""

    # The names each method whose answer this relies on uses (its code's co_names).
    methods: dict[str, tuple[str, ...]]
    # The attribute holding the expression those methods search with, or "" for none.
    expression: str
    # Expression source and flags → substrings one of which the block must hold.
    needs: dict[tuple[str, int], tuple[str, ...]]


_M = re.MULTILINE | re.UNICODE
_U = re.UNICODE
_ALWAYS_TRUE: tuple[str, ...] = ()  # the names of ``return True``

KNOWN: dict[str, Known] = {
    # test: a '>' at the start of a line (and not too deep)
    "markdown.blockprocessors.BlockQuoteProcessor": Known(
        {"test": ("bool", "RE", "search", "util", "nearing_recursion_limit")}, "RE",
        {(r"(^|\n)[ ]{0,3}>[ ]?(.*)", _U): (">",)}),
    # test: '#' to '######' at the start of a line; ≥ 3.11, < 3.11
    "markdown.blockprocessors.HashHeaderProcessor": Known(
        {"test": ("bool", "RE", "search")}, "RE",
        {(r"(?:^|\n)(?P<level>#{1,6})(?P<header>(?:\\.|[^\\#]|#+(?=[^#\n]))*?)#*(?:\n|$)", _U):
            ("#",),
         (r"(?:^|\n)(?P<level>#{1,6})(?P<header>(?:\\.|[^\\])*?)#*(?:\n|$)", _U): ("#",)}),
    # test (match at the start): the first line break followed by '=' or '-'
    "markdown.blockprocessors.SetextHeaderProcessor": Known(
        {"test": ("bool", "RE", "match")}, "RE",
        {(r"^.*?\n(?:=+|-+)[ ]*(\n|$)", _M): ("\n=", "\n-"),
         (r"^.*?\n[=-]+[ ]*(\n|$)", _M): ("\n=", "\n-")}),
    # test: a line of three or more '-', '_' or '*'
    "markdown.blockprocessors.HRProcessor": Known(
        {"test": ("SEARCH_RE", "search", "match")}, "SEARCH_RE",
        {(r"^[ ]{0,3}(?=(?P<atomicgroup>(-+[ ]{0,2}){3,}|(_+[ ]{0,2}){3,}|(\*+[ ]{0,2}){3,}))"
          r"(?P=atomicgroup)[ ]*$", _M): ("-", "_", "*")}),
    # test: a line starting with ':' and a space
    "markdown.extensions.def_list.DefListProcessor": Known(
        {"test": ("bool", "RE", "search")}, "RE",
        {(r"(^|\n)[ ]{0,3}:[ ]{1,3}(.*?)(\n|$)", _U): (": ",)}),
    # test: its first row splits into cells at pipes, or has a border pipe. A failing test
    # sets ``border``, which only the run after a passing test reads.
    "markdown.extensions.tables.TableProcessor": Known(
        {"test": ("split", "len", "PIPE_NONE", "border", "startswith", "PIPE_LEFT",
                  "RE_END_BORDER", "search", "PIPE_RIGHT", "_split_row", "range", "set", "join",
                  "separator"),
         "_split_row": ("border", "startswith", "RE_END_BORDER", "sub", "_split"),
         "_split": ("RE_CODE_PIPES", "finditer", "group", "append", "len", "start", "end",
                    "ValueError", "index")},
        "", {("", 0): ("|",)}),
    # test is True; run puts the block back and answers False unless it finds a
    # "[label]: url" line, a "*[ABBR]: title" line, a "[^note]: text" line.
    "markdown.blockprocessors.ReferenceProcessor": Known(
        {"test": _ALWAYS_TRUE,
         "run": ("pop", "RE", "search", "start", "finditer", "strip", "group", "lower", "lstrip",
                 "rstrip", "parser", "md", "references", "end", "insert")}, "RE",
        {(r"^[ ]{0,3}\[([^\[\]]*)\]:[ ]*(?:\n[ ]*)?([^\s]+)[ ]*(?:\n[ ]*)?"
          r"""((["\'])(.*)\4[ ]*|\((.*)\)[ ]*)?$""", _M): ("]:",)}),
    "markdown.extensions.abbr.AbbrBlockprocessor": Known(
        {"test": _ALWAYS_TRUE,
         "run": ("pop", "RE", "search", "group", "strip", "abbrs", "end", "insert", "lstrip",
                 "start", "rstrip")}, "RE",
        {(r"^[*]\[(?P<abbr>[^\\]*?)\][ ]?:[ ]*\n?[ ]*(?P<title>.*)$", _M): ("*[",)}),
    "markdown.extensions.footnotes.FootnoteBlockProcessor": Known(
        {"test": _ALWAYS_TRUE,
         "run": ("pop", "RE", "search", "start", "finditer", "end", "strip", "footnotes",
                 "setFootnote", "group", "rstrip", "lstrip", "join", "detab", "insert", "extend",
                 "detectTabbed")}, "RE",
        {(r"^[ ]{0,3}\[\^([^\]]*)\]:[ ]*(.*)$", _M): ("[^",)}),
}


def needs_of(processor: object) -> tuple[str, ...] | None:
    """The substrings one of which a block must hold for ``processor`` to take it, or
    None: always ask it."""
    cls = type(processor)
    known = KNOWN.get(f"{cls.__module__}.{cls.__qualname__}")
    if known is None:
        return None
    for name, names in known.methods.items():
        if getattr(getattr(cls, name, None), "__code__", None) is None:
            return None
        if getattr(cls, name).__code__.co_names != names:
            return None
    if not known.expression:
        return known.needs.get(("", 0))
    expression = getattr(processor, known.expression, None)
    if not isinstance(expression, re.Pattern):
        return None
    return known.needs.get((expression.pattern, expression.flags))


class FastBlockParser(blockparser.BlockParser):
    """The stock block parser, skipping the processors that cannot take a block."""

    _plan: Sequence[tuple[BlockProcessor, tuple[str, ...] | None]] = ()
    _depth = 0

    def parseBlocks(self, parent: etree.Element, blocks: list[str]) -> None:
        """Stock ``parseBlocks``, except that a processor which cannot take the block is
        not asked. The processors and what each needs are read once a document (at the
        outermost call); stock reads the registry at every block, which differs only if
        a processor changed the registry while parsing, which none of Python-Markdown's
        does."""
        if not self._depth:
            self._plan = tuple((p, needs_of(p)) for p in self.blockprocessors)
        plan = self._plan
        self._depth += 1
        try:
            while blocks:
                for processor, needs in plan:
                    if needs is not None:
                        block = blocks[0]
                        for needed in needs:
                            if needed in block:
                                break
                        else:
                            continue
                    if (processor.test(parent, blocks[0])
                            and processor.run(parent, blocks) is not False):
                        break  # run returned True or None: the block is taken
        finally:
            self._depth -= 1


# The stock loop, recognised by the names its code uses (the same from markdown 3.5 to 3.11).
_STOCK_LOOP_NAMES = ("blockprocessors", "test", "run")
_STOCK_LOOP_VARIABLES = ("self", "parent", "blocks", "processor")


def supported() -> bool:
    """Whether this Markdown's block parser runs the loop FastBlockParser reproduces."""
    code = getattr(getattr(blockparser.BlockParser, "parseBlocks", None), "__code__", None)
    return bool(code is not None and code.co_names == _STOCK_LOOP_NAMES
                and code.co_varnames == _STOCK_LOOP_VARIABLES)


def install(md: markdown.Markdown) -> bool:
    """Make ``md``'s block parser a FastBlockParser (the same object, so the processors,
    which hold it, keep working with it). False, and ``md`` unchanged, if the parser is
    not the stock one or its loop is not the one this reproduces."""
    parser = getattr(md, "parser", None)
    if type(parser) is not blockparser.BlockParser or not supported():
        return False
    parser.__class__ = FastBlockParser
    return True
