"""What each Markdown engine does with the constructs newsrooms use (README documents it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsgen import markup
from newsgen.cli import main
from newsgen.config import load_config
from newsgen.errors import ConfigError
from newsgen.markup import first_paragraph_text, markdown_to_html, truncate_words, word_count
from newsgen.models import encode_body

from conftest import article, site_config

SAMPLE = """\
# Top heading

Intro with *emphasis*, **strong** and a [link](https://example.org/).

| Country | Votes |
|---------|------:|
| Laos    | 12    |

A claim.[^1]

[^1]: The footnote.

<aside class="note">raw <b>HTML</b></aside>

~~struck~~

- one
- two
"""

ENGINES = ["markdown", "commonmark"]


@pytest.mark.parametrize("engine", ENGINES)
def test_headings_start_at_h2_because_the_headline_is_the_h1(engine: str) -> None:
    html = markdown_to_html(SAMPLE, engine)
    assert "<h1" not in html
    assert "Top heading</h2>" in html


@pytest.mark.parametrize("engine", ENGINES)
def test_tables_footnotes_and_raw_html(engine: str) -> None:
    html = markdown_to_html(SAMPLE, engine)
    assert "<table>" in html and "<th" in html and "Laos" in html
    assert "The footnote." in html and "<sup" in html
    assert '<aside class="note">raw <b>HTML</b></aside>' in html
    assert "<em>emphasis</em>" in html and "<strong>strong</strong>" in html
    assert '<a href="https://example.org/">link</a>' in html
    assert "<li>one</li>" in html


def test_engines_differ_on_strikethrough_and_heading_ids() -> None:
    # GFM strikethrough is CommonMark-engine only; Python-Markdown's toc adds heading ids.
    assert "<del>struck</del>" in markdown_to_html(SAMPLE, "commonmark")
    assert "~~struck~~" in markdown_to_html(SAMPLE, "markdown")
    assert '<h2 id="top-heading">' in markdown_to_html(SAMPLE, "markdown")


def test_converter_state_does_not_leak_between_articles() -> None:
    first = markdown_to_html("Text.[^a]\n\n[^a]: Note A.")
    second = markdown_to_html("Plain text.")
    assert "Note A" in first and "Note A" not in second


def test_summary_helpers() -> None:
    assert first_paragraph_text("<p><img src=x alt=''></p><p>Real <b>lead</b> &amp; more</p>") \
        == "Real lead & more"
    cut = truncate_words("word " * 100, 50)
    assert len(cut) <= 50 and cut.endswith("…") and not cut.endswith(" …")


def test_commonmark_engine_builds_a_site(make_site, tmp_path: Path) -> None:
    root = make_site({"articles/a.md": article("Struck", body="~~old~~ new"),
                      "newsgen.yaml": "markdown_engine: commonmark\n"})
    from newsgen.build import build

    build(site_config(root, output_dir=tmp_path / "out"), jobs=1)
    page = next((tmp_path / "out").rglob("struck/index.html")).read_text()
    assert "<del>old</del>" in page


def test_missing_engine_is_a_clear_config_error(make_site, monkeypatch, capsys) -> None:
    monkeypatch.setattr(markup, "commonmark_available", lambda: False)
    root = make_site({"articles/a.md": article(),
                      "newsgen.yaml": "markdown_engine: commonmark\n"})
    with pytest.raises(ConfigError, match=r"newsgen\[commonmark\]"):
        load_config(root)
    assert main(["build", "--site", str(root), "--markdown-engine", "commonmark"]) == 1
    assert "cmarkgfm" in capsys.readouterr().err


def test_unknown_engine_is_rejected(make_site) -> None:
    root = make_site({"articles/a.md": article(), "newsgen.yaml": "markdown_engine: pandoc\n"})
    with pytest.raises(ConfigError, match="markdown_engine"):
        load_config(root)


def _words(fragment: str) -> int:
    """Words as a reader would count them: text between tags and ASCII white space."""
    text = re.sub(r"<[^>]+>", " ", fragment)
    return len([word for word in re.split(r"[ \t\n\r\f\v]+", text) if word])


# Text of words, tags, white space, stray angle brackets, no-break and other non-ASCII
# spaces, characters beyond Latin-1 (whose UTF-8 has bytes in common with those spaces:
# a curly quote is E2 80 99, a thin space E2 80 89) and a lone surrogate.
_PIECES = st.sampled_from(["word", "é", "\u2019", "\u2014", "<p>", "</a>", "<a href=x>", "<",
                           ">", "<>", " ", "\t", "\n", "\r\n", "\x0b", "\x0c", "\x1c", "\x85",
                           "\u00a0", "\u2009", "\u2028", "\u3000", "\u20ac", "\ud800"])


@given(st.lists(_PIECES, max_size=40).map("".join))
def test_word_count_counts_text_between_tags_and_spaces(fragment: str) -> None:
    assert word_count(encode_body(fragment)) == _words(fragment)


def test_a_no_break_space_joins_words_as_on_the_page() -> None:
    fragment = "<p>It rained 10\u00a0mm in <a href='/x'>Hanoi,</a>\tsaid\nthe agency.</p>"
    assert word_count(encode_body(fragment)) == 8
