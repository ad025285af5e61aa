"""Articles: parse_article on inline text, load_articles on small sites."""

from __future__ import annotations

import dataclasses
import sys
import types
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsgen.config import SiteConfig
from newsgen.content import load_articles, parse_article, read_article
from newsgen.errors import ContentError
from newsgen.index import build_site, canonical_topics
from newsgen.models import Article
from newsgen.slugs import slugify
from tests.conftest import article, site_config

SOURCE = "articles/story.md"
CONFIG = SiteConfig(root=Path("/site"))


def parse(text: str, config: SiteConfig = CONFIG, source: str = SOURCE) -> Article:
    parsed, warnings = parse_article(text, source, config)
    assert warnings == [], [str(w) for w in warnings]
    return parsed


def errors_of(text: str, config: SiteConfig = CONFIG) -> ContentError:
    with pytest.raises(ContentError) as info:
        parse_article(text, SOURCE, config)
    return info.value


def only_problem(text: str, config: SiteConfig = CONFIG):
    error = errors_of(text, config)
    assert len(error.problems) == 1, str(error)
    return error.problems[0]


def fm(*lines: str, body: str = "Body text.") -> str:
    """An article file from raw front-matter lines (line 1 is '---', the first given is 2)."""
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


# --- the basics -----------------------------------------------------------------------------


def test_article_fields_come_from_front_matter_and_body() -> None:
    a = parse(article(title="Floods hit the delta", date="2024-01-30 09:15:00+07:00",
                      body="The *river* rose overnight.\n\nMore later."))

    assert a.title == "Floods hit the delta"
    assert a.slug == "floods-hit-the-delta"
    assert a.url == "/2024/01/floods-hit-the-delta/"
    assert "<em>river</em>" in a.body_html
    assert a.summary == "The river rose overnight."
    assert a.source_path == SOURCE
    assert a.draft is False


def test_title_whitespace_is_folded() -> None:
    a = parse(fm("title: '  Floods   hit\tthe delta '", "date: 2024-01-30"))

    assert a.title == "Floods hit the delta"


def test_crlf_and_bom_article_parses_like_a_plain_one() -> None:
    plain = article(title="Floods", body="One.\n\nTwo.")
    windows = "\ufeff" + plain.replace("\n", "\r\n")

    a, b = parse(plain), parse(windows)

    assert (b.title, b.date, b.url, b.summary, b.body_html) == (
        a.title, a.date, a.url, a.summary, a.body_html)


def test_a_rule_in_the_body_is_rendered_not_taken_as_front_matter() -> None:
    a = parse(article(body="Before the rule.\n\n---\n\nafter: the rule"))

    assert "<hr" in a.body_html
    assert "after: the rule" in a.body_html
    assert a.extra == {}


# --- dates ----------------------------------------------------------------------------------


def test_date_with_offset_is_stored_in_the_site_time_zone() -> None:
    config = dataclasses.replace(CONFIG, timezone="Asia/Ho_Chi_Minh")

    a = parse(article(date="2024-01-31 20:00:00+00:00"), config)

    assert a.date == datetime(2024, 1, 31, 20, 0, tzinfo=UTC)
    assert a.date.utcoffset() == timedelta(hours=7)
    # In Hanoi it is already February: the URL says so.
    assert a.url.startswith("/2024/02/")


def test_date_without_offset_is_read_in_the_site_time_zone() -> None:
    config = dataclasses.replace(CONFIG, timezone="Asia/Ho_Chi_Minh")

    a = parse(article(date="2024-01-31 23:30:00"), config)

    assert a.date == datetime(2024, 1, 31, 16, 30, tzinfo=UTC)
    assert (a.date.hour, a.date.minute) == (23, 30)
    assert a.url.startswith("/2024/01/")


def test_date_without_offset_defaults_to_utc() -> None:
    a = parse(article(date="2024-01-30 09:15:00"))

    assert a.date == datetime(2024, 1, 30, 9, 15, tzinfo=UTC)


def test_date_only_is_midnight_in_the_site_time_zone() -> None:
    config = dataclasses.replace(CONFIG, timezone="America/New_York")

    a = parse(article(date="2024-03-01"), config)

    assert a.date == datetime(2024, 3, 1, 5, 0, tzinfo=UTC)
    assert a.url.startswith("/2024/03/")


