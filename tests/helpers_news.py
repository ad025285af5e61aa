"""A small newsroom site for the news-output tests: bylines, sources, corrections, an
embargo, a scheduled story and stories inside and outside the news sitemap's 48 hours.

The build time is conftest.BUILD_TIME, 2025-01-01 00:00 UTC (07:00 in Hồ Chí Minh City).
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from conftest import article, write_files
from helpers_site import Built, build_at

CONFIG = """\
title: Delta Daily
description: News from the Mekong delta.
base_url: https://news.example.com/
timezone: Asia/Ho_Chi_Minh
language: vi
per_page: 2
logo: /static/logo.png
authors:
  Lan Nguyen:
    bio: Covers parliament & the budget <since 2019>.
    url: https://example.org/lan
  minh-tran:
    name: Minh Trần
"""

BUDGET_BODY = """\
Parliament passed the budget late on Tuesday.

## The vote

It was close.

### Who voted how

A table would go here.

## What comes next

Implementation.
"""

EMBARGOED_TITLE = "Secret merger talks collapse"
EMBARGOED_SLUG = "secret-merger-talks-collapse"
EMBARGO = "2025-01-02 09:00:00+07:00"
SCHEDULED = "2025-01-01 18:00:00+07:00"

FILES = {
    "newsgen.yaml": CONFIG,
    "articles/budget.md": article(
        "Budget vote passes", date="2024-12-31 19:00:00+07:00", body=BUDGET_BODY,
        author=["Lan Nguyen", "Minh Tran"], source="NDO",
        source_url="https://example.org/ndo/budget", topics=["Economy", "Parliament"],
        image="/static/img/vote.jpg", image_alt="Deputies voting", toc=True,
        summary="The 2025 budget passed by a narrow margin.",
    ).replace("---\nParliament", "corrections:\n"
              "  - date: 2025-01-01 06:30:00+07:00\n"
              "    text: The margin was 12 votes, not 21.\n"
              "  - date: 2024-12-31 22:00:00+07:00\n"
              "    text: An earlier version misspelt the finance minister's name.\n"
              "---\nParliament"),
    "articles/floods.md": article(
        "Floods hit the delta", date="2024-12-30 10:00:00+07:00", author="Lan Nguyen",
        source="VNA", topics=["Weather"], updated="2024-12-30 15:00:00+07:00"),
    "articles/rice.md": article(
        "Rice harvest up", date="2024-11-05 08:00:00+07:00", author="Minh Tran",
        source="NDO", topics=["Economy"]),
    "articles/old.md": article("A quiet year for the port", date="2023-06-01",
                               topics=["Economy"]),
    "articles/week.md": article("Ferry timetable changes", date="2024-12-28 09:00:00+07:00",
                                source="VNA", topics=["Transport"]),
    "articles/embargoed.md": article(
        EMBARGOED_TITLE, date="2024-12-20 10:00:00+07:00", embargo=EMBARGO,
        author="Lan Nguyen", source="NDO", topics=["Economy", "Business"],
        summary="Talks between the two banks ended without agreement."),
    "articles/scheduled.md": article(
        "New bridge opens", date=SCHEDULED, author="Minh Tran", source="VNA",
        topics=["Transport"]),
}

BUDGET_URL = "/2024/12/budget-vote-passes/"
FLOODS_URL = "/2024/12/floods-hit-the-delta/"


def build_newsroom(base: Path, files: dict[str, str] | None = None,
                   **overrides: object) -> Built:
    root = write_files(base / "site", {**FILES, **(files or {})})
    (root / "static" / "img").mkdir(parents=True, exist_ok=True)
    (root / "static" / "img" / "vote.jpg").write_bytes(b"\xff\xd8\xff\xd9")
    (root / "static" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return build_at(root, base / "out", **overrides)


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[dict[str, str | None], str]] = []
        self._open: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self._open, self._text = dict(attrs), []

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._open is not None:
            self.blocks.append((self._open, "".join(self._text)))
            self._open = None


def script_blocks(html_text: str) -> list[tuple[dict[str, str | None], str]]:
    """Every <script> element as the HTML parser sees it: attributes and raw text."""
    parser = _Scripts()
    parser.feed(html_text)
    parser.close()
    return parser.blocks


def json_ld(html_text: str) -> list[Any]:
    return [json.loads(text) for attrs, text in script_blocks(html_text)
            if attrs.get("type") == "application/ld+json"]


def files_mentioning(out: Path, *needles: str) -> list[str]:
    """Output files (any kind, hidden ones too) whose bytes hold any of ``needles``."""
    found = []
    for path in sorted(out.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if any(n.encode() in data for n in needles):
                found.append(path.relative_to(out).as_posix())
    return found
