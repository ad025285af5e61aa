"""The errors newsgen reports to its users.

Each exception owns its message: the CLI prints ``str(exc)`` and exits with code 1.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


class NewsgenError(Exception):
    """Base class: a problem the user can fix, reported without a traceback."""


@dataclass(frozen=True)
class Problem:
    """One problem in one file, optionally at one line (1-based)."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class ConfigError(NewsgenError):
    """Every problem found in the site configuration, reported together."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(_listing("configuration error", self.problems))

    def __reduce__(self) -> tuple[type, tuple[tuple[Problem, ...]]]:
        return (type(self), (self.problems,))


class ContentError(NewsgenError):
    """Every problem found in the articles, reported together."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(_listing("content error", self.problems))

    def __reduce__(self) -> tuple[type, tuple[tuple[Problem, ...]]]:
        return (type(self), (self.problems,))


class TemplateError(NewsgenError):
    """A template failed to load or render; names the template and line."""

    def __init__(self, template: str, line: int | None, message: str, page: str = "") -> None:
        self.template = template
        self.line = line
        self.message = message
        self.page = page
        where = f"{template}:{line}" if line else template
        rendering = f" (while rendering {page})" if page else ""
        super().__init__(f"template error: {where}: {message}{rendering}")

    def __reduce__(self) -> tuple[type, tuple[str, int | None, str, str]]:
        # Rebuilt from its parts when it crosses from a worker process.
        return (type(self), (self.template, self.line, self.message, self.page))


class OutputError(NewsgenError):
    """The output folder cannot be written safely."""


def _listing(kind: str, problems: tuple[Problem, ...]) -> str:
    count = len(problems)
    head = f"{count} {kind}{'s' if count != 1 else ''}:"
    return "\n".join([head, *(f"  {p}" for p in problems)])


def display_path(path: Path, root: Path) -> str:
    """A path as the user should see it: relative to the site root when it is inside.

    Every article's is made once a build: a path's text that starts with the root's and a
    separator is cut (~1 µs); ``relative_to`` (~15 µs) decides the rest."""
    text, top = str(path), str(root)
    if os.sep == "/" and text.startswith(top) and text[len(top) : len(top) + 1] == "/":
        return text[len(top) + 1 :]
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return text
