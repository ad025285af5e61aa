"""Split a Markdown file into its YAML front matter and its body."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

from newsgen.errors import Problem
from newsgen.simpleyaml import plain_is_text, simple_mapping


@cache
def _loader() -> Any:
    """The YAML loader for front matter that ``simple_mapping`` cannot read. Made when
    first needed: importing PyYAML takes ~25 ms, which a build of simple front matter
    (nearly every article's) need not pay."""
    import yaml

    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class FrontMatterLoader(base):  # type: ignore[misc,valid-type]
        """Safe YAML without implicit timestamps: dates stay strings, so we parse them
        ourselves and can report an impossible date with its line instead of a crash.

        A key given twice is an error (YAML would silently keep the last one), and a
        value Python cannot hold (a 5,000-digit number, ``!!timestamp 2021-02-30``) is
        reported at its line instead of escaping as a bare ``ValueError`` (or worse:
        PyYAML's timestamp constructor fails with ``AttributeError`` on
        ``!!timestamp x``)."""

        def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
            try:
                return super().construct_object(node, deep)
            except (yaml.YAMLError, RecursionError):
                raise
            except Exception as exc:  # PyYAML's own constructors fail on odd input, too
                tag = node.tag.replace("tag:yaml.org,2002:", "!!")
                if tag == "!!int" and "digits" in str(exc):  # Python's int() length limit
                    what = "number is too long (put it in quotes)"
                elif isinstance(exc, ValueError | OverflowError):
                    what = f"cannot read this value: {exc}"
                else:
                    what = f"cannot read this value as {tag}"
                raise yaml.constructor.ConstructorError(None, None, what,
                                                        node.start_mark) from exc

        def construct_scalar(self, node: yaml.ScalarNode) -> Any:
            value = super().construct_scalar(node)
            # The file's text is composed (``normalise_text``), but not what an escape in
            # a quoted value stands for ("\U0002F800"): such a value reads as the same
            # text typed plainly.
            if isinstance(value, str) and not unicodedata.is_normalized("NFC", value):
                value = unicodedata.normalize("NFC", value)
            return value

        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Any:
            first: dict[str, int] = {}
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE_TAG:
                    line = first.setdefault(key_node.value, key_node.start_mark.line)
                    if line != key_node.start_mark.line:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"'{key_node.value}' is given twice (first on line "
                            f"{line + _FIRST_LINE})", key_node.start_mark)
            return super().construct_mapping(node, deep)

    FrontMatterLoader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers
                if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    return FrontMatterLoader


_MERGE_TAG = "tag:yaml.org,2002:merge"
_FIRST_LINE = 2  # the YAML block starts on the file's second line, after '---'

# Front matter holds a few keys, a list of topics, perhaps a small table in a custom key:
# nesting deeper than this is a mistake or an attack, refused before anything walks it.
MAX_DEPTH = 20
# Every level of nesting needs one of these characters. Below this many of them the text
# cannot be deep enough to hurt libyaml (which recurses, and slows quadratically with
# depth); above it, the text is scanned first, stopping at MAX_DEPTH.
_NESTING = re.compile(r"[\[{\-?:]")
_SCAN_ABOVE = 500

_UNKNOWN_TAG = re.compile(r"could not determine a constructor for the tag '([^']*)'")
_FENCE = re.compile(r"^---[ \t]*$")
_CLOSE_LINE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_KEY_LINE = re.compile(r"^([^\s#:][^:]*?)[ \t]*:(?:[ \t]|$)")


@dataclass(frozen=True)
class FrontMatter:
    data: dict[str, Any]
    body: str
    body_line: int  # 1-based line of the file where the body starts
    key_lines: dict[str, int]  # top-level key -> 1-based line in the file

    def line_of(self, key: str) -> int | None:
        return self.key_lines.get(key)


