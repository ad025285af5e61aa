"""Print the result of ``newsgen check`` as text, JSON or GitHub workflow annotations."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from newsgen.check import CheckResult
from newsgen.errors import Problem

FORMATS = ("text", "json", "github")


def ordered(result: CheckResult) -> list[tuple[str, Problem]]:
    """(severity, problem) pairs by file, line, then errors before warnings."""
    pairs = [("error", p) for p in result.errors] + [("warning", p) for p in result.warnings]
    return sorted(pairs, key=lambda sp: (sp[1].path, sp[1].line or 0, sp[0] != "error"))


def summary(result: CheckResult) -> str:
    errors, warnings = len(result.errors), len(result.warnings)
    found = (f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
             if errors or warnings else "no problems")
    return f"{found} in {result.articles} article{'s' * (result.articles != 1)}"


def format_text(result: CheckResult) -> Iterator[str]:
    for severity, problem in ordered(result):
        where = f"{problem.path}:{problem.line}" if problem.line else problem.path
        yield f"{where}: {severity}: {problem.message}"
    yield summary(result)


def format_json(result: CheckResult, strict: bool = False) -> Iterator[str]:
    document = {
        "ok": not result.failed(strict),
        "articles": result.articles,
        "errors": len(result.errors),
        "warnings": len(result.warnings),
        "problems": [{"severity": severity, "file": p.path, "line": p.line,
                      "message": p.message} for severity, p in ordered(result)],
    }
    yield json.dumps(document, ensure_ascii=False, indent=2)


def format_github(result: CheckResult, locate: Callable[[str], str] = str) -> Iterator[str]:
    """``::error file=…,line=…::message`` lines, which GitHub Actions shows on the diff.

    ``locate`` turns a site path into a path from the repository root (the current folder).
    """
    for severity, problem in ordered(result):
        properties = f"file={_property(locate(problem.path))}"
        if problem.line:
            properties += f",line={problem.line}"
        yield f"::{severity} {properties}::{_data(problem.message)}"
    yield f"newsgen check: {summary(result)}"


def _data(text: str) -> str:
    # The escaping of GitHub's workflow commands (actions/toolkit, command.ts).
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
