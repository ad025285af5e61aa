"""Related articles through an inverted topic index, never by comparing all pairs.

Two articles are related when they share a topic. Each shared topic ``t`` adds
``log(1 + N / df(t))``: a rare shared topic counts more than a common one. Ties go to the
article nearer in date, then the newer one, then the URL, so the order is deterministic.

Short posting lists (rare topics) are read in full. Long ones (common topics) are walked
outward from the article's date, and the walk stops as soon as no unseen article could
still enter the top ``limit`` (a threshold algorithm, as in Fagin's TA). The stop bound is
exact: for every set ``S`` of common topics the article has, the index knows how many other
articles carry all of ``S``, so a set with no unseen members left no longer holds the walk.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from newsgen.models import Article

# Posting lists longer than this are walked by date instead of read in full.
LONG_LIST = 256
# At most this many of an article's topics are walked; the others are read in full.
MAX_WALKED = 6
_BATCH = 32  # walk steps between two checks of the stop bound
_SCALE = 1_000_000  # integer weights make scores exact and order-independent

Key = tuple[int, int, int, str]  # (-score, date distance, -timestamp, url): smaller is better


@dataclass(frozen=True)
class _Index:
    stamps: list[int]
    urls: list[str]
    topics: list[frozenset[str]]
    postings: dict[str, list[int]]  # topic -> article ids sorted by (stamp, id)
    posting_sets: dict[str, frozenset[int]]
    weight: dict[str, int]


def related_articles(articles: Sequence[Article], limit: int) -> dict[str, tuple[Article, ...]]:
    """Map each article URL to at most ``limit`` related articles, best first."""
    if limit <= 0 or not articles:
        return {}
    index = _build_index(articles)
    containing: dict[frozenset[str], int] = {}
    result: dict[str, tuple[Article, ...]] = {}
    for i, article in enumerate(articles):
        ids = _top_related(i, index, limit, containing)
        if ids:
            result[article.url] = tuple(articles[j] for j in ids)
    return result


def _build_index(articles: Sequence[Article]) -> _Index:
    stamps = [int(a.date.timestamp()) for a in articles]
    topics = [frozenset(a.topic_slugs) for a in articles]
    postings: dict[str, list[int]] = {}
    for i in sorted(range(len(articles)), key=lambda i: (stamps[i], i)):
        for topic in topics[i]:
            postings.setdefault(topic, []).append(i)
    total = len(articles)
    weight = {t: round(math.log1p(total / len(ids)) * _SCALE) for t, ids in postings.items()}
    return _Index(stamps, [a.url for a in articles], topics, postings,
                  {t: frozenset(ids) for t, ids in postings.items()}, weight)


def _top_related(i: int, ix: _Index, limit: int,
                 containing: dict[frozenset[str], int]) -> list[int]:
    mine = ix.topics[i]
    by_length = sorted(mine, key=lambda t: (-len(ix.postings[t]), t))
    walked = [t for t in by_length[:MAX_WALKED] if len(ix.postings[t]) > LONG_LIST]
    walked_set = frozenset(walked)

    def key(j: int) -> Key:
        score = sum(ix.weight[t] for t in mine & ix.topics[j])
        stamp = ix.stamps[j]
        return (-score, abs(stamp - ix.stamps[i]), -stamp, ix.urls[j])

    seen: set[int] = {i}
    for topic in mine - walked_set:
        seen.update(ix.postings[topic])
    best = sorted(key(j) for j in seen if j != i)[:limit]
    if walked:
        _walk(i, ix, limit, walked, seen, best, key, containing)
    position = {url: j for j, url in ((j, ix.urls[j]) for j in seen)}
    return [position[k[3]] for k in best]


def _walk(i: int, ix: _Index, limit: int, walked: list[str], seen: set[int], best: list[Key],
          key: object, containing: dict[frozenset[str], int]) -> None:
    """Walk the long posting lists outward from article ``i``'s date (see module doc)."""
    assert callable(key)
    subsets = [frozenset(c) for n in range(1, len(walked) + 1)
               for c in combinations(walked, n)]
    walked_set = frozenset(walked)
    remaining = {s: _count_containing(s, ix, containing) for s in subsets}
    for j in seen:  # articles already ranked are not "unseen"
        _discount(ix.topics[j] & walked_set, remaining)
    gain = {s: sum(ix.weight[t] for t in s) for s in subsets}
    here = ix.stamps[i]
    # Two cursors per list: the next older (left) and next newer (right) entry.
    lists = {t: ix.postings[t] for t in walked}
    cursor = {}
    for t, ids in lists.items():
        pos = bisect.bisect_left(ids, (here, i), key=lambda j: (ix.stamps[j], j))
        cursor[t] = [pos - 1, pos]

    def frontier(t: str) -> tuple[float, int]:
        ids, (left, right) = lists[t], cursor[t]
        dl = here - ix.stamps[ids[left]] if left >= 0 else math.inf
        dr = ix.stamps[ids[right]] - here if right < len(ids) else math.inf
        return (dl, 0) if dl <= dr else (dr, 1)

    while True:
        fronts = {t: frontier(t) for t in walked}
        open_lists: set[str] = set()
        for s in subsets:
            if remaining[s] <= 0:
                continue
            distance = max(fronts[t][0] for t in s)
            if distance == math.inf:
                continue
            if len(best) == limit and (best[-1][0], best[-1][1]) < (-gain[s], distance):
                continue
            open_lists.update(s)
        if not open_lists:
            return
        topic = min(open_lists, key=lambda t: (fronts[t][0], t))
        ids = lists[topic]
        # Walking further than needed never changes the result, so the bound is
        # re-checked only every few steps: the check costs more than a step.
        for _ in range(_BATCH):
            distance, side = frontier(topic)
            if distance == math.inf:
                break
            j = ids[cursor[topic][side]]
            cursor[topic][side] += 1 if side else -1
            if j in seen:
                continue
            seen.add(j)
            _discount(ix.topics[j] & walked_set, remaining)
            bisect.insort(best, key(j))
            del best[limit:]


def _discount(shared: frozenset[str], remaining: dict[frozenset[str], int]) -> None:
    for s in remaining:
        if s <= shared:
            remaining[s] -= 1


def _count_containing(topics: frozenset[str], ix: _Index,
                      memo: dict[frozenset[str], int]) -> int:
    if topics not in memo:
        sets = sorted((ix.posting_sets[t] for t in topics), key=len)
        memo[topics] = len(sets[0].intersection(*sets[1:]))
    return memo[topics]
