"""Raw HTML in article bodies: ``body_html: allow | escape | sanitize``."""

from __future__ import annotations

import sys

import pytest
from test_escaping import FORBIDDEN, problems_in
from test_links import Site

from newsgen.cli import main
from newsgen.rawhtml import body_to_html

from conftest import article, write_files
from helpers_site import Built, build_at

ENGINES = ["markdown", "commonmark"]
BODY = """Lead with <b>bold</b> and <script>alert("inline")</script> text.

<script>alert("block")</script>

<iframe src="https://evil.example/"></iframe>

A [bad link](javascript:alert(1)), [data](data:text/html,x), <https://example.org/ok>,
[site link](/topics/) and `<code>` in a span.

```
<kept as="code">
```

<div onclick="alert(2)" style="position:fixed">Raw block</div>

Footnote[^1].

[^1]: The note.
"""
URL = "/2024/01/a-story/"
UNSAFE = FORBIDDEN - {"b"}


def build_with(tmp_path, policy: str, engine: str) -> Built:
    root = tmp_path / "site"
    write_files(root, {"newsgen.yaml": f"body_html: {policy}\nmarkdown_engine: {engine}\n",
                       "articles/a.md": article("A story", body=BODY)})
    return build_at(root, tmp_path / "out")


def body_of(built: Built):
    return built.html(URL).find("div", cls="story-body")


@pytest.mark.parametrize("engine", ENGINES)
def test_allow_publishes_raw_html_as_written(tmp_path, engine: str) -> None:
    body = body_of(build_with(tmp_path, "allow", engine))

    assert body.find("b").text() == "bold"
    assert body.find("div").get("onclick") == "alert(2)"
    if engine == "markdown":
        assert [s.raw_text() for s in body.find_all("script")] == ['alert("inline")',
                                                                   'alert("block")']
        assert body.find("iframe").get("src") == "https://evil.example/"
    else:  # GitHub's tag filter, part of GFM, disarms <script>, <iframe> … even here
        assert body.find_all("script") == body.find_all("iframe") == []


@pytest.mark.parametrize("engine", ENGINES)
def test_escape_shows_raw_html_as_text(tmp_path, engine: str) -> None:
    built = build_with(tmp_path, "escape", engine)
    body = body_of(built)
    text = body.text()

    assert 'Lead with <b>bold</b> and <script>alert("inline")</script> text.' in text
    assert '<script>alert("block")</script>' in text
    assert '<div onclick="alert(2)" style="position:fixed">Raw block</div>' in text
    assert problems_in(body, "body", UNSAFE) == []
    assert body.find_all("iframe") == []
    assert body.find("pre").text() == '<kept as="code">'
    assert body.find("code").text() == "<code>"
    links = {a.text(): a.get("href") for a in body.find_all("a")}
    assert links["https://example.org/ok"] == "https://example.org/ok"
    assert links["site link"] == "/topics/"
    assert links["bad link"] == ""
    assert links["data"] == ""
    assert Site(built).broken() == []  # footnote links still resolve
    # The default summary is the first paragraph's text, markup shown as typed.
    assert built.html("/").find("p", cls="lead-summary").text().startswith("Lead with <b>bold")


@pytest.mark.parametrize("engine", ENGINES)
def test_sanitize_keeps_safe_html_and_drops_the_rest(tmp_path, engine: str) -> None:
    built = build_with(tmp_path, "sanitize", engine)
    body = body_of(built)

    assert body.find("b").text() == "bold"
    assert problems_in(body, "body", UNSAFE) == []
    assert body.find_all("iframe") == []
    if engine == "markdown":  # (GFM's tag filter has already turned <script> into text)
        assert "alert" not in body.text()
    assert body.find("pre").text() == '<kept as="code">'
    links = {a.text(): a.get("href") for a in body.find_all("a")}
    assert links["bad link"] is None
    assert links["site link"] == "/topics/"
    assert all("style" not in e.attrs for e in body.iter())
    assert Site(built).broken() == []


def test_sanitize_keeps_heading_ids_and_table_alignment() -> None:
    converted = body_to_html("# Results\n\n| a | b |\n|:-:|--:|\n| 1 | 2 |\n",
                             "markdown", "sanitize")

    assert '<h2 id="results">' in converted
    assert '<td style="text-align: center;">1</td>' in converted


def test_escape_drops_attribute_lists_that_add_event_handlers() -> None:
    converted = body_to_html('# Hi {: onclick="alert(1)" #hi }\n\nText\n{: style="x" }\n',
                             "markdown", "escape")

    assert converted.startswith('<h2 id="hi">Hi</h2>')
    assert "onclick" not in converted
    assert "style" not in converted


@pytest.mark.parametrize("engine", ENGINES)
def test_escape_leaves_bodies_without_raw_html_unchanged(engine: str) -> None:
    plain = ("# Title\n\nSome *text* with `a < b` & [a link](https://x.org/?a=1&b=2).\n\n"
             "```\nif a < b: pass\n```\n\n- one\n- two\n\n> quote\n")

    assert body_to_html(plain, engine, "escape") == body_to_html(plain, engine, "allow")


def test_sanitize_without_nh3_is_a_config_error_saying_what_to_install(
        make_site, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "nh3", None)  # import nh3 now raises ImportError
    root = make_site({"newsgen.yaml": "body_html: sanitize\n", "articles/a.md": article()})

    assert main(["build", "--site", str(root)]) == 1

    err = capsys.readouterr().err
    assert "'body_html': 'sanitize' needs the nh3 package" in err
    assert "pip install 'newsgen[sanitize]'" in err
