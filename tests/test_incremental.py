"""Incremental builds: the cache may save work, never change a byte of the output."""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsgen.build import build
from newsgen.cache import STATE_FILE
from newsgen.errors import OutputError
from newsgen.output import Staging
from newsgen.store import STORE_FILE

from conftest import article, site_config, write_files
from helpers_site import snapshot

TOPICS = ["Economy", "Laos", "Climate", "Việt Nam"]


def base_files() -> dict[str, str]:
    files = {
        f"articles/2024/story-{n}.md": article(
            f"Story number {n}", date=f"2024-0{1 + n % 5}-1{n} 09:00:00+07:00",
            topics=[TOPICS[n % 4], TOPICS[(n + 1) % 4]], body=f"Body of story {n}.\n\nMore.")
        for n in range(7)
    }
    # Story 2 has its slug set, so a new headline keeps its URL (a quick build); the
    # others take it from the headline, so theirs moves with it.
    files["articles/2024/story-2.md"] = files["articles/2024/story-2.md"].replace(
        "\ndate:", '\nslug: "story-number-2"\ndate:', 1)
    files["newsgen.yaml"] = "title: Incremental Times\nper_page: 3\nrelated_limit: 3\n"
    return files


def clean_build(root: Path, clean: Path, jobs: int = 1, **overrides: object) -> dict[str, bytes]:
    """The files a build without the cache writes into ``clean`` (emptied first)."""
    shutil.rmtree(clean, ignore_errors=True)
    build(site_config(root, output_dir=clean, **overrides), jobs=jobs, use_cache=False)
    return snapshot(clean)


_AGE = [time.time() - 3600]


def settle(root: Path) -> None:
    """Date every file changed since the last call an hour back, each time a second later:
    as if edits were made well before the build, past the cache's racy-mtime window, so
    the fast stat-based path is exercised and not only the digest fallback."""
    recent = time.time() - 1800
    _AGE[0] += 1
    for path in root.rglob("*"):
        if path.is_file() and path.stat().st_mtime > recent:
            os.utime(path, (_AGE[0], _AGE[0]))


Edit = Callable[[Path, int], None]


def pick(root: Path, name: str) -> Path:
    """The article ``name``, or (deleted or renamed by an earlier edit) the first one left."""
    path = root / "articles" / "2024" / name
    return path if path.exists() else sorted((root / "articles").rglob("*.md"))[0]


def edit_body(root: Path, n: int) -> None:
    path = pick(root, "story-1.md")
    text = path.read_text()
    path.write_text(text.replace("More.", f"More, edit {n}.") if "More." in text
                    else f"{text}\nEdit {n}.\n")


def edit_title(root: Path, n: int) -> None:
    path = pick(root, "story-2.md")
    text = path.read_text()
    path.write_text(text.replace("title: \"", f"title: \"Edit {n} ", 1))


def edit_title_and_url(root: Path, n: int) -> None:
    path = pick(root, "story-5.md")
    text = path.read_text()
    path.write_text(text.replace("title: \"", f"title: \"Moved {n} ", 1))


def edit_topics(root: Path, n: int) -> None:
    path = pick(root, "story-3.md")
    text = path.read_text().splitlines(keepends=True)
    path.write_text("".join(f'topics: ["Climate", "New {n}"]\n' if line.startswith("topics:")
                            else line for line in text))


def edit_date(root: Path, n: int) -> None:
    path = pick(root, "story-4.md")
    text = path.read_text().splitlines(keepends=True)
    path.write_text("".join(f"date: 2023-12-{10 + n % 18} 10:00:00+07:00\n"
                            if line.startswith("date:") else line for line in text))


def delete_article(root: Path, n: int) -> None:
    victims = sorted((root / "articles").rglob("*.md"))
    if len(victims) > 2:
        victims[n % len(victims)].unlink()


def add_article(root: Path, n: int) -> None:
    write_files(root, {f"articles/2024/added-{n}.md": article(
        f"Added story {n}", date=f"2024-06-0{1 + n % 9}", topics=["Economy", "Laos"])})


def rename_file(root: Path, n: int) -> None:
    files = sorted((root / "articles").rglob("*.md"))
    files[0].rename(files[0].with_name(f"renamed-{n}-{files[0].name}"))


def edit_template(root: Path, n: int) -> None:
    write_files(root, {"templates/partials/footer.html":
                       f'<footer class="site-footer"><p>Edition {n}</p></footer>\n'})


def edit_config(root: Path, n: int) -> None:
    (root / "newsgen.yaml").write_text(f"title: Incremental Times {n}\nper_page: {2 + n % 3}\n"
                                       f"related_limit: {1 + n % 4}\n")


