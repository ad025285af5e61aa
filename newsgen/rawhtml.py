"""What raw HTML in an article's Markdown body may do: the site's ``body_html`` policy.

- ``allow`` (default): the body's HTML is published as written: the editor's choice.
- ``escape``: raw HTML is shown as text (``<b>`` reads "<b>"); links and images keep only
  web, mail and site addresses, and Markdown attribute lists cannot add event handlers.
- ``sanitize``: raw HTML is kept but cleaned by nh3 (the Ammonia sanitizer): a safe
  allow-list of tags and attributes, no scripts, styles, event handlers or
  ``javascript:`` links.
"""

from __future__ import annotations

import html
import re
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from newsgen.markup import Converted, convert_markdown

POLICIES = ("allow", "escape", "sanitize")

# URL schemes a link or image in a body may use; a relative URL (no scheme) is always fine.
SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})


def sanitizer_available() -> bool:
    try:
        import nh3  # noqa: F401
    except ImportError:
        return False
    return True


def convert_body(text: str, engine: str, policy: str) -> Converted:
    """Convert one article body with the site's Markdown engine and raw-HTML policy: its
    HTML and the heading tree for a table of contents."""
    if policy == "escape":
        hidden, mark = _hide_tags(text, engine)
        converted = convert_markdown(hidden, engine)
        restored = converted.html.replace(mark, "&lt;").replace(_percent(mark), "%3C")
        return Converted(_clean_tags(restored), _restore_names(converted.toc_tokens, mark))
    converted = convert_markdown(text, engine)
    if policy == "sanitize":
        return Converted(sanitize(converted.html), converted.toc_tokens)
    return converted


def body_to_html(text: str, engine: str, policy: str) -> str:
    """The HTML of one article body (see ``convert_body``)."""
    return convert_body(text, engine, policy).html


def _restore_names(tokens: list[dict[str, Any]], mark: str) -> list[dict[str, Any]]:
    """Heading names as typed: a hidden '<' in a heading is '&lt;' there too (the names
    are HTML text, unescaped when the table of contents is made)."""
    return [{**token, "name": str(token["name"]).replace(mark, "&lt;"),
             "children": _restore_names(token.get("children") or [], mark)}
            for token in tokens]


# Autolinks (<https://…>, <name@example.org>): each engine reads its own kind as a link
# before it considers raw HTML, so their '<' can stay. Any other '<' is hidden from it.
_EMAIL = (r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
          r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*>")
_URL_REST = r"[^\s\x00-\x1f\x7f<>]*>"
_AUTOLINKS = {
    # Python-Markdown: http(s) and ftp(s) only
    "markdown": re.compile(rf"<(?=(?:[Hh][Tt]|[Ff])[Tt][Pp][Ss]?://{_URL_REST}|{_EMAIL})"),
    # CommonMark: any scheme (unsafe ones are emptied afterwards, like any link)
    "commonmark": re.compile(rf"<(?=[A-Za-z][A-Za-z0-9+.\-]{{1,31}}:{_URL_REST}|{_EMAIL})"),
}


def _hide_tags(text: str, engine: str) -> tuple[str, str]:
    """Replace every '<' that could open raw HTML with a private-use character.

    Neither engine treats that character as markup, so raw HTML reaches the output as
    text; in code spans and blocks the engines escape '<' to '&lt;' and we do the same.
    The character is one the text does not use, so putting '&lt;' back is exact.
    """
    mark = next(chr(c) for c in range(0xE000, 0xF900) if chr(c) not in text)
    hidden: list[str] = []
    start = 0
    for match in _AUTOLINKS[engine].finditer(text):
        hidden.append(text[start : match.start()].replace("<", mark))
        hidden.append("<")
        start = match.end()
    hidden.append(text[start:].replace("<", mark))
    return "".join(hidden), mark


def _percent(mark: str) -> str:
    return "".join(f"%{byte:02X}" for byte in mark.encode("utf-8"))


# Attributes the engines write (links, images, heading ids, footnotes, tables, task
# lists). Python-Markdown's attribute lists ({: onclick="…"}) can add any other: in an
# escaped body those are dropped, as raw HTML would be.
ESCAPED_BODY_ATTRIBUTES = frozenset({
    "href", "src", "alt", "title", "id", "class", "align", "style", "start", "colspan",
    "rowspan", "scope", "type", "checked", "disabled", "lang", "dir", "aria-label",
    "data-footnotes", "data-footnote-ref", "data-footnote-backref",
    "data-footnote-backref-idx",
})
_START_TAG = re.compile(r'<([A-Za-z][A-Za-z0-9]*)((?:\s+[^\s="/>]+(?:="[^"]*")?)*)(\s*/?)>')
_ATTRIBUTE = re.compile(r'\s+([^\s="/>]+)(?:="([^"]*)")?')


def _clean_tags(body: str) -> str:
    """Keep only ESCAPED_BODY_ATTRIBUTES, and only safe URLs in href and src.

    Only for escaped bodies: every tag in them was written by the Markdown engine, with
    its attribute values quoted and escaped, so a regular expression reads them exactly.
    """

    def clean(tag: re.Match[str]) -> str:
        kept = []
        for attribute in _ATTRIBUTE.finditer(tag.group(2)):
            name, value = attribute.group(1), attribute.group(2)
            if name.lower() not in ESCAPED_BODY_ATTRIBUTES:
                continue
            if value is not None:
                plain = html.unescape(value)
                if name.lower() in ("href", "src") and not is_safe_body_url(plain):
                    value = ""
                elif name.lower() == "style" and not _ALIGN.fullmatch(plain.strip()):
                    continue
            kept.append(f" {name}" if value is None else f' {name}="{value}"')
        return f"<{tag.group(1)}{''.join(kept)}{tag.group(3)}>"

    return _START_TAG.sub(clean, body)


def is_safe_body_url(url: str) -> bool:
    scheme = urlsplit(url).scheme.lower()  # urlsplit drops leading controls and tabs first
    return (not scheme or scheme in SAFE_SCHEMES) and not any(
        ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in url)


_ALIGN = re.compile(r"text-align:\s*(left|right|center);?")


def sanitize(body: str) -> str:
    """Clean converted HTML with nh3 and the allow-list below."""
    import nh3

    return nh3.clean(body, **_cleaner_options())


def _keep_attribute(tag: str, name: str, value: str) -> str | None:
    if name == "class" and tag == "code":  # fenced code: class="language-python"
        return value if all(c.startswith("language-") for c in value.split()) else None
    if name == "style":  # table cell alignment, as Python-Markdown writes it
        return value if _ALIGN.fullmatch(value.strip()) else None
    return value


@cache
def _cleaner_options() -> dict[str, Any]:
    import nh3

    attributes = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
    for tag, names in {
        # heading ids (table of contents links) and footnotes of both engines
        **{f"h{level}": {"id"} for level in range(1, 7)},
        "sup": {"id", "class"}, "li": {"id"}, "section": {"class"}, "div": {"class"},
        "a": {"class", "title", "id"}, "img": {"title"}, "abbr": {"title"},
        "code": {"class"}, "th": {"style"}, "td": {"style"},
    }.items():
        attributes.setdefault(tag, set()).update(names)
    return {
        "tags": set(nh3.ALLOWED_TAGS) | {"section"},
        "attributes": attributes,
        "attribute_filter": _keep_attribute,
        "url_schemes": set(SAFE_SCHEMES),
        "link_rel": "noopener noreferrer",
    }
