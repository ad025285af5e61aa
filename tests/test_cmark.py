"""The CommonMark engine's binding: cmarkgfm's HTML, without its memory leak."""

from __future__ import annotations

from pathlib import Path

import pytest

cmarkgfm = pytest.importorskip("cmarkgfm")

from cmarkgfm.cmark import Options  # noqa: E402

from newsgen.cmark import gfm_converter  # noqa: E402

OPTIONS = int(Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_FOOTNOTES)

SAMPLES = [
    "# Title\n\nA *paragraph* with **bold**, `code` and a [link](https://example.org/).\n",
    "| a | b |\n|---|:-:|\n| 1 | 2 |\n",
    "Text with a note.[^1]\n\n[^1]: The note.\n",
    "~~struck~~ and www.example.org and <https://example.org> and x@example.org\n",
    "- [ ] to do\n- [x] done\n",
    "<div class=\"box\">raw <em>HTML</em></div>\n\n<script>alert(1)</script>\n<xmp>x</xmp>\n",
    "```python\nprint('hi')\n```\n",
    "",
    "Emoji 🎉, accents Việt Nam, and a line\\\nbreak.\n",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_the_engine_renders_what_cmarkgfm_renders(text: str) -> None:
    expected = cmarkgfm.github_flavored_markdown_to_html(text, options=OPTIONS)
    assert gfm_converter(OPTIONS)(text) == expected


def _resident_kb() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc")
def test_converting_many_articles_does_not_grow_memory() -> None:
    """cmarkgfm's own function keeps every document tree and HTML string it makes
    (~40 KB for this article): 3,000 articles would add ~120 MB."""
    text = "\n\n".join(f"Paragraph {n} with [a link](https://example.org/{n}) and "
                       f"*emphasis*, long enough to be a real article's paragraph."
                       for n in range(40))
    convert = gfm_converter(OPTIONS)
    convert(text)
    before = _resident_kb()
    for _ in range(3000):
        convert(text)
    assert _resident_kb() - before < 20_000


def test_without_cmarks_own_functions_the_librarys_is_used(monkeypatch) -> None:
    def unreachable(*args: object, **kwargs: object) -> None:
        raise OSError("cannot load")

    monkeypatch.setattr("newsgen.cmark.ctypes.CDLL", unreachable)
    text = SAMPLES[1] + SAMPLES[2]
    assert gfm_converter(OPTIONS)(text) == cmarkgfm.github_flavored_markdown_to_html(
        text, options=OPTIONS)
