"""Split a Markdown file into its YAML front matter and its body."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from newsgen.errors import Problem

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _FrontMatterLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe YAML without implicit timestamps: dates stay strings, so we parse them
    ourselves and can report an impossible date with its line instead of a crash."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}

_FENCE = re.compile(r"^---[ \t]*$")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$")
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
    """Drop a UTF-8 byte-order mark and turn CRLF/CR line endings into LF."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def split_front_matter(text: str, source: str) -> FrontMatter:
    """Parse ``---``-fenced YAML at the top of ``text``; ``source`` names the file in errors.

    Only the first two fences count: a ``---`` later in the body (a Markdown rule) stays there.
    """
    text = normalise_text(text)
    if not text.strip():
        raise FrontMatterError(
            Problem(source, "file is empty (expected front matter with a title and date)", 1)
        )
    lines = text.split("\n")
    if not _FENCE.match(lines[0]):
        raise FrontMatterError(
            Problem(source, "no front matter: the file must start with a '---' line", 1)
        )
    close = next((i for i in range(1, len(lines)) if _CLOSE.match(lines[i])), None)
    if close is None:
        raise FrontMatterError(
            Problem(source, "front matter is not closed: add a '---' line after it", 1)
        )
    yaml_text = "\n".join(lines[1:close])
    try:
        data = yaml.load(yaml_text, Loader=_FrontMatterLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark and mark and mark.line >= close - 1:
            # The problem surfaced at the end of the block (an unclosed bracket or quote):
            # where the construct opened is more useful to the editor.
            mark = exc.context_mark
        line = mark.line + 2 if mark else 1
        what = exc.problem or exc.context or "invalid YAML"
        raise FrontMatterError(Problem(source, f"front matter: {what}", line)) from exc
    except yaml.YAMLError as exc:
        raise FrontMatterError(Problem(source, f"front matter: {exc}", 1)) from exc
    except RecursionError as exc:
        raise FrontMatterError(Problem(source, "front matter: nested too deeply", 1)) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        raise FrontMatterError(
            Problem(source, f"front matter must be a mapping of keys to values, not {kind}", 2)
        )
    key_lines: dict[str, int] = {}
    for number, yaml_line in enumerate(lines[1:close], start=2):
        match = _KEY_LINE.match(yaml_line)
        if match:
            key_lines.setdefault(match.group(1).strip("'\""), number)
    body = "\n".join(lines[close + 1 :])
    return FrontMatter({str(k): v for k, v in data.items()}, body, close + 2, key_lines)