def add_static(root: Path, n: int) -> None:
    write_files(root, {f"static/extra-{n}.txt": f"static {n}\n"})


EDITS: list[Edit] = [edit_body, edit_title, edit_title_and_url, edit_topics, edit_date,
                     delete_article, add_article, rename_file, edit_template, edit_config,
                     add_static]


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=st.lists(st.sampled_from(EDITS), min_size=1, max_size=5))
def test_incremental_build_equals_clean_build(tmp_path_factory: pytest.TempPathFactory,
                                              sequence: list[Edit]) -> None:
    base = tmp_path_factory.mktemp("inc")
    root = write_files(base / "site", base_files())
    settle(root)
    out, clean = base / "out", base / "clean"
    assert build(site_config(root, output_dir=out), jobs=1).rendered > 0
    for step, edit in enumerate(sequence):
        edit(root, step)
        settle(root)
        build(site_config(root, output_dir=out), jobs=1)
        assert snapshot(out) == clean_build(root, clean), f"after {[e.__name__ for e in sequence]}"


def test_unchanged_pages_are_not_rewritten_and_keep_their_mtime(make_site, tmp_path) -> None:
    root = make_site(base_files())
    out = tmp_path / "out"
    build(site_config(root, output_dir=out), jobs=1)
    untouched = out / "2024" / "01" / "story-number-0" / "index.html"
    before = untouched.stat()
    edit_body(root, 1)
    result = build(site_config(root, output_dir=out), jobs=1)
    assert 0 < result.rendered < result.pages
    assert untouched.stat().st_mtime_ns == before.st_mtime_ns
    assert "More, edit 1." in (out / "2024" / "02" / "story-number-1" / "index.html").read_text()


def test_body_edit_rerenders_only_pages_showing_the_body(make_site, tmp_path) -> None:
    root = make_site(base_files())
    out = tmp_path / "out"
    build(site_config(root, output_dir=out), jobs=1)
    listing = out / "topics" / "laos" / "index.html"  # story 1 is listed there
    assert "Story number 1" in listing.read_text()
    before = listing.stat().st_mtime_ns
    edit_body(root, 1)
    result = build(site_config(root, output_dir=out), jobs=1)
    # Its page, and the feeds carrying its full text (site Atom, RSS, JSON; two topics').
    assert result.rendered == 6
    assert "More, edit 1." in (out / "topics" / "laos" / "feed.xml").read_text()
    assert listing.stat().st_mtime_ns == before


def test_body_edit_shows_in_every_feed_carrying_the_article(make_site, tmp_path) -> None:
    """The feeds' content filter computes an article's content once per build and reuses
    it in the other feeds: each of them must still record that it shows the body."""
    root = make_site(base_files())
    out = tmp_path / "out"
    build(site_config(root, output_dir=out), jobs=1)
    feeds = ["feed.xml", "rss.xml", "topics/laos/feed.xml", "topics/climate/feed.xml"]
    for feed in feeds:
        assert "Body of story 1." in (out / feed).read_text()
    edit_body(root, 1)
    build(site_config(root, output_dir=out), jobs=1)
    for feed in feeds:
        assert "More, edit 1." in (out / feed).read_text(), feed
    assert snapshot(out) == clean_build(root, tmp_path / "clean")


def test_base_url_moved_under_a_path_equals_clean_build(make_site, tmp_path) -> None:
    """Compiled templates hold links worked out at compile time ({{ '/archive/' | url }}):
    the cached ones must not be reused with another base_url."""
    root = make_site(base_files())
    out = tmp_path / "out"
    build(site_config(root, output_dir=out), jobs=1)
    moved = "https://news.example.com/news/"
    build(site_config(root, output_dir=out, base_url=moved), jobs=1)
    assert 'href="/news/archive/"' in (out / "index.html").read_text()
    assert snapshot(out) == clean_build(root, tmp_path / "clean", base_url=moved)


def test_templates_compiled_under_old_settings_do_not_pile_up(make_site, tmp_path) -> None:
    root = make_site(base_files())
    out = tmp_path / "out"
    compiled = root / ".newsgen-cache" / "templates"
    build(site_config(root, output_dir=out), jobs=1)
    first = set(compiled.iterdir())
    assert first
    for url in ("https://a.example.com/", "https://b.example.com/news/"):
        build(site_config(root, output_dir=out, base_url=url), jobs=1)
    # As many as one build compiles, none of them from the first settings.
    now = set(compiled.iterdir())
    assert len(now) == len(first) and not now & first