@pytest.mark.parametrize("value", [
    "2024-01-30T02:15:00Z",
    "2024-01-30T09:15:00+07:00",
    "2024-01-30 09:15:00 +07:00",
    "'2024-01-30 09:15:00+07:00'",
    "2024-01-30 02:15",
])
def test_accepted_date_spellings(value: str) -> None:
    a = parse(fm("title: x", f"date: {value}"))

    assert a.date == datetime(2024, 1, 30, 2, 15, tzinfo=UTC)


@pytest.mark.parametrize("value", ["2021-02-30", "yesterday", "2024-13-01", "30/01/2024"])
def test_impossible_or_unreadable_date_is_an_error_at_its_line(value: str) -> None:
    problem = only_problem(fm("title: x", "topics: [a]", f"date: {value}"))

    assert problem.path == SOURCE
    assert problem.line == 4
    assert "date" in problem.message
    assert value in problem.message


@pytest.mark.parametrize("value", ["20240130", "2024", "1.5", "[2024, 1, 30]", "true"])
def test_date_that_is_not_text_is_an_error_at_its_line(value: str) -> None:
    problem = only_problem(fm("title: x", f"date: {value}"))

    assert problem.line == 3
    assert "date" in problem.message


@pytest.mark.parametrize("line", ["date:", "date: ''", "date: '  '"])
def test_empty_date_is_an_error(line: str) -> None:
    problem = only_problem(fm("title: x", line))

    assert problem.line == 3
    assert "date" in problem.message


def test_missing_date_is_an_error_naming_the_file() -> None:
    problem = only_problem(fm("title: x"))

    assert problem.path == SOURCE
    assert "'date' is missing" in problem.message


def test_updated_is_parsed_and_checked_like_date() -> None:
    a = parse(fm("title: x", "date: 2024-01-30", "updated: 2024-02-01 10:00:00+00:00"))
    assert a.updated == datetime(2024, 2, 1, 10, 0, tzinfo=UTC)
    assert a.modified == a.updated

    problem = only_problem(fm("title: x", "date: 2024-01-30", "updated: soon"))
    assert problem.line == 4
    assert "updated" in problem.message


# --- title and slug -------------------------------------------------------------------------


def test_missing_title_is_an_error() -> None:
    problem = only_problem(fm("date: 2024-01-30"))

    assert problem.path == SOURCE
    assert "'title' is missing" in problem.message


@pytest.mark.parametrize("line", ["title:", "title: ''", "title: '   '", "title: ~"])
def test_empty_title_is_an_error_at_its_line(line: str) -> None:
    problem = only_problem(fm("date: 2024-01-30", line))

    assert problem.line == 3
    assert "'title' is empty" in problem.message


@pytest.mark.parametrize("line", ["title: [a, b]", "title:\n  - a\n  - b", "title: {a: b}",
                                  "title: 2024", "title: true"])
def test_title_that_is_not_text_is_an_error_at_its_line(line: str) -> None:
    problem = only_problem(fm("date: 2024-01-30", line))

    assert problem.line == 3
    assert "'title' must be text" in problem.message


def test_slug_defaults_to_the_slugified_title() -> None:
    a = parse(article(title="Việt Nam wins the cup!", date="2024-05-02"))

    assert a.slug == "viet-nam-wins-the-cup"
    assert a.url == "/2024/05/viet-nam-wins-the-cup/"


def test_explicit_slug_is_slugified_and_used_in_the_url() -> None:
    a = parse(article(title="Long headline", date="2024-05-02", slug="Short Name"))

    assert a.slug == "short-name"
    assert a.url == "/2024/05/short-name/"


def test_title_without_letters_is_an_error_at_the_title_line() -> None:
    problem = only_problem(fm("date: 2024-01-30", "title: '!!!'"))

    assert problem.line == 3
    assert "title" in problem.message
    assert "slug" in problem.message


def test_slug_without_letters_is_an_error_at_the_slug_line() -> None:
    problem = only_problem(fm("title: Fine", "date: 2024-01-30", "slug: '!!!'"))

    assert problem.line == 4
    assert "slug" in problem.message


