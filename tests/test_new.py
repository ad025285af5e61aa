"""`newsgen new`: a new article file whose front matter reads back as typed."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slugify import slugify

from newsgen.cli import main
from newsgen.config import SiteConfig, load_config
from newsgen.content import parse_article
from newsgen.newarticle import article_text, split_topics

CONFIG = "title: Delta Daily\ntimezone: Asia/Ho_Chi_Minh\nbase_url: https://example.org/\n"
# 2024-12-31 20:30 UTC is already 2025 in Hồ Chí Minh City.
NOW = datetime(2024, 12, 31, 20, 30, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(NOW.timestamp())))


@pytest.fixture
def site(make_site) -> Path:
    return make_site({"newsgen.yaml": CONFIG})


def new(site: Path, *args: str) -> int:
    return main(["new", *args, "--site", str(site)])


def test_new_writes_the_article_and_prints_its_path(site: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(site)

    assert new(site, 'Floods: "worst in decades" in Cần Thơ', "--topics", "Weather, Việt Nam",
               "--source", "VNA", "--author", "Minh Anh") == 0

    out = capsys.readouterr().out
    assert out == "articles/2025/floods-worst-in-decades-in-can-tho.md\n"
    text = (site / out.strip()).read_text(encoding="utf-8")
    config = load_config(site)
    parsed, warnings = parse_article(text, out.strip(), config)
    assert warnings == []
    assert parsed.title == 'Floods: "worst in decades" in Cần Thơ'
    assert parsed.date.isoformat() == "2025-01-01T03:30:05+07:00"
    assert "date: 2025-01-01 03:30:05+07:00\n" in text
    assert [t.name for t in parsed.topics] == ["Weather", "Việt Nam"]
    assert (parsed.source, parsed.authors, parsed.draft) == ("VNA", ("Minh Anh",), True)
    for key in ("summary", "source_url", "image", "image_alt"):
        assert f"\n{key}:\n" in text, key
    assert parsed.summary.startswith("Write the story here.")


def test_new_refuses_to_overwrite(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert new(site, "Budget passes") == 0
    path = site / "articles" / "2025" / "budget-passes.md"
    path.write_text("edited by a person\n", encoding="utf-8")
    capsys.readouterr()

    assert new(site, "Budget passes!") == 1
    assert "articles/2025/budget-passes.md already exists" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == "edited by a person\n"


@pytest.mark.parametrize("title", ["", "   ", "!!! ???"])
def test_a_title_without_letters_is_refused(site: Path, title: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert new(site, title) == 1
    assert "error: the title" in capsys.readouterr().err
    assert not any((site / "articles").iterdir())


def test_a_new_article_is_a_draft_until_the_editor_publishes_it(
        site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert new(site, "Draft story") == 0
    assert new(site, "Ready story", "--no-draft", "--source", "VNA") == 0
    assert main(["build", "--site", str(site)]) == 0

    assert "Built 1 article (1 draft held back)" in capsys.readouterr().out
    assert (site / "public" / "2025" / "01" / "ready-story" / "index.html").is_file()


def test_a_new_article_passes_check_but_for_its_missing_summary(
        site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert new(site, "Rates held", "--source", "VNA", "--topics", "Economy") == 0
    capsys.readouterr()

    assert main(["check", "--site", str(site)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and "no 'summary'" in out[0], out


def test_missing_site_folder_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["new", "X", "--site", str(tmp_path / "nowhere")]) == 2


def test_split_topics() -> None:
    assert split_topics(" Economy,  Việt   Nam ,,Economy, ") == ["Economy", "Việt Nam"]
    assert split_topics(None) == []


TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
               min_size=1, max_size=60)
NAME = TEXT.filter(lambda t: "," not in t and bool(slugify(t)))


@given(title=NAME, topics=st.lists(NAME, max_size=3, unique_by=slugify), source=TEXT,
       author=TEXT.filter(lambda t: bool(slugify(t)) or not t.split()))
def test_any_front_matter_round_trips(title: str, topics: list[str], source: str,
                                      author: str) -> None:
    """Quotes, colons, #, leading dashes, YAML keywords, numbers: all read back as typed."""
    config = SiteConfig(root=Path("/site"), source="Default")
    date = datetime(2024, 5, 3, 14, 7, tzinfo=config.tz)
    text = article_text(title, date, topics=topics, source=source, authors=[author],
                        draft=False)

    def typed(value: str) -> str:
        """As the article reads it back: accents composed (NFC, as every file is read),
        runs of white space made one."""
        return " ".join(unicodedata.normalize("NFC", value).split())

    parsed, _ = parse_article(text, "articles/x.md", config)
    assert parsed.title == typed(title)
    assert parsed.date == date
    assert [t.name for t in parsed.topics] == [typed(t) for t in topics]
    assert parsed.source == (typed(source) or "Default")
    assert parsed.authors == ((typed(author),) if author.split() else ())
    assert not parsed.draft


def test_front_matter_round_trips_composed() -> None:
    """The example hypothesis found: a CJK compatibility ideograph composes (NFC) to its
    unified form; combining accents compose too."""
    config = SiteConfig(root=Path("/site"), source="Default")
    date = datetime(2024, 5, 3, 14, 7, tzinfo=config.tz)
    text = article_text("\uf900 Cafe\u0301", date, topics=["Cafe\u0301"], source="\uf900",
                        authors=["\uf900"], draft=False)

    parsed, _ = parse_article(text, "articles/x.md", config)

    assert parsed.title == "\u8c48 Caf\u00e9"
    assert [t.name for t in parsed.topics] == ["Caf\u00e9"]
    assert (parsed.source, parsed.authors) == ("\u8c48", ("\u8c48",))


def test_front_matter_escapes_compose_too() -> None:
    """Another example hypothesis found: a control character makes YAML write the value
    quoted with escapes, which the file's composition does not reach."""
    config = SiteConfig(root=Path("/site"), source="Default")
    date = datetime(2024, 5, 3, 14, 7, tzinfo=config.tz)
    text = article_text("0", date, topics=["\x1f\U0002f800"], source="\x1f\U0002f800",
                        authors=["\x1f\U0002f800"], draft=False)
    assert "\\U0002F800" in text.upper()

    parsed, _ = parse_article(text, "articles/x.md", config)

    # (\x1f is white space to Python: names lose it at the edges.)
    assert [t.name for t in parsed.topics] == ["\u4e3d"]
    assert (parsed.source, parsed.authors) == ("\u4e3d", ("\u4e3d",))


def test_new_refuses_an_author_with_no_letters(tmp_path: Path, capsys) -> None:
    assert main(["init", str(tmp_path / "site")]) == 0
    assert main(["new", "Fine title", "--author", ":", "--site", str(tmp_path / "site")]) == 1
    assert "not written" in capsys.readouterr().err
    assert not list((tmp_path / "site" / "articles").rglob("fine-title.md"))