def test_body_edit_is_done_without_loading_every_article(make_site, tmp_path,
                                                        monkeypatch) -> None:
    root = make_site(base_files())
    settle(root)
    out = tmp_path / "out"
    build(site_config(root, output_dir=out), jobs=1)
    edit_body(root, 2)
    settle(root)

    def no_index(*args: object, **kwargs: object) -> None:
        raise AssertionError("the whole site was loaded and indexed for a body edit")

    monkeypatch.setattr("newsgen.index.build_site", no_index)
    monkeypatch.setattr("newsgen.content.collect_articles", no_index)
    result = build(site_config(root, output_dir=out), jobs=1)
    assert result.rendered == 6 and not result.up_to_date
    assert "Built 7 articles" in result.summary()
    monkeypatch.undo()
    assert snapshot(out) == clean_build(root, tmp_path / "clean")


def test_headline_edit_renders_only_pages_showing_it_without_loading_every_article(
        make_site, tmp_path, monkeypatch) -> None:
    root = make_site(base_files())
    settle(root)
    out = tmp_path / "out"
    build(site_config(root, output_dir=out), jobs=1)
    # Story 2 is in Climate and Việt Nam; per_page 3 puts it on page 1 of neither's
    # listing only if it is among the 3 newest: page 2 of the home page does not show it.
    unrelated = out / "page" / "2" / "index.html"
    assert "Story number 2" not in unrelated.read_text()
    before = unrelated.stat().st_mtime_ns
    edit_title(root, 5)
    settle(root)

    def no_index(*args: object, **kwargs: object) -> None:
        raise AssertionError("the whole site was loaded and indexed for a headline edit")

    monkeypatch.setattr("newsgen.index.build_site", no_index)
    monkeypatch.setattr("newsgen.content.collect_articles", no_index)
    result = build(site_config(root, output_dir=out), jobs=1)
    assert 0 < result.rendered < result.pages // 2
    assert "Edit 5 Story number 2" in (out / "topics" / "climate" / "index.html").read_text()
    assert unrelated.stat().st_mtime_ns == before
    monkeypatch.undo()
    assert snapshot(out) == clean_build(root, tmp_path / "clean")


def test_headline_edit_that_moves_the_url_renders_only_pages_showing_it(
        make_site, tmp_path, monkeypatch) -> None:
    root = make_site(base_files())
    settle(root)
    out = tmp_path / "out"
    build(site_config(root, output_dir=out), jobs=1)
    old_page = out / "2024" / "01" / "story-number-5" / "index.html"
    assert old_page.is_file()
    unrelated = out / "index.html"  # the three newest stories: story 5 is on page 2
    assert "Story number 5" not in unrelated.read_text()
    before = unrelated.stat().st_mtime_ns
    # The sitemap's index and its parts but January's, which lists story 5: not rewritten.
    other_sitemaps = {p: p.stat().st_mtime_ns for p in [out / "sitemap.xml",
                                                        *(out / "sitemaps").iterdir()]
                      if p.name != "2024-01.xml"}
    assert len(other_sitemaps) == 6  # the index, the listings, February to May

    def no_index(*args: object, **kwargs: object) -> None:
        raise AssertionError("the whole site was loaded and indexed for a headline edit")

    monkeypatch.setattr("newsgen.index.build_site", no_index)
    monkeypatch.setattr("newsgen.content.collect_articles", no_index)
    edit_title_and_url(root, 1)
    settle(root)
    result = build(site_config(root, output_dir=out), jobs=1)
    assert 0 < result.rendered < result.pages
    moved = "/2024/01/moved-1-story-number-5/"
    assert not old_page.parent.exists()
    assert "Moved 1 Story number 5" in (out / moved.strip("/") / "index.html").read_text()
    january = (out / "sitemaps" / "2024-01.xml").read_text()
    assert moved in january
    assert "/2024/01/story-number-5/" not in january
    assert {p: p.stat().st_mtime_ns for p in other_sitemaps} == other_sitemaps
    assert unrelated.stat().st_mtime_ns == before
    # What the move wrote to the cache serves the next edits: of the moved article, of
    # another whose URL moves, all without loading every article.
    edit_body(root, 3)
    path = root / "articles" / "2024" / "story-5.md"
    path.write_text(path.read_text().replace("Body of story 5.", "Body of story 5, edited."))
    settle(root)
    build(site_config(root, output_dir=out), jobs=1)
    path = root / "articles" / "2024" / "story-0.md"
    path.write_text(path.read_text().replace('title: "', 'title: "Moved ', 1))
    settle(root)
    build(site_config(root, output_dir=out), jobs=1)
    assert (out / "2024" / "01" / "moved-story-number-0" / "index.html").is_file()
    monkeypatch.undo()
    assert snapshot(out) == clean_build(root, tmp_path / "clean")


