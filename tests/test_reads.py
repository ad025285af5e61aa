"""The tracking environment answers lookups as Jinja's own does, and notes article reads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import jinja2
import pytest

from newsgen import reads
from newsgen.models import Article, ArticleRef
from newsgen.reads import TrackingEnvironment

STORY = Article(source_path="articles/a.md", title="A <title>",
                date=datetime(2024, 1, 2, tzinfo=UTC),
                slug="a", url="/2024/01/a/", body_utf8=b"<p>Body</p>", summary="S")


class Both:
    """An object with an attribute and items, and one that fails oddly."""

    name = "attribute"

    def __getitem__(self, key: Any) -> Any:
        if key == "boom":
            raise AttributeError(key)
        if key == "name" or key == 0:
            return "item"
        raise KeyError(key)


class Text(str):
    def __str__(self) -> str:
        raise ValueError("no")


LOOKUPS: list[tuple[Any, Any]] = [
    (STORY, "title"), (STORY, "body_html"), (STORY, "nope"), (STORY, 0),
    (ArticleRef(STORY.url, lambda url: STORY), "summary"),
    ({"a": 1}, "a"), ({"a": 1}, "keys"), ({"a": 1}, "b"), ([1, 2], 0), ([1, 2], "count"),
    ([1, 2], 5), ("text", "upper"), ("text", 1), (Both(), "name"), (Both(), 0),
    (Both(), "boom"), (Both(), "other"), (None, "x"), (Both(), Text("name")),
]


def same(left: Any, right: Any) -> bool:
    if isinstance(left, jinja2.Undefined):
        return type(left) is type(right) and str(left._undefined_message) == str(
            right._undefined_message)
    return bool(left == right)


@pytest.mark.parametrize(("obj", "key"), LOOKUPS)
def test_lookups_answer_as_jinja_does(obj: Any, key: Any) -> None:
    ours, jinjas = TrackingEnvironment(), jinja2.Environment()
    if isinstance(key, str):
        assert same(ours.getattr(obj, key), jinjas.getattr(obj, key))
    assert same(ours.getitem(obj, key), jinjas.getitem(obj, key))


def test_lookups_note_cards_and_bodies() -> None:
    env = TrackingEnvironment()
    reads.collect()
    env.getattr(STORY, "title")
    assert reads.collect() == ((STORY.url,), ())
    env.getitem(STORY, "body_html")
    assert reads.collect() == ((), (STORY.url,))
    env.getattr({"title": "x"}, "title")
    assert reads.collect() == ((), ())


def test_articles_have_no_items() -> None:
    """``getitem`` goes straight to an article's attributes: articles must not be
    subscriptable (else it must try ``obj[argument]`` first, as Jinja does)."""
    for article in (STORY, ArticleRef(STORY.url, lambda url: STORY)):
        with pytest.raises(TypeError):
            article["title"]  # type: ignore[index]