class FrontMatterError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def normalise_text(text: str) -> str:
    """Drop a UTF-8 byte-order mark, turn CRLF/CR line endings into LF, and compose
    accents (NFC): "Việt Nam" typed with combining marks is then the same topic, title
    and text as "Việt Nam" typed with precomposed letters, as the web expects."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def split_front_matter(text: str, source: str) -> FrontMatter:
    """Parse ``---``-fenced YAML at the top of ``text``; ``source`` names the file in errors.

    Only the first two fences count: a ``---`` later in the body (a Markdown rule) stays there.
    """
    text = normalise_text(text)
    if not text or text.isspace():
        raise FrontMatterError(
            Problem(source, "file is empty (expected front matter with a title and date)", 1)
        )
    # Only the front matter is cut into lines: the body, most of the file, is sliced off.
    first_end = text.find("\n")
    if not _FENCE.match(text if first_end < 0 else text[:first_end]):
        raise FrontMatterError(
            Problem(source, "no front matter: the file must start with a '---' line", 1)
        )
    fence = _CLOSE_LINE.search(text, first_end + 1) if first_end >= 0 else None
    if fence is None:
        raise FrontMatterError(
            Problem(source, "front matter is not closed: add a '---' line after it", 1)
        )
    has_lines = fence.start() > first_end + 1
    yaml_text = text[first_end + 1 : fence.start() - 1] if has_lines else ""
    yaml_lines = yaml_text.split("\n") if has_lines else []
    close = 1 + len(yaml_lines)  # the closing fence's line, counted from 0
    simple = simple_mapping(yaml_lines, plain_is_text)
    data = simple if simple is not None else _load_yaml(yaml_text, close, source)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        raise FrontMatterError(
            Problem(source, f"front matter must be a mapping of keys to values, not {kind}", 2)
        )
    key_lines: dict[str, int] = {}
    for number, yaml_line in enumerate(yaml_lines, start=2):
        match = _KEY_LINE.match(yaml_line)
        if match:
            key_lines.setdefault(match.group(1).strip("'\""), number)
    if simple is None:
        for key, value in data.items():
            if _depth(value) >= MAX_DEPTH:
                raise FrontMatterError(Problem(
                    source, f"front matter: '{key}' is nested more than {MAX_DEPTH} levels "
                            f"deep", key_lines.get(str(key).strip("'\""), _FIRST_LINE)))
    body = text[fence.end() + 1 :]
    return FrontMatter({str(k): v for k, v in data.items()}, body, close + 2, key_lines)


def _load_yaml(yaml_text: str, close: int, source: str) -> Any:
    """The front matter read by PyYAML; its errors as a ``FrontMatterError`` at their
    line (``close``: the closing fence's line, counted from 0)."""
    import yaml

    try:
        if ("&" in yaml_text or "*" in yaml_text
                or len(_NESTING.findall(yaml_text)) > _SCAN_ABOVE):
            _scan(yaml_text, source)
        return yaml.load(yaml_text, Loader=_loader())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark and mark and mark.line >= close - 1:
            # The problem surfaced at the end of the block (an unclosed bracket or quote):
            # where the construct opened is more useful to the editor.
            mark = exc.context_mark
        line = mark.line + _FIRST_LINE if mark else 1
        what = exc.problem or exc.context or "invalid YAML"
        if exc.context in ("while scanning an alias", "while scanning an anchor"):
            what = "a value that starts with '&' or '*' must be put in quotes"
        unknown = _UNKNOWN_TAG.match(what)
        if unknown:  # !!python/object/apply: … — safe loading never builds such values
            tag = unknown.group(1).replace("tag:yaml.org,2002:", "!!")
            what = f"the tag '{tag}' is not allowed (front matter holds plain values only)"
        raise FrontMatterError(Problem(source, f"front matter: {what}", line)) from exc
    except yaml.reader.ReaderError as exc:
        line = yaml_text.count("\n", 0, exc.position) + _FIRST_LINE
        code = exc.character if isinstance(exc.character, int) else ord(exc.character[:1])
        raise FrontMatterError(Problem(
            source, f"front matter: control character U+{code:04X} is not allowed", line),
        ) from exc
    except yaml.YAMLError as exc:
        raise FrontMatterError(Problem(source, f"front matter: {exc}", 1)) from exc
    except RecursionError as exc:
        raise FrontMatterError(Problem(source, "front matter: nested too deeply", 1)) from exc


def _scan(yaml_text: str, source: str) -> None:
    """Refuse anchors and aliases, and nesting deeper than MAX_DEPTH, before loading.

    An alias is only a reference when loaded, but anything that walks the data (our checks,
    a template showing ``article.extra``, ``json.dumps``) expands it: nine aliases of nine
    aliases … of a list ("billion laughs") become 10⁹ items. Front matter has no use for
    them, so they are an error rather than a limit to tune.
    """
    import yaml

    depth = 0
    for event in yaml.parse(yaml_text, Loader=_loader()):
        message = None
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            message = ("anchors and aliases (&name, *name) are not allowed in front matter "
                       "(put a value that starts with '&' or '*' in quotes)")
        elif isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                message = f"nested more than {MAX_DEPTH} levels deep"
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if message:
            line = event.start_mark.line + _FIRST_LINE if event.start_mark else 1
            raise FrontMatterError(Problem(source, f"front matter: {message}", line))


def _depth(value: object) -> int:
    """How many levels of lists and mappings ``value`` holds (0 for a plain value)."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple | set | frozenset):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, level + 1) for child in children)
    return deepest
