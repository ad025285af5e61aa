"""newsgen.yaml: every key checked, every problem reported at once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsgen.config import load_config
from newsgen.content import parse_article
from newsgen.errors import ConfigError
from tests.conftest import article


def write_config(root: Path, text: str | bytes) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    path = root / "newsgen.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return root


def config_error(root: Path, text: str | bytes) -> ConfigError:
    write_config(root, text)
    with pytest.raises(ConfigError) as info:
        load_config(root)
    return info.value


def only_message(root: Path, text: str | bytes) -> str:
    error = config_error(root, text)
    assert len(error.problems) == 1, str(error)
    problem = error.problems[0]
    assert problem.path == "newsgen.yaml"
    return problem.message


# --- reading --------------------------------------------------------------------------------


def test_site_without_config_file_gets_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path)

    assert config.root == tmp_path.resolve()
    assert config.timezone == "UTC"
    assert config.per_page == 20
    assert config.permalink == "/{year}/{month}/{slug}/"
    assert config.base_url_set is False
    assert config.articles_dir == tmp_path.resolve() / "articles"
    assert config.output_dir == tmp_path.resolve() / "public"


def test_empty_config_file_gets_defaults(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, "# nothing yet\n"))

    assert config.per_page == 20
    assert config.title == "News"


def test_values_are_read(tmp_path: Path) -> None:
    write_config(tmp_path, (
        "title: Delta Daily\n"
        "description: News from the delta\n"
        "base_url: https://news.example.com/delta\n"
        "language: vi\n"
        "timezone: Asia/Ho_Chi_Minh\n"
        "permalink: /news/{slug}/\n"
        "per_page: 10\n"
        "related_limit: 0\n"
        "feed_limit: 5\n"
        "summary_length: 120\n"
        "source: Delta Wire\n"
        "articles_dir: content\n"
        "output_dir: ../www\n"
    ))

    config = load_config(tmp_path)

    assert config.title == "Delta Daily"
    assert config.description == "News from the delta"
    # a base_url without trailing slash still makes correct absolute links
    assert config.absolute_url("/news/x/") == "https://news.example.com/delta/news/x/"
    assert config.base_path == "/delta/"
    assert config.base_url_set is True
    assert config.language == "vi"
    assert config.tz.key == "Asia/Ho_Chi_Minh"
    assert config.permalink == "/news/{slug}/"
    assert (config.per_page, config.related_limit, config.feed_limit) == (10, 0, 5)
    assert config.summary_length == 120
    assert config.source == "Delta Wire"
    assert config.articles_dir == tmp_path.resolve() / "content"
    assert config.output_dir == tmp_path.resolve().parent / "www"


def test_bom_in_config_file_is_accepted(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, "\ufefftitle: Delta Daily\r\nper_page: 3\r\n"))

    assert (config.title, config.per_page) == ("Delta Daily", 3)


def test_permalink_from_config_changes_article_urls(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, "permalink: /news/{year}/{slug}/\n"))

    a, _ = parse_article(article(title="Floods", date="2024-01-30"), "articles/a.md", config)

    assert a.url == "/news/2024/floods/"


def test_timezone_from_config_applies_to_article_dates(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, "timezone: Asia/Ho_Chi_Minh\n"))

    a, _ = parse_article(article(date="2024-01-31 23:30:00"), "articles/a.md", config)

    assert a.date == datetime(2024, 1, 31, 16, 30, tzinfo=UTC)
    assert a.url.startswith("/2024/01/")


# --- problems -------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "hint"), [("titel", "title"), ("per_pgae", "per_page"),
                                           ("timezon", "timezone"), ("baseurl", "base_url")])
def test_unknown_key_is_named_with_a_suggestion(tmp_path: Path, key: str, hint: str) -> None:
    message = only_message(tmp_path, f"{key}: 1\n")

    assert f"'{key}'" in message
    assert "unknown key" in message
    assert f"did you mean '{hint}'" in message


def test_unknown_key_without_a_near_name(tmp_path: Path) -> None:
    message = only_message(tmp_path, "analytics_id: UA-1\n")

    assert "'analytics_id'" in message
    assert "did you mean" not in message


@pytest.mark.parametrize(("line", "key"), [
    ('per_page: "ten"', "per_page"),
    ("per_page: ten", "per_page"),
    ("per_page: 2.5", "per_page"),
    ("per_page: true", "per_page"),
    ("per_page: 0", "per_page"),
    ("related_limit: -1", "related_limit"),
    ("feed_limit: []", "feed_limit"),
    ("summary_length: 3", "summary_length"),
    ("title: [a, b]", "title"),
    ("description: 12", "description"),
    ("source: {a: b}", "source"),
    ("articles_dir: ''", "articles_dir"),
    ("output_dir: 5", "output_dir"),
])
def test_wrong_type_or_range_is_an_error_naming_the_key(tmp_path: Path, line: str,
                                                       key: str) -> None:
    message = only_message(tmp_path, line + "\n")

    assert f"'{key}'" in message


def test_per_page_error_says_what_was_given(tmp_path: Path) -> None:
    assert "string" in only_message(tmp_path, 'per_page: "ten"\n')
    assert "-1" in only_message(tmp_path, "related_limit: -1\n")


@pytest.mark.parametrize("zone", ["Mars/Olympus", "Asia/Hanoi ", "", "../etc/passwd", "Asia",
                                  "zone.tab", "utc+7"])
def test_bad_timezone_is_an_error(tmp_path: Path, zone: str) -> None:
    message = only_message(tmp_path, f"timezone: {zone!r}\n")

    assert "'timezone'" in message


def test_timezone_that_is_not_text_is_an_error(tmp_path: Path) -> None:
    assert "'timezone'" in only_message(tmp_path, "timezone: 7\n")


@pytest.mark.parametrize("url", ["news.example.com", "ftp://news.example.com/",
                                 "javascript:alert(1)", "https://", "/news/"])
def test_bad_base_url_is_an_error(tmp_path: Path, url: str) -> None:
    message = only_message(tmp_path, f"base_url: {url}\n")

    assert "'base_url'" in message
    assert "http" in message


@pytest.mark.parametrize("permalink", [
    "/{year}/{month}/",
    "/news/",
    "/{year}/{hour}/{slug}/",
    "/{title}/",
    "/{0}/{slug}/",
    "/{slug!r}/",
    "/news/{slug}",
    "news/{slug}/",
    "/../{slug}/",
    "/{slug}/../",
    "/a/../{slug}/",
    "/./{slug}/",
    "/{slug}/ x/",
    "/{slug}/?q=1/",
    "/{{slug}}/",
    "42",
])
def test_bad_permalink_is_an_error(tmp_path: Path, permalink: str) -> None:
    message = only_message(tmp_path, f"permalink: {permalink!r}\n"
                           if permalink != "42" else "permalink: 42\n")

    assert "'permalink'" in message


def test_base_url_that_is_not_text_is_an_error(tmp_path: Path) -> None:
    assert "'base_url'" in only_message(tmp_path, "base_url: 42\n")


def test_permalink_without_slug_says_slug_is_needed(tmp_path: Path) -> None:
    assert "{slug}" in only_message(tmp_path, "permalink: /{year}/{month}/\n")


def test_permalink_with_an_unknown_field_names_it(tmp_path: Path) -> None:
    assert "{hour}" in only_message(tmp_path, "permalink: /{year}/{hour}/{slug}/\n")


@pytest.mark.parametrize("permalink", ["/{year}/../{slug}/", "/news/../{slug}/"])
def test_permalink_with_dot_dot_says_dot_dot_is_the_problem(tmp_path: Path,
                                                            permalink: str) -> None:
    # The user wrote only allowed characters: the message must name '..' as the problem,
    # not claim that the permalink holds characters other than letters, digits, '.', '/'.
    message = only_message(tmp_path, f"permalink: {permalink}\n")

    assert "'..'" in message.replace(permalink, "")


@pytest.mark.parametrize("permalink", ["/{year}/{month}/{day}/{slug}/", "/news/{slug}/",
                                       "/{slug}/", "/a.b_c~d-e/{year}{month}-{slug}/"])
def test_good_permalinks_are_accepted(tmp_path: Path, permalink: str) -> None:
    config = load_config(write_config(tmp_path, f"permalink: {permalink!r}\n"))

    assert config.permalink == permalink


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    error = config_error(tmp_path, (
        "titel: Delta Daily\n"
        'per_page: "ten"\n'
        "related_limit: -1\n"
        "timezone: Mars/Olympus\n"
        "base_url: news.example.com\n"
        "permalink: /{year}/\n"
    ))

    text = str(error)
    assert len(error.problems) == 6
    assert text.startswith("6 configuration errors")
    for key in ("titel", "per_page", "related_limit", "timezone", "base_url", "permalink"):
        assert f"newsgen.yaml: '{key}'" in text
    assert "did you mean 'title'" in text


def test_invalid_yaml_is_reported_with_its_line(tmp_path: Path) -> None:
    error = config_error(tmp_path, "title: Delta\nper_page: 10\nbase_url: a: b\nx: 1\n")

    (problem,) = error.problems
    assert problem.path == "newsgen.yaml"
    assert problem.line == 3
    assert "YAML" in problem.message


@pytest.mark.parametrize("text", ["- title\n- per_page\n", "just words\n"])
def test_config_that_is_not_a_mapping_is_an_error(tmp_path: Path, text: str) -> None:
    assert "mapping" in only_message(tmp_path, text)


def test_non_utf8_config_is_an_error(tmp_path: Path) -> None:
    assert "UTF-8" in only_message(tmp_path, "title: Caf\xe9\n".encode("latin-1"))


def test_deeply_nested_yaml_is_a_config_error_not_a_crash(tmp_path: Path) -> None:
    # Article front matter handles this case; the config file must too (no traceback).
    message = only_message(tmp_path, "title: " + "[" * 600 + "]" * 600 + "\n")

    assert "YAML" in message or "nested" in message


def test_explicit_config_path_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path, tmp_path / "other.yaml")

    assert "not found" in str(info.value)
    assert "other.yaml" in str(info.value)


def test_explicit_config_path_is_read(tmp_path: Path) -> None:
    other = tmp_path / "conf" / "staging.yaml"
    other.parent.mkdir()
    other.write_text("title: Staging\n", encoding="utf-8")

    assert load_config(tmp_path, other).title == "Staging"


# --- command-line overrides -----------------------------------------------------------------


def test_base_url_override_is_checked(tmp_path: Path) -> None:
    config = load_config(tmp_path)

    with pytest.raises(ConfigError) as info:
        config.with_overrides(base_url="news.example.com")

    assert "--base-url" in str(info.value)


def test_base_url_override_replaces_the_config_value(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, "base_url: https://a.example.com/\n"))

    changed = config.with_overrides(base_url="https://b.example.com/news")

    assert changed.absolute_url("/x/") == "https://b.example.com/news/x/"
    assert changed.base_url_set is True


def test_output_override_resolves_against_the_site_root(tmp_path: Path) -> None:
    config = load_config(tmp_path).with_overrides(output_dir=Path("build/site"))

    assert config.output_dir == tmp_path.resolve() / "build" / "site"


# The config file's YAML parse kept between builds (``KeptParse``) ------------------------


def _site_with_title(make_site, title: str) -> Path:
    root = make_site({"articles/a.md": article(title="Floods hit the delta",
                                               date="2024-01-30 09:00:00+07:00")})
    write_config(root, f"title: {title}\nbase_url: https://news.example.com/\n")
    return root


def _masthead(root: Path) -> str:
    return (root / "public" / "index.html").read_text(encoding="utf-8")


def test_a_config_edit_shows_in_the_next_build_though_its_parse_was_kept(make_site) -> None:
    from newsgen.cli import main

    root = _site_with_title(make_site, "Delta Daily")
    assert main(["build", "--site", str(root)]) == 0
    assert (root / ".newsgen-cache" / "config.pickle").is_file()
    assert "Delta Daily" in _masthead(root)

    write_config(root, "title: Mekong Morning\nbase_url: https://news.example.com/\n")
    assert main(["build", "--site", str(root)]) == 0
    assert "Mekong Morning" in _masthead(root)
    assert "Delta Daily" not in _masthead(root)


def test_a_kept_parse_is_read_instead_of_the_yaml(make_site) -> None:
    from newsgen.config import KeptParse

    root = _site_with_title(make_site, "Delta Daily")
    kept = KeptParse(root)
    config = load_config(root, kept=kept)
    kept.save(config)  # as after a build

    # The same bytes: the kept parse answers (PyYAML is not asked again).
    again = KeptParse(root)
    data = (root / "newsgen.yaml").read_bytes()
    assert again.load(data) == {"title": "Delta Daily",
                                "base_url": "https://news.example.com/"}
    assert load_config(root, kept=again).title == "Delta Daily"
    # Other bytes: it does not.
    assert again.load(data + b"\n# edited\n") is None


@pytest.mark.parametrize("damage", [b"", b"garbage", b"\x80\x05N."])
def test_a_damaged_kept_parse_is_ignored(make_site, damage: bytes) -> None:
    from newsgen.config import KeptParse

    root = _site_with_title(make_site, "Delta Daily")
    (root / ".newsgen-cache").mkdir()
    (root / ".newsgen-cache" / "config.pickle").write_bytes(damage)

    assert load_config(root, kept=KeptParse(root)).title == "Delta Daily"


def test_no_parse_is_kept_outside_the_build_cache_or_after_a_failed_build(
        make_site, tmp_path: Path) -> None:
    from newsgen.cli import main

    root = _site_with_title(make_site, "Delta Daily")
    assert main(["build", "--site", str(root), "--cache-dir", str(tmp_path / "c")]) == 0
    assert main(["build", "--site", str(root), "--no-cache"]) == 0
    (root / "newsgen.yaml").write_text("title: T\ncache_dir: elsewhere\n")
    assert main(["build", "--site", str(root)]) == 0
    (root / "newsgen.yaml").write_text("title: T\n")
    (root / "articles" / "bad.md").write_text("---\ntitle: [unclosed\n---\nBody.\n")
    assert main(["build", "--site", str(root)]) != 0

    assert not (root / ".newsgen-cache" / "config.pickle").exists()
