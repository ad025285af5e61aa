"""split_front_matter: the YAML block at the top of an article file, and its errors."""

from __future__ import annotations

import pytest

from newsgen.frontmatter import MAX_DEPTH, FrontMatterError, split_front_matter

SOURCE = "articles/story.md"


def problem_of(text: str):
    with pytest.raises(FrontMatterError) as info:
        split_front_matter(text, SOURCE)
    return info.value.problem


def test_reads_yaml_between_fences_and_keeps_the_body() -> None:
    fm = split_front_matter("---\ntitle: Floods\ndate: 2024-01-30\n---\nThe river rose.\n",
                            SOURCE)

    assert fm.data == {"title": "Floods", "date": "2024-01-30"}
    assert fm.body == "The river rose.\n"
    assert fm.body_line == 5
    assert fm.line_of("title") == 2
    assert fm.line_of("date") == 3
    assert fm.line_of("summary") is None


def test_dates_are_left_as_text_for_the_article_parser() -> None:
    # An impossible date must reach parse_article (which reports it with its line)
    # instead of crashing inside the YAML loader.
    fm = split_front_matter("---\ntitle: x\ndate: 2021-02-30\n---\n", SOURCE)

    assert fm.data["date"] == "2021-02-30"


def test_crlf_line_endings_are_accepted() -> None:
    fm = split_front_matter("---\r\ntitle: Floods\r\ndate: 2024-01-30\r\n---\r\nBody.\r\n",
                            SOURCE)

    assert fm.data == {"title": "Floods", "date": "2024-01-30"}
    assert fm.body == "Body.\n"
    assert "\r" not in fm.body


def test_utf8_byte_order_mark_is_accepted() -> None:
    fm = split_front_matter("\ufeff---\ntitle: Việt Nam\n---\nBody.\n", SOURCE)

    assert fm.data == {"title": "Việt Nam"}


def test_bom_and_crlf_together() -> None:
    fm = split_front_matter("\ufeff---\r\ntitle: x\r\n---\r\nBody.\r\n", SOURCE)

    assert fm.data == {"title": "x"}
    assert fm.body == "Body.\n"


def test_a_rule_inside_the_body_stays_in_the_body() -> None:
    text = "---\ntitle: x\n---\nIntro.\n\n---\n\nMore.\n"

    fm = split_front_matter(text, SOURCE)

    assert fm.data == {"title": "x"}
    assert fm.body == "Intro.\n\n---\n\nMore.\n"


def test_a_dashed_line_inside_a_block_scalar_does_not_close_the_front_matter() -> None:
    fm = split_front_matter("---\nsummary: |\n  one\n  ---\n---\nBody.\n", SOURCE)

    assert fm.data["summary"].splitlines() == ["one", "---"]
    assert fm.body == "Body.\n"


def test_empty_front_matter_gives_no_keys() -> None:
    fm = split_front_matter("---\n---\nBody.\n", SOURCE)

    assert fm.data == {}
    assert fm.body == "Body.\n"


def test_invalid_yaml_is_reported_at_the_line_of_the_file() -> None:
    text = "---\ntitle: x\ndate: 2024-01-30: oops\nsummary: fine\n---\nBody.\n"

    problem = problem_of(text)

    assert problem.path == SOURCE
    assert problem.line == 3
    assert str(problem).startswith(f"{SOURCE}:3:")


def test_invalid_yaml_line_counts_lines_with_crlf_and_bom() -> None:
    text = "\ufeff---\r\ntitle: x\r\nsummary: ok\r\ndate: 2024: 01\r\n---\r\n"

    assert problem_of(text).line == 4


def test_tab_indentation_is_reported_at_its_line() -> None:
    problem = problem_of("---\ntitle: x\n\tdate: 2024-01-30\n---\n")

    assert problem.line == 3
    assert "front matter" in problem.message


def test_unterminated_quote_is_reported_at_its_line() -> None:
    problem = problem_of('---\ntitle: x\ndate: 2024-01-30\nsummary: "never closed\n---\n')

    assert problem.line == 4


@pytest.mark.parametrize("text", ["", "   \n\n", "\ufeff", "\r\n\r\n"])
def test_empty_file_is_an_error(text: str) -> None:
    problem = problem_of(text)

    assert problem.path == SOURCE
    assert problem.line == 1
    assert "empty" in problem.message


@pytest.mark.parametrize("text", [
    "title: x\ndate: 2024-01-30\n",
    "\n---\ntitle: x\n---\n",
    "Just a story.\n",
    "--- title: x\n---\n",
])
def test_missing_front_matter_is_an_error(text: str) -> None:
    problem = problem_of(text)

    assert problem.line == 1
    assert "front matter" in problem.message
    assert "---" in problem.message


