"""Related articles: the ranking a reader sees, and the index matching brute force."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from newsgen import related
from newsgen.models import Article, Tag
from newsgen.related import related_articles

START = datetime(2024, 1, 1, tzinfo=UTC)


def make(name: str, day: float, *topics: str) -> Article:
    return Article(source_path=f"articles/{name}.md", title=name.title(),
                   date=START + timedelta(days=day), slug=name, url=f"/{name}/",
                   body_utf8=b"", summary="", topics=tuple(Tag(t, t) for t in topics))


def titles(result: dict[str, tuple[Article, ...]], article: Article) -> list[str]:
    return [a.slug for a in result.get(article.url, ())]


def test_rare_shared_topic_beats_common_one() -> None:
    me = make("me", 10, "economy", "laos")
    common = make("common", 10.5, "economy")  # nearer in date, but shares a common topic
    rare = make("rare", 40, "laos")
    filler = [make(f"e{n}", n, "economy") for n in range(6)]
    result = related_articles([me, common, rare, *filler], limit=3)
    assert titles(result, me)[0] == "rare"


def test_more_shared_topics_rank_higher() -> None:
    me = make("me", 0, "a", "b")
    one = make("one", 1, "a")
    two = make("two", 30, "a", "b")
    result = related_articles([me, one, two, make("x", 2, "b")], limit=5)
    assert titles(result, me)[0] == "two"


def test_ties_go_to_the_nearer_date_then_the_newer() -> None:
    me = make("me", 10, "a")
    far = make("far", 1, "a")
    near = make("near", 12, "a")
    before = make("before", 8, "a")
    result = related_articles([far, me, near, before], limit=3)
    # near (+2 days) and before (-2 days) tie on distance: the newer comes first.
    assert titles(result, me) == ["near", "before", "far"]


def test_limit_and_unrelated_articles() -> None:
    me = make("me", 0, "a")
    others = [make(f"o{n}", n + 1, "a") for n in range(8)]
    lonely = make("lonely", 3, "z")
    result = related_articles([me, *others, lonely], limit=5)
    assert len(titles(result, me)) == 5
    assert "lonely" not in titles(result, me)
    assert lonely.url not in result
    assert "me" not in titles(result, me)
    assert related_articles([me, *others], limit=0) == {}


def brute_force(articles: list[Article], limit: int) -> dict[str, list[str]]:
    """All pairs, straight from the definition: the reference the index must match."""
    df: dict[str, int] = {}
    for a in articles:
        for t in a.topic_slugs:
            df[t] = df.get(t, 0) + 1
    n = len(articles)
    weight = {t: round(math.log1p(n / c) * related._SCALE) for t, c in df.items()}
    out = {}
    for a in articles:
        keys = []
        for b in articles:
            shared = set(a.topic_slugs) & set(b.topic_slugs)
            if b is a or not shared:
                continue
            distance = abs(int(b.date.timestamp()) - int(a.date.timestamp()))
            keys.append((-sum(weight[t] for t in shared), distance,
                         -int(b.date.timestamp()), b.url))
        if keys:
            out[a.url] = [k[3] for k in sorted(keys)[:limit]]
    return out


TOPICS = [f"t{n}" for n in range(8)]
corpora = st.lists(
    st.tuples(st.integers(0, 60), st.lists(st.sampled_from(TOPICS), min_size=1, max_size=4,
                                           unique=True)),
    min_size=1, max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(corpus=corpora, limit=st.integers(1, 6), long_list=st.sampled_from([0, 3, 10_000]),
       few=st.sampled_from([0, 2, 64]), wide=st.sampled_from([0, 2, 12]))
def test_index_matches_brute_force(corpus: list[tuple[int, list[str]]], limit: int,
                                   long_list: int, few: int, wide: int) -> None:
    # long_list 0: every list is walked by date; 10_000: every list is read in full.
    # few 0: the walk finds every member of a set of walked topics; 64: sets are ranked
    # in full; 2: some of each. wide 0: no article is counted per set of its topics
    # ahead of time; 2: those with 3 or 4 topics are not.
    articles = [make(f"a{n:03d}", day, *topics) for n, (day, topics) in enumerate(corpus)]
    original = related.LONG_LIST, related.FEW, related.WIDE
    related.LONG_LIST, related.FEW, related.WIDE = long_list, few, wide
    try:
        result = related_articles(articles, limit)
    finally:
        related.LONG_LIST, related.FEW, related.WIDE = original
    got = {url: [a.url for a in items] for url, items in result.items()}
    assert got == brute_force(articles, limit)


def test_worker_processes_rank_exactly_as_one_process() -> None:
    import random

    rng = random.Random(7)
    articles = [make(f"w{n:04d}", rng.uniform(0, 900),
                     *rng.sample(TOPICS, rng.randint(1, 3))) for n in range(400)]
    one = related_articles(articles, 5, jobs=1)
    two = related_articles(articles, 5, jobs=2)
    assert {u: [a.url for a in v] for u, v in two.items()} == \
        {u: [a.url for a in v] for u, v in one.items()}
    assert len(one) == 400


# Few distinct days: many articles share a timestamp, so URLs decide ties.
tied_corpora = st.lists(
    st.tuples(st.integers(0, 4), st.lists(st.sampled_from(TOPICS[:4]), min_size=1,
                                          max_size=3, unique=True)),
    min_size=2, max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(corpus=tied_corpora, limit=st.integers(1, 5), data=st.data())
def test_lists_updated_after_urls_moved_match_a_full_ranking(
        corpus: list[tuple[int, list[str]]], limit: int, data: st.DataObject) -> None:
    """A headline edit that moves an article's URL re-ranks only the lists the move can
    change; the result is the ranking of the whole site from scratch."""
    import dataclasses

    before = [make(f"a{n:03d}", day, *topics) for n, (day, topics) in enumerate(corpus)]
    which = data.draw(st.sets(st.integers(0, len(before) - 1), min_size=1, max_size=3))
    # New URLs sort anywhere among the old ones: before, between or after them.
    after = [dataclasses.replace(a, url=f"/{data.draw(st.sampled_from('0aAz'))}{a.slug}-x/")
             if i in which else a for i, a in enumerate(before)]
    previous = {url: tuple(a.url for a in items)
                for url, items in related_articles(before, limit).items()}
    moved = related.moved_urls(related.ranking_entries(before),
                               related.ranking_entries(after))
    assert moved == {before[i].url: after[i].url for i in which}
    updated = related.update_related(after, limit, previous, moved)
    expected = related_articles(after, limit)
    assert {u: [a.url for a in v] for u, v in updated.items()} == \
        {u: [a.url for a in v] for u, v in expected.items()}
    assert list(updated) == list(expected)


def test_moved_urls_is_none_when_more_than_urls_changed() -> None:
    import dataclasses

    a, b = make("a", 1, "x"), make("b", 2, "x")
    entries = related.ranking_entries([a, b])
    redated = related.ranking_entries([dataclasses.replace(a, date=START), b])
    retopiced = related.ranking_entries([a, dataclasses.replace(b, topics=(Tag("y", "y"),))])
    assert related.moved_urls(entries, redated) is None
    assert related.moved_urls(entries, retopiced) is None
    assert related.moved_urls(entries, related.ranking_entries([a])) is None
    assert related.moved_urls(entries, entries) == {}
