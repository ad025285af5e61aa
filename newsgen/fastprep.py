"""Python-Markdown's preprocessors without the passes that cannot change the text.

Two of the preprocessors ``extra`` brings read the whole body on every conversion: the
raw-HTML one feeds it to an HTML parser, the fenced-code one searches it for fences. A
body without '<' and '&' is all text to the HTML parser, which hands it back unchanged;
a body without "```" and "~~~" has no fence. For those bodies ``install`` makes these
preprocessors return the lines as stock would (the same list of lines) without the pass.
The output is byte-identical to stock (tests/test_markdown_fast.py compares the two).

A preprocessor is skipped only if its class is one listed in ``KNOWN`` and its ``run``
uses the names it used when read (markdown 3.10 and 3.11); any other runs as stock.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import markdown


class Known(NamedTuple):
    """A preprocessor whose ``run`` returns its lines unchanged when the text joined from
    them holds none of ``needs``."""

    run_names: tuple[str, ...]  # the names its run uses (its code's co_names)
    needs: tuple[str, ...]
    # An attribute that must be true first (a one-time set-up in the first run), or "".
    ready: str = ""


_HTML_RUN = ("join", "HTMLExtractor", "md", "feed", "close", "cleandoc", "split")

KNOWN: dict[str, Known] = {
    # An HTML parser sees a text without '<' and '&' as one piece of data, which the
    # extractor appends to the output as it is: ''.join(cleandoc) is the text.
    "markdown.preprocessors.HtmlBlockPreprocessor": Known(_HTML_RUN, ("<", "&")),
    "markdown.extensions.md_in_html.HtmlBlockPreprocessor": Known(
        ("join", "HTMLExtractorExtra", *_HTML_RUN[2:]), ("<", "&")),
    # Every fenced block starts with "```" or "~~~" (FENCED_BLOCK_RE, checked below);
    # with no match the run returns "\n".join(lines).split("\n"). Its first run looks
    # for the codehilite and attr_list extensions: that run is never skipped.
    "markdown.extensions.fenced_code.FencedBlockPreprocessor": Known(
        ("checked_for_deps", "md", "registeredExtensions", "isinstance", "CodeHiliteExtension",
         "getConfigs", "codehilite_conf", "AttrListExtension", "use_attr_list", "join",
         "FENCED_BLOCK_RE", "search", "group", "get_attrs_and_remainder", "end",
         "handle_attrs", "len", "pop", "parse_hl_lines", "get", "copy", "update", "format",
         "CodeHilite", "hilite", "config", "_escape_attrib_html", "items", "_escape",
         "htmlStash", "store", "start", "split"),
        ("```", "~~~"), "checked_for_deps"),
}

# FencedBlockPreprocessor's expression (verbose) starts with the opening fence.
_FENCE_START = "(?P<fence>^(?:~{3,}|`{3,}))"

Run = Callable[[list[str]], list[str]]


def known_of(processor: object) -> Known | None:
    """What ``processor`` needs to change a text, or None: always run it."""
    cls = type(processor)
    known = KNOWN.get(f"{cls.__module__}.{cls.__qualname__}")
    code = getattr(getattr(cls, "run", None), "__code__", None)
    if known is None or code is None or code.co_names != known.run_names:
        return None
    if "FENCED_BLOCK_RE" in known.run_names:
        expression = getattr(processor, "FENCED_BLOCK_RE", None)
        if not (isinstance(expression, re.Pattern)
                and expression.pattern.lstrip().startswith(_FENCE_START)):
            return None
    return known


def skipping(processor: object, known: Known, stock: Run) -> Run:
    """``stock`` (the processor's bound run), skipped when it cannot change the text."""
    needs, ready = known.needs, known.ready

    def run(lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        for needed in needs:
            if needed in text:
                return stock(lines)
        if ready and not getattr(processor, ready):
            return stock(lines)
        return text.split("\n")  # what stock returns for such a text

    return run


def install(md: markdown.Markdown) -> int:
    """Give each known preprocessor of ``md`` a ``run`` that skips a text it cannot
    change (an attribute of the instance, which shadows the class's). The number done."""
    done = 0
    for processor in md.preprocessors:
        known = known_of(processor)
        if known is not None and "run" not in vars(processor):
            vars(processor)["run"] = skipping(processor, known, processor.run)
            done += 1
    return done