def test_a_slug_rescues_a_title_without_letters() -> None:
    a = parse(fm("title: '!!!'", "date: 2024-01-30", "slug: exclamations"))

    assert a.title == "!!!"
    assert a.url == "/2024/01/exclamations/"


def test_permalink_shapes_the_url() -> None:
    news = dataclasses.replace(CONFIG, permalink="/news/{slug}/")
    daily = dataclasses.replace(CONFIG, permalink="/{year}/{month}/{day}/{slug}/")
    text = article(title="Floods", date="2024-01-05 10:00:00+00:00")

    assert parse(text, news).url == "/news/floods/"
    assert parse(text, daily).url == "/2024/01/05/floods/"


# --- source, links, people, images, drafts --------------------------------------------------


def test_source_defaults_to_the_site_source() -> None:
    config = dataclasses.replace(CONFIG, source="Delta Daily")

    assert parse(article(), config).source == "Delta Daily"
    assert parse(article(source="Wire"), config).source == "Wire"


@pytest.mark.parametrize("url", ["https://example.com/story", "http://example.com/a?b=c"])
def test_web_source_url_is_kept(url: str) -> None:
    assert parse(article(source_url=url)).source_url == url


@pytest.mark.parametrize("url", [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "  javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD4=",
    "vbscript:msgbox(1)",
    "https:///no-host",
    "//evil.example.com/x",
])
def test_dangerous_source_url_is_an_error_at_its_line(url: str) -> None:
    problem = only_problem(fm("title: x", "date: 2024-01-30", "source_url: " + repr(url)))

    assert problem.line == 4
    assert "source_url" in problem.message


def test_dangerous_image_url_is_an_error() -> None:
    problem = only_problem(fm("title: x", "date: 2024-01-30", "image: 'javascript:x()'"))

    assert problem.line == 4
    assert "image" in problem.message


def test_image_and_alt_text() -> None:
    a = parse(article(image="https://img.example.com/flood.jpg", image_alt="A flooded road"))

    assert a.image == "https://img.example.com/flood.jpg"
    assert a.image_alt == "A flooded road"


def test_author_as_string_or_list() -> None:
    assert parse(article(author="Lan Nguyen")).authors == ("Lan Nguyen",)
    assert parse(article(author=["Lan Nguyen", " Minh Tran "])).authors == (
        "Lan Nguyen", "Minh Tran")


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("false", False)])
def test_draft_flag(value: str, expected: bool) -> None:
    assert parse(fm("title: x", "date: 2024-01-30", f"draft: {value}")).draft is expected


def test_draft_that_is_not_true_or_false_is_an_error() -> None:
    problem = only_problem(fm("title: x", "date: 2024-01-30", "draft: 'maybe'"))

    assert problem.line == 4
    assert "draft" in problem.message


# --- topics ---------------------------------------------------------------------------------


def test_topics_as_a_list() -> None:
    a = parse(article(topics=["Economy", "Việt Nam"]))

    assert [(t.name, t.slug) for t in a.topics] == [("Economy", "economy"),
                                                   ("Việt Nam", "viet-nam")]


def test_topics_as_one_comma_separated_string_are_trimmed() -> None:
    a = parse(article(topics="  Economy ,Việt   Nam,, "))

    assert [(t.name, t.slug) for t in a.topics] == [("Economy", "economy"),
                                                   ("Việt Nam", "viet-nam")]


def test_topics_that_slugify_alike_are_one_topic_within_an_article() -> None:
    a = parse(article(topics=["Việt Nam", "Viet Nam", "viet nam", "Economy", "Economy"]))

    assert [t.slug for t in a.topics] == ["viet-nam", "economy"]
    assert a.topics[0].name == "Việt Nam"


def test_urls_do_not_change_where_unidecode_is_installed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # python-slugify prefers Unidecode, where installed, to its own text-unidecode, and
    # the two spell some letters differently: a site's URLs would change with whatever
    # else the machine has installed. A stand-in Unidecode that spells every letter "x".
    stand_in = types.ModuleType("unidecode")
    stand_in.unidecode = lambda text: "".join(c if c.isascii() else "x" for c in text)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "unidecode", stand_in)
    slugify.cache_clear()
    try:
        a = parse(article(title="Düsseldorf talks", topics=["Việt Nam"], author="Zoë Ng"))
    finally:
        slugify.cache_clear()

    assert a.url == "/2024/01/dusseldorf-talks/"
    assert [t.slug for t in a.topics] == ["viet-nam"]
    assert [b.slug for b in a.bylines] == ["zoe-ng"]


