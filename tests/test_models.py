"""Articles leave the worker processes, and enter the build cache, pickled: they come
back equal, with their dates in the very zone object the site's dates use."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from newsgen.models import Article, Correction, Heading, Ref, Tag, encode_body


def _article(**changes: object) -> Article:
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    values: dict[str, object] = dict(
        source_path="articles/a.md", title="A", date=datetime(2024, 1, 30, 9, 15, tzinfo=zone),
        slug="a", url="/2024/01/a/", body_utf8=encode_body("<p>Body \ud800 é</p>"),
        summary="S", source="NDO", source_url="https://example.org/",
        topics=(Tag("Rice", "rice"), Tag("Việt Nam", "viet-nam")), authors=("Lan",),
        bylines=(Tag("Lan", "lan"),), source_slug="ndo",
        updated=datetime(2024, 1, 31, tzinfo=zone),
        corrections=(Correction(datetime(2024, 2, 1, 8, tzinfo=zone), "Fixed."),),
        embargo=datetime(2024, 1, 30, 6, tzinfo=zone), reading_minutes=3,
        toc=(Heading("one", "One", (Heading("two", "Two"),)),), image="/static/a.jpg",
        image_alt="Alt", draft=True,
        extra={"deadline": date(2024, 3, 1), "at": datetime(2024, 3, 1, tzinfo=UTC)},
        refs=(Ref("a", "https://example.org/x", 12), Ref("img", "/static/a.jpg", 14, "Alt")),
        key_lines={"title": 2, "date": 3},
    )
    values.update(changes)
    return Article(**values)  # type: ignore[arg-type]


def test_an_article_comes_back_from_pickle_as_it_was() -> None:
    article = _article()
    back = pickle.loads(pickle.dumps(article, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == article
    assert back.date.tzinfo is article.date.tzinfo  # compares as the parsed dates do
    assert back.corrections[0].date.tzinfo is article.date.tzinfo
    assert type(back.topics[0]) is Tag and type(back.bylines[0]) is Tag
    assert type(back.refs[1]) is Ref and back.refs[1].alt == "Alt"
    assert type(back.corrections[0]) is Correction and type(back.toc[0]) is Heading
    assert back.body_html == article.body_html


def test_dates_keep_their_fold_and_other_zones() -> None:
    """The repeated hour of a clock change keeps which of the two it is; a date in a
    fixed-offset zone, and an article without optional dates, come back as they were."""
    zone = ZoneInfo("Europe/Berlin")
    late = datetime(2024, 10, 27, 2, 30, tzinfo=zone, fold=1)
    for article in (_article(date=late), _article(date=datetime(2024, 1, 30, tzinfo=UTC)),
                    _article(updated=None, embargo=None, corrections=(), topics=())):
        back = pickle.loads(pickle.dumps(article, protocol=pickle.HIGHEST_PROTOCOL))
        assert back == article
        assert back.date.fold == article.date.fold
        assert back.date.utcoffset() == article.date.utcoffset()
