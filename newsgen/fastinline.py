"""Python-Markdown's inline stage without the pattern attempts that cannot match.

Python-Markdown tries each of its ~15 inline patterns on every text node of a body, by a
regular-expression search from a start index; most find nothing (a paragraph without '['
has no link), and the per-attempt call overhead is most of the inline stage's time.
``FastInlineProcessor`` skips an attempt when the text from the start index contains
none of the substrings the pattern's regular expression must consume: an attempt whose
search finds nothing returns the text unchanged and calls no handler, so skipping it
changes nothing. The output is byte-identical to stock (tests/test_markdown_fast.py
compares the two).

A pattern is skipped only if its compiled expression is one listed in ``NEEDS``, with
the flags ``InlineProcessor`` compiles with, found through the stock
``getCompiledRegExp``; any other pattern (a third-party extension, an old-style
``Pattern``, a changed expression) is always tried. If the Markdown version lacks the
internals this relies on, ``install`` leaves the stock processor in place.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Sequence
from typing import TYPE_CHECKING

from markdown import inlinepatterns, treeprocessors, util

if TYPE_CHECKING:
    import markdown

# The expression of a stock inline pattern → substrings one of which any match of it must
# contain at or after its start (the match consumes that literal, or looks ahead at it):
# a text without any of them from the search's start index cannot match. Expressions as
# compiled by markdown 3.5 to 3.11; placeholders put in the text by earlier matches hold
# only \x02, \x03, "klzzwxh:" and digits, none of which is listed.
NEEDS: dict[str, tuple[str, ...]] = {
    # backtick: '`', or backslash pairs before '`' (looked ahead at); ≥ 3.11, < 3.11
    r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)": ("`",),
    r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)(`+)(.+?)(?<!`)\2(?!`))": ("`",),
    # escape
    r"\\(.)": ("\\",),
    # footnote (footnotes extension): [^label]
    r"\[\^([^\]]*)\]": ("[^",),
    # reference, link, short_reference
    r"(?<!\!)\[": ("[",),
    # image_link, image_reference, short_image_ref
    r"\!\[": ("![",),
    # autolink: <scheme://…>; ≥ 3.11, < 3.11
    r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>": ("://",),
    r"<((?:[Ff]|[Hh][Tt])[Tt][Pp][Ss]?://[^<>]*)>": ("://",),
    # automail: <name@host>
    r"<([^<> !]+@[^@<> ]+)>": ("@",),
    # linebreak: two spaces at the end of a line
    r"  \n": ("  \n",),
    # html: a tag, comment, processing instruction or CDATA, each in <…>; ≥ 3.11, 3.6 to
    # 3.10, 3.5
    r"""(<(\/?+[a-zA-Z][^\s"'<>@]*+(?:\s+[^\s"'=<>]++(?:\s*+=\s*+(?:"[^"]*+"|'[^']*+'"""
    r"""|[^\s"'=<>]++))?+)*+\s*+/?|!--(?:(?!<!--|-->).)*--|[?](?:(?!<[?]|[?]>).)*[?]|"""
    r"""!\[CDATA\[(?:(?!<!\[CDATA\[|\]\]>).)*\]\])>)""": ("<",),
    r"(<(\/?[a-zA-Z][^<>@ ]*( [^<>]*)?|!--(?:(?!<!--|-->).)*--|[?](?:(?!<[?]|[?]>).)*[?]|"
    r"!\[CDATA\[(?:(?!<!\[CDATA\[|\]\]>).)*\]\])>)": ("<",),
    r"(<(\/?[a-zA-Z][^<>@ ]*( [^<>]*)?|!--(?:(?!<!--|-->).)*--)>)": ("<",),
    # entity: &name; &#nn; &#xhh;
    r"(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)": ("&",),
    # em_strong: the DelimiterProcessor for '*' and '_' (≥ 3.11)
    r"\*|_": ("*", "_"),
    # not_strong, em_strong, em_strong2 (< 3.11)
    r"((^|(?<=\s))(\*{1,3}|_{1,3})(?=\s|$))": ("*", "_"),
    r"\*": ("*",),
    r"_": ("_",),
}

# The flags InlineProcessor compiles its expression with (str patterns are always UNICODE).
_FLAGS = re.compile("", re.DOTALL | re.UNICODE).flags


def needs_of(pattern: object) -> tuple[str, ...] | None:
    """The substrings one of which a match of ``pattern`` must contain, or None: always try."""
    if not isinstance(pattern, inlinepatterns.InlineProcessor):
        return None  # old-style Pattern: matched against a slice, never skipped
    if type(pattern).getCompiledRegExp is not inlinepatterns.Pattern.getCompiledRegExp:
        return None
    compiled = pattern.getCompiledRegExp()
    if not isinstance(compiled, re.Pattern) or compiled.flags != _FLAGS:
        return None
    return NEEDS.get(compiled.pattern)


class FastInlineProcessor(treeprocessors.InlineProcessor):
    """The stock inline processor, skipping pattern attempts that cannot match."""

    _plan: Sequence[tuple[object, tuple[str, ...] | None]] = ()

    def run(self, tree: etree.Element, ancestors: list[str] | None = None) -> etree.Element:
        # The patterns and what each needs, read once a document (a DelimiterProcessor's
        # expression changes when a delimiter is added to it). Stock reads the registry at
        # every attempt: that differs only if a pattern changed the registry during the
        # inline pass, which none of Python-Markdown's does.
        self._plan = tuple((pattern, needs_of(pattern)) for pattern in self.inlinePatterns)
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        """Stock ``__handleInline`` (``run`` and ``__applyPattern`` call it by this mangled
        name), except that an attempt which cannot match is skipped as a failed one."""
        if isinstance(data, util.AtomicString):
            return data
        plan = self._plan
        apply = self._InlineProcessor__applyPattern  # type: ignore[attr-defined]
        startIndex = 0
        count = len(plan)
        while patternIndex < count:
            pattern, needs = plan[patternIndex]
            if needs is not None:
                for needed in needs:
                    if data.find(needed, startIndex) >= 0:
                        break
                else:
                    # What a failed attempt gives: the data unchanged, start index 0.
                    patternIndex += 1
                    startIndex = 0
                    continue
            data, matched, startIndex = apply(pattern, data, patternIndex, startIndex)
            if not matched:
                patternIndex += 1
        return data


# The stock loop FastInlineProcessor reproduces, recognised by the names its code uses
# (the same from markdown 3.5 to 3.11); with any other, ``install`` keeps the stock one.
_STOCK_LOOP_NAMES = ("isinstance", "util", "AtomicString", "len", "inlinePatterns",
                     "_InlineProcessor__applyPattern")
_STOCK_LOOP_VARIABLES = ("self", "data", "patternIndex", "startIndex", "count", "matched")
_APPLY_PARAMETERS = ("self", "pattern", "data", "patternIndex", "startIndex")


def supported() -> bool:
    """Whether this Markdown's inline processor has the internals FastInlineProcessor
    relies on: the name-mangled ``__handleInline`` loop it replaces, and ``__applyPattern``."""
    stock = treeprocessors.InlineProcessor
    loop = getattr(stock, "_InlineProcessor__handleInline", None)
    apply = getattr(stock, "_InlineProcessor__applyPattern", None)
    loop_code = getattr(loop, "__code__", None)
    apply_code = getattr(apply, "__code__", None)
    if loop_code is None or apply_code is None:
        return False
    return bool(loop_code.co_names == _STOCK_LOOP_NAMES
                and loop_code.co_varnames == _STOCK_LOOP_VARIABLES
                and apply_code.co_varnames[:apply_code.co_argcount] == _APPLY_PARAMETERS)


def install(md: markdown.Markdown) -> bool:
    """Put a FastInlineProcessor in place of ``md``'s stock inline processor (same name,
    same priority). False, and ``md`` unchanged, if this Markdown lacks the internals it
    relies on or its inline processor is not the stock one."""
    registry = md.treeprocessors
    try:
        current = registry["inline"]
        priority = next(item.priority for item in registry._priority  # type: ignore[attr-defined]
                        if item.name == "inline")
    except (KeyError, AttributeError, StopIteration):
        return False
    if type(current) is not treeprocessors.InlineProcessor or not supported():
        return False
    registry.register(FastInlineProcessor(md), "inline", priority)
    return True