def test_topics_as_a_mapping_is_an_error_at_its_line() -> None:
    problem = only_problem(fm("title: x", "date: 2024-01-30", "topics:\n  economy: 1"))

    assert problem.line == 4
    assert "topics" in problem.message


def test_topic_without_letters_is_an_error() -> None:
    problem = only_problem(fm("title: x", "date: 2024-01-30", "topics: [Economy, '???']"))

    assert problem.line == 4
    assert "???" in problem.message


def test_topics_across_articles_that_slugify_alike_are_merged_with_a_warning() -> None:
    a = parse(article(title="One", topics=["Việt Nam"]), source="articles/one.md")
    b = parse(article(title="Two", topics=["Việt Nam"]), source="articles/two.md")
    c = parse(article(title="Three", topics=["Viet Nam"]), source="articles/three.md")

    merged, warnings = canonical_topics([a, b, c])

    assert {t.name for art in merged for t in art.topics} == {"Việt Nam"}
    assert len(warnings) == 1
    assert warnings[0].path == "articles/three.md"
    assert "Viet Nam" in warnings[0].message
    assert "Việt Nam" in warnings[0].message


# --- summary --------------------------------------------------------------------------------


def test_explicit_summary_wins() -> None:
    a = parse(article(summary="The short version.", body="The long version."))

    assert a.summary == "The short version."


def test_default_summary_is_the_plain_text_of_the_first_paragraph() -> None:
    body = ("## Heading\n\nThe **river** rose past the [old bridge](https://x.example/) "
            "&amp; the market.\n\nSecond paragraph.")

    a = parse(article(body=body))

    assert a.summary == "The river rose past the old bridge & the market."


def test_default_summary_is_cut_on_a_word_boundary() -> None:
    config = dataclasses.replace(CONFIG, summary_length=40)
    paragraph = ("Heavy rain flooded the lower districts of the city overnight "
                 "and closed several schools")

    summary = parse(article(body=paragraph + "\n\nMore."), config).summary

    assert len(summary) <= 40
    assert summary.endswith("…")
    kept = summary[:-1]
    assert kept
    assert paragraph.startswith(kept)
    assert paragraph[len(kept)] == " "


def test_short_first_paragraph_is_not_cut() -> None:
    config = dataclasses.replace(CONFIG, summary_length=40)

    assert parse(article(body="Rain stopped."), config).summary == "Rain stopped."


# --- unknown keys ---------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "hint"), [("topic", "topics"), ("tags", "topics"),
                                           ("tittle", "title"), ("athor", "author")])
def test_unknown_key_is_kept_and_warned_about_with_a_suggestion(key: str, hint: str) -> None:
    text = fm("title: x", "date: 2024-01-30", f"{key}: Something")

    a, warnings = parse_article(text, SOURCE, CONFIG)

    assert a.extra[key] == "Something"
    assert len(warnings) == 1
    assert warnings[0].path == SOURCE
    assert warnings[0].line == 4
    assert key in warnings[0].message
    assert f"did you mean '{hint}'" in warnings[0].message


def test_unknown_key_without_a_near_name_is_still_kept_and_warned() -> None:
    a, warnings = parse_article(fm("title: x", "date: 2024-01-30", "wordcount: 800"),
                                SOURCE, CONFIG)

    assert a.extra["wordcount"] == 800
    assert len(warnings) == 1
    assert "wordcount" in warnings[0].message
    assert "did you mean" not in warnings[0].message


@pytest.mark.parametrize(("lines", "typo", "missing"), [
    (("tittle: Floods", "date: 2024-01-30"), "tittle", "title"),
    (("Title: Floods", "date: 2024-01-30"), "Title", "title"),
    (("title: Floods", "Date: 2024-01-30"), "Date", "date"),
])
def test_misspelt_required_key_error_points_at_the_misspelling(
        lines: tuple[str, ...], typo: str, missing: str) -> None:
    # With `tittle:` instead of `title:` the article cannot be built. The error the user
    # sees must lead them to the misspelt key (the did-you-mean hint promised for unknown
    # keys), not only say that the required key is missing.
    error = errors_of(fm(*lines))

    assert f"'{missing}' is missing" in str(error)
    assert typo in str(error)