def test_unclosed_front_matter_is_an_error() -> None:
    problem = problem_of("---\ntitle: x\ndate: 2024-01-30\nThe story begins.\n")

    assert problem.path == SOURCE
    assert problem.line == 1
    assert "not closed" in problem.message


def test_front_matter_that_is_a_list_is_an_error() -> None:
    problem = problem_of("---\n- title\n- date\n---\nBody.\n")

    assert problem.line == 2
    assert "mapping" in problem.message
    assert "list" in problem.message


@pytest.mark.parametrize("scalar", ["just words", "42", "'quoted'"])
def test_front_matter_that_is_a_single_value_is_an_error(scalar: str) -> None:
    problem = problem_of(f"---\n{scalar}\n---\nBody.\n")

    assert problem.line == 2
    assert "mapping" in problem.message


def test_key_lines_follow_the_file_not_the_yaml_block() -> None:
    text = "---\n# a comment\ntitle: x\n\ntopics:\n  - a\n  - b\ndate: 2024-01-30\n---\n"

    fm = split_front_matter(text, SOURCE)

    assert fm.line_of("title") == 3
    assert fm.line_of("topics") == 5
    assert fm.line_of("date") == 8
    assert fm.data["topics"] == ["a", "b"]


# --- hostile YAML ------------------------------------------------------------------------


def test_ampersands_and_asterisks_inside_text_are_fine() -> None:
    fm = split_front_matter("---\ntitle: Q&A on *stars*\nsummary: 'A & B'\n---\nBody.\n",
                            SOURCE)

    assert fm.data == {"title": "Q&A on *stars*", "summary": "A & B"}


@pytest.mark.parametrize(("text", "line"), [
    ("---\ntitle: x\na: &a [1, 2]\nb: *a\n---\n", 3),
    ("---\ntitle: x\nsummary: *Breaking news\n---\n", 3),
    ("---\ntitle: &t x\n---\n", 2),
])
def test_anchors_and_aliases_are_refused_at_their_line(text: str, line: int) -> None:
    problem = problem_of(text)

    assert problem.line == line
    assert "anchors and aliases" in problem.message
    assert "quotes" in problem.message


def test_emphasis_at_the_start_of_a_value_asks_for_quotes() -> None:
    problem = problem_of("---\ntitle: x\nsummary: *Breaking* news\n---\n")

    assert problem.line == 3
    assert "must be put in quotes" in problem.message


def test_nesting_up_to_the_limit_is_fine_and_beyond_it_is_refused() -> None:
    def nested(levels: int) -> str:  # the front matter mapping itself is the first level
        return "---\ntitle: x\nx: " + "[" * (levels - 1) + "1" + "]" * (levels - 1) + "\n---\n"

    assert split_front_matter(nested(MAX_DEPTH), SOURCE).data["title"] == "x"
    problem = problem_of(nested(MAX_DEPTH + 1))
    assert problem.line == 3
    assert f"nested more than {MAX_DEPTH} levels deep" in problem.message


def test_a_key_given_twice_is_an_error_naming_both_lines() -> None:
    problem = problem_of("---\ntitle: x\nsummary: a\ntitle: y\n---\n")

    assert problem.line == 4
    assert "'title' is given twice (first on line 2)" in problem.message


def test_merge_keys_without_aliases_are_not_duplicates() -> None:
    fm = split_front_matter("---\ntitle: x\nmeta:\n  <<: {a: 1}\n  b: 2\n---\n", SOURCE)

    assert fm.data["meta"] == {"a": 1, "b": 2}


@pytest.mark.parametrize(("text", "fragment"), [
    ("---\ntitle: x\nviews: " + "9" * 5000 + "\n---\n", "number is too long"),
    ("---\ntitle: x\ndate: !!timestamp 2021-02-30\n---\n", "cannot read this value"),
    ("---\ntitle: x\ntopics: !!python/tuple [a]\n---\n", "'!!python/tuple' is not allowed"),
    ("---\ntitle: x\nbell: \x07\n---\n", "control character U+0007"),
])
def test_values_python_cannot_build_are_reported_at_their_line(text: str, fragment: str) -> None:
    problem = problem_of(text)

    assert problem.line == 3
    assert fragment in problem.message


@pytest.mark.parametrize("value", ["!!timestamp", "!!timestamp yesterday", "!!float x",
                                   "!!int 1.5", "!!bool maybe"])
def test_explicit_tags_on_values_that_do_not_fit_them_are_reported(value: str) -> None:
    problem = problem_of(f"---\ntitle: x\nwhen: {value}\n---\n")

    assert problem.line == 3
    assert "cannot read this value" in problem.message


def test_accents_typed_as_combining_marks_are_composed() -> None:
    fm = split_front_matter("---\ntitle: Vie\u0323\u0302t Nam\n---\nCafe\u0301\n", SOURCE)

    assert fm.data["title"] == "Việt Nam"
    assert fm.body == "Café\n"