@pytest.mark.parametrize("case", ["same date as another", "linked from another",
                                  "corrected"])
def test_url_move_that_can_change_more_than_its_pages_takes_the_full_build(
        make_site, tmp_path, monkeypatch, case) -> None:
    """Listings and related lists break ties of date by URL, and a link to the article
    is written with its URL: such moves are planned again in full, to the same bytes."""
    files = base_files()
    # Story 5 moves from /2024/01/story-number-5/ to /2024/01/moved-2-story-number-5/:
    # "paired-story" sorts between the two, so a tie with it changes order.
    corrected = ('\ncorrections:\n  - date: 2024-02-01 10:00:00+07:00\n'
                 '    text: "An earlier version misspelled a name."\ndate:')
    if case == "same date as another":
        files["articles/2024/paired.md"] = article(
            "Paired story", date="2024-01-15 09:00:00+07:00", topics=["Laos", "Climate"])
    elif case == "linked from another":
        files["articles/2024/story-1.md"] = files["articles/2024/story-1.md"].replace(
            "More.", "More in [story five](story-5.md).")
    else:  # corrections of the same day are listed by URL
        for name in ("articles/2024/story-5.md", "articles/2024/paired.md"):
            files[name] = files.get(name, article(
                "Paired story", date="2024-01-20 09:00:00+07:00", topics=["Laos"],
            )).replace("\ndate:", corrected, 1)
    root = make_site(files)
    settle(root)
    out = tmp_path / "out"
    build(site_config(root, output_dir=out), jobs=1)
    import newsgen.index

    indexed: list[bool] = []
    real = newsgen.index.build_site
    monkeypatch.setattr(newsgen.index, "build_site",
                        lambda *args: indexed.append(True) or real(*args))
    edit_title_and_url(root, 2)
    settle(root)
    build(site_config(root, output_dir=out), jobs=1)
    assert indexed
    if case == "linked from another":
        assert 'href="/2024/01/moved-2-story-number-5/"' in (
            out / "2024" / "02" / "story-number-1" / "index.html").read_text()
    monkeypatch.undo()
    assert snapshot(out) == clean_build(root, tmp_path / "clean")


def test_url_moved_onto_another_articles_url_is_an_error_naming_both(make_site,
                                                                     tmp_path) -> None:
    from newsgen.errors import ContentError

    root = make_site(base_files())
    settle(root)
    out = tmp_path / "out"
    build(site_config(root, output_dir=out), jobs=1)
    published = snapshot(out)
    path = root / "articles" / "2024" / "story-5.md"
    path.write_text(path.read_text().replace('title: "', 'slug: "story-number-0"\ntitle: "'))
    settle(root)
    with pytest.raises(ContentError) as caught:
        build(site_config(root, output_dir=out), jobs=1)
    assert "URL /2024/01/story-number-0/ is already used by" in str(caught.value)
    assert "story-0.md" in str(caught.value) and "story-5.md" in str(caught.value)
    assert snapshot(out) == published


def test_custom_listing_that_shows_bodies_follows_body_edits(make_site, tmp_path) -> None:
    root = make_site({**base_files(), "templates/index.html":
                      "{% extends 'base.html' %}{% block content %}{% for a in articles %}"
                      "<section>{{ a.body_html | safe }}</section>{% endfor %}{% endblock %}"})
    out = tmp_path / "out"
    config = site_config(root, output_dir=out, per_page=10)
    build(config, jobs=1)
    edit_body(root, 7)
    build(config, jobs=1)
    assert "More, edit 7." in (out / "index.html").read_text()
    assert snapshot(out) == clean_build(root, tmp_path / "clean", per_page=10)


def test_news_sitemap_drops_an_article_48_hours_on_with_nothing_edited(make_site,
                                                                      tmp_path) -> None:
    from datetime import datetime, timedelta

    published = datetime.fromisoformat("2024-06-01T09:00:00+07:00")
    root = make_site({**base_files(), "articles/2024/fresh.md": article(
        "Fresh story", date=published.isoformat(sep=" "), topics=["Laos"])})
    settle(root)
    out = tmp_path / "out"
    news = out / "news-sitemap.xml"
    build(site_config(root, output_dir=out, build_time=published + timedelta(hours=47)))
    assert "Fresh story" in news.read_text()
    later = site_config(root, output_dir=out, build_time=published + timedelta(hours=49))
    result = build(later, jobs=1)
    assert not result.up_to_date and result.rendered == 1
    assert "Fresh story" not in news.read_text()