# --- errors reported together, and file-level errors ----------------------------------------


def test_every_problem_of_one_article_is_reported_together() -> None:
    error = errors_of(fm("date: yesterday", "source_url: 'javascript:x()'", "topics: {a: 1}"))

    text = str(error)
    assert len(error.problems) == 4
    assert "'title' is missing" in text
    assert f"{SOURCE}:2:" in text
    assert f"{SOURCE}:3:" in text
    assert f"{SOURCE}:4:" in text


def test_nul_byte_is_an_error_at_its_line() -> None:
    problem = only_problem("---\ntitle: x\ndate: 2024-01-30\n---\nBody\x00text\n")

    assert problem.path == SOURCE
    assert problem.line == 5
    assert "NUL" in problem.message


@pytest.mark.parametrize(("text", "line"), [
    ("", 1), ("Just a story.\n", 1), ("---\ntitle: x\n", 1),
    ("---\n- a\n---\n", 2), ("---\ntitle: x\ndate: a: b\n---\n", 3),
])
def test_front_matter_problems_become_content_errors(text: str, line: int) -> None:
    problem = only_problem(text)

    assert problem.path == SOURCE
    assert problem.line == line


def test_non_utf8_file_is_an_error_naming_file_and_line(make_site) -> None:
    root = make_site({"articles/latin1.md": article(title="Café").encode("utf-8")
                      .replace("Café".encode(), "Café".encode("latin-1"))})
    config = site_config(root)

    parsed = read_article(root / "articles" / "latin1.md", config)

    assert parsed.article is None
    (problem,) = parsed.errors
    assert problem.path == "articles/latin1.md"
    assert problem.line == 2
    assert "UTF-8" in problem.message


def test_bom_file_on_disk_is_read(make_site) -> None:
    root = make_site({"articles/bom.md": b"\xef\xbb\xbf" + article(title="Bom").encode()})

    a = read_article(root / "articles" / "bom.md", site_config(root)).article

    assert a is not None and a.title == "Bom"


def test_load_articles_reports_all_broken_files_together(make_site) -> None:
    root = make_site({
        "articles/good.md": article(title="Good"),
        "articles/bad-date.md": article(title="Bad", date="2021-02-30"),
        "articles/world/no-title.md": "---\ndate: 2024-01-30\n---\nBody\n",
        "articles/binary.md": b"---\ntitle: x\x00\n---\n",
    })

    with pytest.raises(ContentError) as info:
        load_articles(site_config(root))

    text = str(info.value)
    assert "articles/bad-date.md:3:" in text
    assert "articles/world/no-title.md" in text
    assert "articles/binary.md:2:" in text
    assert "good.md" not in text
    assert text.startswith("3 content errors")


def test_load_articles_returns_articles_and_warnings(make_site) -> None:
    root = make_site({
        "articles/a.md": article(title="A", tags="x"),
        "articles/sub/b.md": article(title="B"),
        "articles/notes.txt": "not an article",
    })

    articles, warnings, _ = load_articles(site_config(root))

    assert sorted(a.title for a in articles) == ["A", "B"]
    assert [(w.path, w.line) for w in warnings] == [("articles/a.md", 4)]
    assert "did you mean 'topics'" in warnings[0].message


def test_missing_articles_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ContentError) as info:
        load_articles(site_config(tmp_path))

    assert "articles" in str(info.value)


def test_two_articles_with_the_same_url_are_an_error_naming_both(make_site) -> None:
    root = make_site({
        "articles/first.md": article(title="Floods", date="2024-01-02"),
        "articles/second.md": article(title="Other", slug="floods", date="2024-01-20"),
        "articles/third.md": article(title="Floods", date="2024-02-02"),
    })
    config = site_config(root)
    articles, _, _ = load_articles(config)

    with pytest.raises(ContentError) as info:
        build_site(articles, config)

    text = str(info.value)
    assert "articles/first.md" in text
    assert "articles/second.md" in text
    assert "/2024/01/floods/" in text
    assert "third.md" not in text
