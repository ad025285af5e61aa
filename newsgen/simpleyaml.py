"""Front matter in the shape editors write it, read without a YAML parser.

Nearly every article's front matter is a flat mapping of keys to one-line strings, with a
list or two (topics, authors)::

    title: "Armenia delays review"
    date: 2022-01-14T20:02:16+08:00
    topics:
      - "Poverty"
      - Armenia

PyYAML takes ~90 µs on that (its C parser, then its Python constructor, node by node);
these few regular expressions take a fraction of it. ``simple_mapping`` reads only that
shape, and only where YAML reads it as the same strings and lists of strings; anything
else (a number, a comment, an escape, a continued line, a nested value, a character
YAML treats specially) answers None, and the caller asks YAML. ``test_simpleyaml`` holds
it to YAML's answer on generated input.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import cache, lru_cache

# A key at the start of its line, then its value or nothing (a list follows).
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?: +(.*?))? *")
_ITEM = re.compile(r"( *)- +(.*?) *")
# One-line scalars: double-quoted with no escape but \" and \\, single-quoted ('' is a
# quote), or plain: a letter or digit first, no comment (" #"), no ": " or final ":".
# Each is written as runs of ordinary characters between the special ones ("unrolled"):
# the same strings as one alternation per character, matched five times faster.
_DOUBLE = re.compile(r'"([^"\\]*(?:\\["\\][^"\\]*)*)"')
_ESCAPED = re.compile(r'\\(["\\])')
_SINGLE = re.compile(r"'([^']*(?:''[^']*)*)'")
_PLAIN = re.compile(r"[A-Za-z0-9][^:#]*(?:(?::(?=[^ ])|(?<=[^ ])#)[^:#]*)*")
# What YAML reads in its own way, or refuses: tabs, control characters, its line breaks
# (NEL, LS, PS), a byte-order mark, non-characters. A text holding one goes to YAML.
_UNUSUAL_ASCII = re.compile("[^\n\x20-\x7e]")


# PyYAML's implicit resolvers (yaml/resolver.py) as newsgen's front-matter loader has
# them, without timestamps: tag, the first characters they apply to, the pattern. A
# plain value one of them matches is not a string to YAML (a number, a boolean, null…).
# Copied so that simple front matter is read without importing PyYAML (~25 ms of a
# one-article rebuild); ``test_simpleyaml`` holds the copy to PyYAML's own table.
_RESOLVERS = (
    ("tag:yaml.org,2002:bool", "yYnNtTfFoO", r"""^(?:yes|Yes|YES|no|No|NO
                    |true|True|TRUE|false|False|FALSE
                    |on|On|ON|off|Off|OFF)$""", re.X),
    ("tag:yaml.org,2002:float", "-+0123456789.",
     r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
                    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
                    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
                    |[-+]?\.(?:inf|Inf|INF)
                    |\.(?:nan|NaN|NAN))$""", re.X),
    ("tag:yaml.org,2002:int", "-+0123456789", r"""^(?:[-+]?0b[0-1_]+
                    |[-+]?0[0-7_]+
                    |[-+]?(?:0|[1-9][0-9_]*)
                    |[-+]?0x[0-9a-fA-F_]+
                    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$""", re.X),
    ("tag:yaml.org,2002:merge", "<", r"^(?:<<)$", 0),
    ("tag:yaml.org,2002:null", "~nN", r"""^(?: ~
                    |null|Null|NULL
                    | )$""", re.X),
    ("tag:yaml.org,2002:value", "=", r"^(?:=)$", 0),
    ("tag:yaml.org,2002:yaml", "!&*", r"^(?:!|&|\*)$", 0),
)


@cache
def implicit_resolvers() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    """``_RESOLVERS`` as PyYAML keeps them: by first character ("" for the empty value,
    which the null resolver also takes)."""
    table: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for tag, first, pattern, flags in _RESOLVERS:
        compiled = re.compile(pattern, flags)
        for ch in (*first, "") if tag == "tag:yaml.org,2002:null" else first:
            table.setdefault(ch, []).append((tag, compiled))
    return table


@lru_cache(maxsize=4096)
def plain_is_text(value: str) -> bool:
    """Whether YAML reads an unquoted value as a string (no implicit int, float, boolean
    or null resolves it), as PyYAML's ``Resolver.resolve`` decides. Remembered: every
    article asks it about the same few keys and topic names (~1.5 µs each)."""
    return not any(regexp.match(value)
                   for _, regexp in implicit_resolvers().get(value[:1], ()))


@cache
def _unusual() -> re.Pattern[str]:
    """``_UNUSUAL_ASCII`` for any text. Compiled when first needed: its ranges take
    ~9 ms to compile, which a build reading only ASCII front matter need not pay."""
    return re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd"
                      "\U00010000-\U0010ffff]")


def simple_mapping(lines: Sequence[str], plain_is_text: Callable[[str], bool],
                   ) -> dict[str, str | list[str]] | None:
    """The front matter ``lines`` as YAML reads them, if they are keys with one-line
    string values or lists of them (``plain_is_text``: whether YAML reads an unquoted
    value as a string rather than a number, a boolean or null); else None."""
    data: dict[str, str | list[str]] = {}
    items: list[str] | None = None  # the list being read, under a key with no value
    indent: str | None = None
    for line in lines:
        if not line:
            continue
        if line[0] == " " and items is not None:
            match = _ITEM.fullmatch(line)
            if match is None or (indent is not None and match.group(1) != indent):
                return None
            indent = match.group(1)
            value = _scalar(match.group(2), plain_is_text)
            if value is None:
                return None
            items.append(value)
            continue
        if items is not None and not items:  # a key with neither a value nor a list
            return None
        match = _KEY.fullmatch(line)
        if match is None:
            return None
        key, raw = match.group(1), match.group(2)
        if key in data or not plain_is_text(key):
            return None
        if raw is None:
            items, indent = [], None
            data[key] = items
            continue
        value = _scalar(raw, plain_is_text)
        if value is None:
            return None
        data[key] = value
        items = None
    if not data or (items is not None and not items):
        return None
    text = "".join(lines)
    if (_UNUSUAL_ASCII if text.isascii() else _unusual()).search(text):
        return None
    return data


def _scalar(raw: str, plain_is_text: Callable[[str], bool]) -> str | None:
    match = _DOUBLE.fullmatch(raw)
    if match:
        value = match.group(1)
        if "\\" in value:
            value = _ESCAPED.sub(r"\1", value)
    elif (match := _SINGLE.fullmatch(raw)) is not None:
        value = match.group(1).replace("''", "'")
    elif _PLAIN.fullmatch(raw) and plain_is_text(raw):
        value = raw
    else:
        return None
    # As the loader does with every string: the same text however its accents were typed.
    if not value.isascii() and not unicodedata.is_normalized("NFC", value):
        value = unicodedata.normalize("NFC", value)
    return value