def test_nothing_changed_writes_nothing(make_site, tmp_path) -> None:
    root = make_site(base_files())
    out = tmp_path / "out"
    build(site_config(root, output_dir=out), jobs=1)
    settle(root)  # sources older than the racy window, as they are between real edits
    build(site_config(root, output_dir=out), jobs=1)
    marker_inode = (out / ".newsgen-build").stat().st_ino
    result = build(site_config(root, output_dir=out), jobs=1)
    assert result.up_to_date and "Up to date" in result.summary()
    assert (out / ".newsgen-build").stat().st_ino == marker_inode


@pytest.mark.parametrize("path", ["full", "quick"])
def test_an_article_saved_while_a_build_runs_is_built_by_the_next(make_site, tmp_path,
                                                                  monkeypatch, path) -> None:
    """The build read the old text; the next one must not take the site as up to date,
    even once the edit is older than the racy-mtime window."""
    root = make_site(base_files())
    out = tmp_path / "out"
    build(site_config(root, output_dir=out), jobs=1)
    settle(root)
    build(site_config(root, output_dir=out), jobs=1)
    if path == "quick":
        edit_body(root, 1)
    else:
        (root / "newsgen.yaml").write_text(base_files()["newsgen.yaml"] + "summary_length: 90\n")
    settle(root)
    commit = Staging.commit

    def commit_after_an_edit(self: Staging, stale: Iterable[str]) -> None:
        edit_body(root, 2)  # saved after the build read its inputs
        commit(self, stale)

    monkeypatch.setattr(Staging, "commit", commit_after_an_edit)
    build(site_config(root, output_dir=out), jobs=1)
    monkeypatch.undo()
    assert "edit 2" in pick(root, "story-1.md").read_text().lower()
    page = out / "2024" / "02" / "story-number-1" / "index.html"
    assert "edit 2" not in page.read_text().lower()
    settle(root)
    result = build(site_config(root, output_dir=out), jobs=1)
    assert not result.up_to_date
    assert "edit 2" in page.read_text().lower()
    assert snapshot(out) == clean_build(root, tmp_path / "clean")


def test_template_edit_renders_only_pages_using_it_and_converts_no_markdown(
        make_site, tmp_path, monkeypatch) -> None:
    root = make_site(base_files())
    out = tmp_path / "out"
    build(site_config(root, output_dir=out), jobs=1)
    write_files(root, {"templates/topics.html":
                       "{% extends 'base.html' %}{% block content %}"
                       "<h1>Every topic</h1>{% endblock %}"})

    def no_markdown(*args: object) -> str:
        raise AssertionError("Markdown converted again after a template edit")

    # Every body goes through rawhtml.convert_body (the body_html policy), which calls
    # convert_markdown from there.
    monkeypatch.setattr("newsgen.rawhtml.convert_markdown", no_markdown)
    result = build(site_config(root, output_dir=out), jobs=1)
    assert result.rendered == 1
    assert "Every topic" in (out / "topics" / "index.html").read_text()


@pytest.mark.parametrize("damage", [b"", b"garbage", None])
@pytest.mark.parametrize("name", [STATE_FILE, STORE_FILE])
def test_damaged_cache_is_ignored_with_a_notice(make_site, tmp_path, damage, name) -> None:
    root = make_site(base_files())
    out = tmp_path / "out"
    build(site_config(root, output_dir=out), jobs=1)
    expected = snapshot(out)
    edit_body(root, 7)  # something to rebuild, so that the articles are read
    expected_page = "More, edit 7."
    state = root / ".newsgen-cache" / name
    if damage is None:
        state.write_bytes(state.read_bytes()[: len(state.read_bytes()) // 2])  # truncated
    else:
        state.write_bytes(damage)
    result = build(site_config(root, output_dir=out), jobs=1)
    assert any("cache" in notice and "ignored" in notice for notice in result.notices)
    assert snapshot(out) == clean_build(root, tmp_path / "clean") != expected
    assert expected_page in (out / "2024" / "02" / "story-number-1" / "index.html").read_text()


def test_cache_from_another_version_is_ignored(make_site, tmp_path, monkeypatch) -> None:
    root = make_site(base_files())
    out = tmp_path / "out"
    build(site_config(root, output_dir=out), jobs=1)
    monkeypatch.setattr("newsgen.cache.__version__", "0.0.0-other")
    result = build(site_config(root, output_dir=out), jobs=1)
    assert any("another newsgen version" in notice for notice in result.notices)


def test_commit_cut_short_is_completed_by_the_next_build(make_site, tmp_path,
                                                          monkeypatch) -> None:
    from newsgen import output

    root = make_site(base_files())
    settle(root)
    out = tmp_path / "out"
    build(site_config(root, output_dir=out), jobs=1)
    edit_title(root, 1)
    delete_article(root, 0)
    settle(root)
    real_apply = output._apply

    def power_cut(out_dir: Path, plan: dict) -> None:
        real_apply(out_dir, {**plan, "moves": plan["moves"][:1], "deletes": []})
        raise OSError("power cut")

    monkeypatch.setattr(output, "_apply", power_cut)
    # A failed write mid-commit is a user-facing error saying the next build completes it.
    with pytest.raises(OutputError, match=r"power cut .*the next build completes the update"):
        build(site_config(root, output_dir=out), jobs=1)
    assert output.journal_path(out).exists()
    monkeypatch.setattr(output, "_apply", real_apply)
    result = build(site_config(root, output_dir=out), jobs=1)
    assert any("interrupted commit" in notice for notice in result.notices)
    assert not output.journal_path(out).exists()
    assert snapshot(out) == clean_build(root, tmp_path / "clean")
    assert [p.name for p in tmp_path.iterdir() if "newsgen-tmp" in p.name] == []


def test_incremental_builds_with_worker_processes_delete_stale_pages(make_site,
                                                                     tmp_path) -> None:
    many = {f"articles/bulk/b{n}.md": article(f"Bulk {n}", date="2023-03-03",
                                              topics=["Bulk"]) for n in range(230)}
    root = make_site({**base_files(), **many})
    settle(root)
    out = tmp_path / "out"
    build(site_config(root, output_dir=out), jobs=2)
    (root / "newsgen.yaml").write_text("title: Renamed Times\n")  # every page changes
    settle(root)
    build(site_config(root, output_dir=out), jobs=2)
    (root / "articles" / "bulk" / "b7.md").unlink()
    settle(root)
    build(site_config(root, output_dir=out), jobs=2)
    assert not (out / "2023" / "03" / "bulk-7").exists()
    assert snapshot(out) == clean_build(root, tmp_path / "clean", jobs=2)


def test_incremental_build_removes_files_it_did_not_plan(make_site, tmp_path) -> None:
    root = make_site(base_files())
    settle(root)
    out = tmp_path / "out"
    build(site_config(root, output_dir=out), jobs=1)
    (out / "stray.txt").write_text("left by hand\n")
    (out / "2024" / "old").mkdir()
    (out / "2024" / "old" / "index.html").write_text("<p>gone</p>\n")
    edit_body(root, 3)
    settle(root)
    assert build(site_config(root, output_dir=out), jobs=1).rendered > 0
    assert not (out / "stray.txt").exists() and not (out / "2024" / "old").exists()
    assert snapshot(out) == clean_build(root, tmp_path / "clean")


@pytest.mark.parametrize(("first", "path", "stop"), [
    ("incremental", "full", "head"), ("full", "full", "head"), ("incremental", "full", "rows"),
    ("incremental", "quick", "head"), ("incremental", "quick", "rows")])
def test_a_build_stopped_after_publishing_leaves_no_cache_to_trust(
        make_site, tmp_path, monkeypatch, first: str, path: str, stop: str) -> None:
    """Ctrl-C between publishing and saving the cache (its rows, then its head): the cache
    still describes the site before, so an edit that is then undone must not be taken for
    'unchanged'. Both the full incremental build and the quick one (a body edit)."""
    import newsgen.build
    import newsgen.quick
    from newsgen.store import Store

    root = make_site(base_files())
    settle(root)
    out = tmp_path / "out"
    if first == "incremental":
        build(site_config(root, output_dir=out), jobs=1)
    else:  # the first build on this output is a full one, with a cache from elsewhere
        build(site_config(root, output_dir=tmp_path / "elsewhere"), jobs=1)
        build(site_config(root, output_dir=out), jobs=1, use_cache=False)
        build(site_config(root, output_dir=out), jobs=1)
    story = root / "articles" / "2024" / "story-1.md"
    page = out / "2024" / "02" / "story-number-1" / "index.html"
    original = story.read_text()
    edit_body(root, 1)
    settle(root)

    stops: list[str] = []

    def stopped(*args: object, **kwargs: object) -> None:
        stops.append(stop)
        raise KeyboardInterrupt

    if path == "full":
        monkeypatch.setattr(newsgen.quick, "quick_build", lambda *args: None)
    if stop == "rows":
        monkeypatch.setattr(Store, "write", stopped)
    else:
        monkeypatch.setattr(newsgen.build, "save_state", stopped)
        monkeypatch.setattr(newsgen.quick, "save_state", stopped)
    quick_ran: list[bool] = []
    real_quick = newsgen.quick._apply
    monkeypatch.setattr(newsgen.quick, "_apply",
                        lambda *args: quick_ran.append(True) or real_quick(*args))
    with pytest.raises(KeyboardInterrupt):
        build(site_config(root, output_dir=out), jobs=1)
    assert stops == [stop]
    assert bool(quick_ran) == (path == "quick")
    assert "More, edit 1." in page.read_text()  # published before the stop
    monkeypatch.undo()
    story.write_text(original)  # back to what the cache recorded
    settle(root)

    build(site_config(root, output_dir=out), jobs=1)

    assert "More, edit 1." not in page.read_text()
    assert snapshot(out) == clean_build(root, tmp_path / "clean")


def test_a_build_without_the_cache_leaves_no_cache_to_trust(make_site, tmp_path) -> None:
    """--no-cache publishes pages the recorded fingerprints do not describe."""
    root = make_site(base_files())
    settle(root)
    out = tmp_path / "out"
    build(site_config(root, output_dir=out), jobs=1)
    story = root / "articles" / "2024" / "story-1.md"
    page = out / "2024" / "02" / "story-number-1" / "index.html"
    original = story.read_text()
    edit_body(root, 1)
    settle(root)
    build(site_config(root, output_dir=out), jobs=1, use_cache=False)
    assert "More, edit 1." in page.read_text()
    story.write_text(original)
    settle(root)

    build(site_config(root, output_dir=out), jobs=1)

    assert "More, edit 1." not in page.read_text()
    assert snapshot(out) == clean_build(root, tmp_path / "clean")


def test_a_damaged_journal_is_a_clear_error_and_changes_nothing(make_site, tmp_path) -> None:
    from newsgen import output

    root = make_site(base_files())
    out = tmp_path / "out"
    build(site_config(root, output_dir=out), jobs=1)
    before = snapshot(out)
    output.journal_path(out).write_text('{"staging": "/tmp/x", "moves": [')
    edit_body(root, 1)

    with pytest.raises(OutputError, match=r"its journal .* is damaged .*Remove the journal"):
        build(site_config(root, output_dir=out), jobs=1)

    assert snapshot(out) == before


def test_a_build_that_published_while_this_one_read_the_cache_is_not_trusted(
        make_site, tmp_path, monkeypatch) -> None:
    """Another build published (and was stopped before saving the cache) after this one
    read the cache but before it took the output lock: what this one read no longer
    describes the published folder, so it renders everything."""
    import newsgen.build
    from newsgen.store import Store

    root = make_site(base_files())
    settle(root)
    out = tmp_path / "out"
    config = site_config(root, output_dir=out)
    build(config, jobs=1)
    story = root / "articles" / "2024" / "story-1.md"
    page = out / "2024" / "02" / "story-number-1" / "index.html"
    original = story.read_text()
    edit_body(root, 1)
    settle(root)
    real_open = newsgen.build.open_store
    other: list[bool] = []

    def stopped(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    def open_then_another_build_publishes(*args: object) -> object:
        opened = real_open(*args)  # type: ignore[arg-type]
        if not other:
            other.append(True)
            with pytest.MonkeyPatch.context() as patch, pytest.raises(KeyboardInterrupt):
                patch.setattr(Store, "write", stopped)
                build(config, jobs=1)
            assert "More, edit 1." in page.read_text()  # the other build published
            story.write_text(original)  # ...and this one finds the edit undone
            settle(root)
        return opened

    monkeypatch.setattr(newsgen.build, "open_store", open_then_another_build_publishes)
    build(config, jobs=1)

    assert other
    assert "More, edit 1." not in page.read_text()
    assert snapshot(out) == clean_build(root, tmp_path / "clean")


@pytest.mark.parametrize("path", ["full", "quick"])
@pytest.mark.parametrize("failing", ["rows", "head"])
def test_a_cache_that_cannot_be_saved_after_publishing_is_a_notice(
        make_site, tmp_path, monkeypatch, path: str, failing: str) -> None:
    """A full disk once the site is published: the build succeeded, only the next one is
    slower, and that one finds no cache to trust."""
    import errno
    import sqlite3

    import newsgen.build
    import newsgen.quick
    from newsgen.store import Store

    root = make_site(base_files())
    settle(root)
    out = tmp_path / "out"
    build(site_config(root, output_dir=out), jobs=1)
    page = out / "2024" / "02" / "story-number-1" / "index.html"
    edit_body(root, 1)
    settle(root)

    def full_rows(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    def full_head(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    quick_ran: list[bool] = []
    real_quick = newsgen.quick._apply
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(newsgen.quick, "_apply",
                      lambda *args: quick_ran.append(True) or real_quick(*args))
        if path == "full":
            patch.setattr(newsgen.quick, "quick_build", lambda *args: None)
        if failing == "rows":
            patch.setattr(Store, "write", full_rows)
        else:
            patch.setattr(newsgen.build, "save_state", full_head)
            patch.setattr(newsgen.quick, "save_state", full_head)
        result = build(site_config(root, output_dir=out), jobs=1)

    reason = ("database or disk is full" if failing == "rows"
              else "No space left on device")
    assert result.notices == (f"build cache not saved ({reason}): the next build does all "
                              f"the work again",)
    assert bool(quick_ran) == (path == "quick")
    assert "More, edit 1." in page.read_text()
    edit_body(root, 2)
    settle(root)

    again = build(site_config(root, output_dir=out), jobs=1)

    assert again.rendered == again.pages  # nothing trusted
    assert "Edit 2." in page.read_text()
    assert snapshot(out) == clean_build(root, tmp_path / "clean")


def test_a_cold_build_whose_page_rows_cannot_be_written_publishes_with_a_notice(
        make_site, tmp_path, monkeypatch) -> None:
    """A cold build writes page rows into the new store while it renders: a full disk
    then stops the rows, not the build, and leaves no cache behind."""
    import sqlite3

    from newsgen.store import Store

    root = make_site(base_files())
    settle(root)
    out = tmp_path / "out"

    def disk_full(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Store, "add_pages", disk_full)
        result = build(site_config(root, output_dir=out), jobs=1)

    assert result.notices == ("build cache not saved (database or disk is full): the next "
                              "build does all the work again",)
    cache = root / ".newsgen-cache"
    assert not (cache / STORE_FILE).exists()
    assert not (cache / (STORE_FILE + ".new")).exists()
    assert snapshot(out) == clean_build(root, tmp_path / "clean")
    again = build(site_config(root, output_dir=out), jobs=1)
    assert again.rendered == again.pages and not again.notices
    assert (cache / STORE_FILE).exists()


def test_a_cold_build_stopped_by_a_bad_article_leaves_no_cache_behind(
        make_site, tmp_path) -> None:
    """A cold build opens its new store before it reads the articles (their rows go in
    as they are parsed): an article that fails to parse stops the build and leaves
    neither a store nor a half-written one."""
    from newsgen.errors import ContentError

    files = base_files()
    good = files["articles/2024/story-3.md"]
    files["articles/2024/story-3.md"] = good.replace("title:", "headline:", 1)
    root = make_site(files)
    out = tmp_path / "out"

    with pytest.raises(ContentError, match=r"story-3\.md"):
        build(site_config(root, output_dir=out), jobs=2)

    cache = root / ".newsgen-cache"
    assert not (cache / STORE_FILE).exists()
    assert not (cache / (STORE_FILE + ".new")).exists()
    assert not out.exists()
    write_files(root, {"articles/2024/story-3.md": good})
    settle(root)
    first = build(site_config(root, output_dir=out), jobs=2)
    assert first.rendered == first.pages
    edit_body(root, 1)
    settle(root)
    again = build(site_config(root, output_dir=out), jobs=2)  # from the cold build's rows
    assert 0 < again.rendered < again.pages
    assert snapshot(out) == clean_build(root, tmp_path / "clean")


def test_a_cold_build_with_a_cache_folder_it_cannot_write_publishes_with_a_notice(
        make_site, tmp_path) -> None:
    import errno

    from newsgen.store import Store

    root = make_site(base_files())
    out = tmp_path / "out"

    def read_only(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Store, "reset", read_only)
        result = build(site_config(root, output_dir=out), jobs=1)

    assert result.notices == ("build cache not saved (Read-only file system): the next "
                              "build does all the work again",)
    assert snapshot(out) == clean_build(root, tmp_path / "clean")


def test_a_month_pages_cache_row_points_at_its_year_instead_of_holding_it(
        make_site, tmp_path) -> None:
    """A month's page shows its year (a link to it). Its cache row refers to the year's
    own row rather than holding every article of the year: 1.2 MB a month page at
    100,000 articles, all arriving together while the build renders."""
    import sqlite3

    root = make_site(base_files())
    build(site_config(root, output_dir=tmp_path / "out"), jobs=1)
    with contextlib.closing(sqlite3.connect(root / ".newsgen-cache" / STORE_FILE)) as db:
        ((january,),) = db.execute("SELECT row FROM pages WHERE path = ?",
                                   ("archive/2024/01/index.html",)).fetchall()
        ((year,),) = db.execute("SELECT row FROM groups WHERE url = ?",
                                ("/archive/2024/",)).fetchall()
    # Stories 0 and 5 are January's; story 1 is February's.
    assert b"/2024/01/story-number-5/" in january
    assert b"story-number-1/" not in january
    assert b"/2024/02/story-number-1/" in year
