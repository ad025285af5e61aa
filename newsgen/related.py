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
import hashlib
import heapq
import math
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from newsgen.models import Article
from newsgen.parallel import map_chunks

# Posting lists longer than this are walked by date instead of read in full.
LONG_LIST = 256
# At most this many of an article's topics are walked; the others are read in full.
MAX_WALKED = 6
_BATCH = 16  # walk steps between two checks of the stop bound
# Sets of long-list topics carried by at most this many articles are ranked in full.
FEW = 64
# Articles with more long-list topics than this are not counted per set of them (2**n
# sets): sets are checked against them one by one when asked for.
WIDE = 12
_SCALE = 1_000_000  # integer weights make scores exact and order-independent

Key = tuple[int, int, int, str]  # (-score, date distance, -timestamp, url): smaller is better


# Per set of long-list topics (a bit mask): how many articles carry them all, and which
# when few.
_Containing = dict[int, tuple[int, tuple[int, ...] | None]]


@dataclass(frozen=True)
class _Index:
    stamps: list[int]
    urls: list[str]
    topics: list[frozenset[str]]
    postings: dict[str, list[int]]  # topic -> article ids sorted by (stamp, id)
    weight: dict[str, int]
    ids: dict[str, int]  # url -> article id
    bits: dict[str, int]  # long-list topic -> its bit
    masks: list[int]  # per article: the bits of its long-list topics
    carrying: dict[int, int]  # set of long-list topics -> articles carrying all of it
    few: dict[int, list[int]]  # ... -> those articles (unsorted), while at most FEW
    wide: list[int]  # articles with more than WIDE long-list topics: not counted above


def related_articles(articles: Sequence[Article], limit: int,
                     jobs: int = 1) -> dict[str, tuple[Article, ...]]:
    """Map each article URL to at most ``limit`` related articles, best first.

    Each article's list is independent of the others': with ``jobs > 1`` slices of the
    articles are ranked in forked worker processes that share the index.
    """
    global _JOB
    if limit <= 0 or not articles:
        return {}
    _JOB = (_build_index(articles), limit)
    try:
        ranked = [ids for chunk in map_chunks(_rank_chunk, range(len(articles)), jobs)
                  for ids in chunk]
    finally:
        _JOB = None
    return {article.url: tuple(articles[j] for j in ids)
            for article, ids in zip(articles, ranked, strict=True) if ids}


# What a ranking reads of an article, by source file: its URL (the last tie-break), its
# timestamp and its topic slugs.
Entry = tuple[str, int, tuple[str, ...]]


def ranking_entries(articles: Sequence[Article]) -> dict[str, Entry]:
    return {a.source_path: (a.url, int(a.date.timestamp()), tuple(sorted(a.topic_slugs)))
            for a in articles}


def ranking_key(limit: int, entries: Mapping[str, Entry]) -> str:
    """What the lists depend on: the limit and the entries, in the articles' order."""
    digest = hashlib.sha1(f"{limit}".encode())
    for url, stamp, topics in entries.values():
        digest.update(f"\0{url}\0{stamp}\0{','.join(topics)}".encode())
    return f"{limit}:{digest.hexdigest()}"


def moved_urls(old: Mapping[str, Entry], new: Mapping[str, Entry]) -> dict[str, str] | None:
    """Old URL → new URL of the articles whose URL alone changed (a headline edit moves
    its slug), when that is all that changed for the ranking; else None."""
    if old.keys() != new.keys():
        return None
    moved = {}
    for path, (url, stamp, topics) in new.items():
        old_url, old_stamp, old_topics = old[path]
        if (old_stamp, old_topics) != (stamp, topics):
            return None
        if old_url != url:
            moved[old_url] = url
    return moved


def update_related(articles: Sequence[Article], limit: int,
                   previous: Mapping[str, Sequence[str]], moved: Mapping[str, str],
                   ) -> dict[str, tuple[Article, ...]]:
    """``related_articles`` after the articles in ``moved`` (old URL → new URL) changed
    URL and nothing else (``moved_urls``), from the ``previous`` lists (URLs, old ones).

    A URL only breaks ties: a moved article's key changes against just those with the
    same score, distance and timestamp. So a list none of whose members is timestamped
    like a moved article (which rules out holding one) is the same list: a moved article
    it lacks ranked below its last member and still does, as they cannot tie. The other
    lists are ranked again. Scores are unchanged: no topic, date or article changed.
    """
    by_url = {article.url: article for article in articles}
    moved_stamps = {int(by_url[url].date.timestamp()) for url in moved.values()}
    kept: dict[str, tuple[Article, ...]] = {}
    again: list[str] = []
    for old_url, members in previous.items():
        url = moved.get(old_url, old_url)
        current = [by_url[moved.get(m, m)] for m in members]
        if any(int(a.date.timestamp()) in moved_stamps for a in current):
            again.append(url)
        else:
            kept[url] = tuple(current)
    if again:
        index = _build_index(articles)
        containing: _Containing = {}
        for url in again:
            ids = _top_related(index.ids[url], index, limit, containing)
            if ids:
                kept[url] = tuple(articles[j] for j in ids)
    # In the order related_articles gives.
    return {a.url: kept[a.url] for a in articles if a.url in kept}


# What forked workers inherit: the index and the limit.
_JOB: tuple[_Index, int] | None = None


def _rank_chunk(ids: Sequence[int]) -> list[list[int]]:
    assert _JOB is not None
    index, limit = _JOB
    containing: _Containing = {}
    return [_top_related(i, index, limit, containing) for i in ids]


def _build_index(articles: Sequence[Article]) -> _Index:
    stamps = [int(a.date.timestamp()) for a in articles]
    topics = [frozenset(a.topic_slugs) for a in articles]
    postings: dict[str, list[int]] = {}
    for i in sorted(range(len(articles)), key=lambda i: (stamps[i], i)):
        for topic in topics[i]:
            postings.setdefault(topic, []).append(i)
    total = len(articles)
    weight = {t: round(math.log1p(total / len(ids)) * _SCALE) for t, ids in postings.items()}
    long = sorted(t for t, ids in postings.items() if len(ids) > LONG_LIST)
    bits = {t: 1 << n for n, t in enumerate(long)}
    masks = [sum(bits[t] for t in mine if t in bits) for mine in topics]
    carrying: dict[int, int] = {}
    few: dict[int, list[int]] = {}
    wide = []
    alike: dict[int, list[int]] = {}  # many articles carry the same long-list topics
    for j, mask in enumerate(masks):
        alike.setdefault(mask, []).append(j)
    for mask, group in alike.items():
        if mask.bit_count() > WIDE:
            wide += group
            continue
        size = len(group)
        for s in _submasks(mask):
            n = carrying[s] = carrying.get(s, 0) + size
            if n <= FEW:
                if (members := few.get(s)) is None:
                    few[s] = list(group)
                else:
                    members += group
            elif n - size <= FEW:
                few.pop(s, None)
    return _Index(stamps, [a.url for a in articles], topics, postings, weight,
                  {a.url: i for i, a in enumerate(articles)}, bits, masks, carrying, few,
                  wide)


def _submasks(mask: int) -> Iterator[int]:
    """Every non-empty set of the bits of ``mask``."""
    s = mask
    while s:
        yield s
        s = (s - 1) & mask


def _top_related(i: int, ix: _Index, limit: int,
                 containing: _Containing) -> list[int]:
    mine = ix.topics[i]
    by_length = sorted(mine, key=lambda t: (-len(ix.postings[t]), t))
    walked = [t for t in by_length[:MAX_WALKED] if len(ix.postings[t]) > LONG_LIST]
    walked_set = frozenset(walked)
    here = ix.stamps[i]

    def key(j: int) -> Key:
        score = sum(ix.weight[t] for t in mine & ix.topics[j])
        stamp = ix.stamps[j]
        return (-score, abs(stamp - here), -stamp, ix.urls[j])

    # Short lists are read in full: integer score accumulation is cheap (the longest one
    # in C). Candidates found there also get the weight of the long-list topics they
    # share (by their bit masks): exact scores.
    short = sorted(mine - walked_set, key=lambda t: (-len(ix.postings[t]), t))
    scores: dict[int, int] = (dict.fromkeys(ix.postings[short[0]], ix.weight[short[0]])
                              if short else {})
    for topic in short[1:]:
        weight = ix.weight[topic]
        for j in ix.postings[topic]:
            scores[j] = scores.get(j, 0) + weight
    scores.pop(i, None)
    # The walked topics as a bit mask, and what each set of them adds to a score.
    walked_mask = sum(ix.bits[t] for t in walked)
    gains = {s: sum(ix.weight[t] for t in walked if ix.bits[t] & s)
             for s in _submasks(walked_mask)}
    if walked:
        masks = ix.masks
        for j in scores:
            shared = masks[j] & walked_mask
            if shared:
                scores[j] += gains[shared]
    if len(scores) > 4 * limit:
        # Only candidates scoring at least the limit-th best score can place: full keys
        # (with the date tie-break) are computed for those alone.
        threshold = heapq.nlargest(limit, scores.values())[-1]
        candidates = [j for j, score in scores.items() if score >= threshold]
    else:
        candidates = list(scores)
    stamps, urls = ix.stamps, ix.urls
    best = heapq.nsmallest(limit, [(-scores[j], abs(stamps[j] - here), -stamps[j], urls[j])
                                   for j in candidates])
    if walked:
        seen = set(scores)
        seen.add(i)
        _walk(i, ix, limit, walked, walked_mask, gains, seen, best, key, containing)
    return [ix.ids[k[3]] for k in best]


def _walk(i: int, ix: _Index, limit: int, walked: list[str], walked_mask: int,
          gain: Mapping[int, int], seen: set[int], best: list[Key], key: Callable[[int], Key],
          containing: _Containing) -> None:
    """Walk the long posting lists outward from article ``i``'s date (see module doc).

    An unseen article sharing exactly the set ``S`` of long-list topics scores ``gain[S]`` and
    lies beyond the walk's frontier in every list of ``S``, in particular in the shortest
    one, its pilot. So ``(-gain[S], pilot frontier)`` bounds the key of every unseen member
    of ``S``; the walk always advances the set with the best bound, and ends when no bound
    can beat the current ``limit``-th best key or no set has unseen members left.
    ``walked_mask``: the walked topics' bits; ``gain``: by every set of them.
    """
    if len(best) == limit and best[-1][0] < -gain[walked_mask]:
        return  # even an article sharing every long-list topic would not place
    subsets = list(gain)
    members = {s: _containing(s, ix, containing) for s in subsets}
    # Articles already ranked (and ``i`` itself) are not "unseen": count them by the
    # long-list topics they carry, then take them off each set's total.
    remaining = {s: count for s, (count, _) in members.items()}
    for shared, n in Counter(ix.masks[j] & walked_mask for j in seen).items():
        for s in _submasks(shared):
            remaining[s] -= n

    def take(j: int) -> None:
        """Rank unseen article ``j``: it is seen now, and counts no more as remaining."""
        seen.add(j)
        for s in _submasks(ix.masks[j] & walked_mask):
            remaining[s] -= 1
        candidate = key(j)
        if len(best) < limit or candidate < best[-1]:
            bisect.insort(best, candidate)
            del best[limit:]

    pilot = {s: min((t for t in walked if ix.bits[t] & s), key=lambda t: (len(ix.postings[t]), t))
             for s in subsets}
    here = ix.stamps[i]
    stamps = ix.stamps
    lists = {t: ix.postings[t] for t in walked}
    cursor: dict[str, list[int]] = {}  # per list: next older (left) and next newer (right)
    for t, ids in lists.items():
        pos = bisect.bisect_left(ids, (here, i), key=lambda j: (stamps[j], j))
        cursor[t] = [pos - 1, pos]

    def frontier(t: str) -> tuple[float, int]:
        ids, (left, right) = lists[t], cursor[t]
        dl = here - stamps[ids[left]] if left >= 0 else math.inf
        dr = stamps[ids[right]] - here if right < len(ids) else math.inf
        return (dl, 0) if dl <= dr else (dr, 1)

    while True:
        chosen: tuple[tuple[float, float], int] | None = None
        fronts = {t: frontier(t)[0] for t in walked}
        for s in subsets:
            if remaining[s] <= 0:
                continue
            # A set with few members is ranked in full when its turn comes (its bound
            # is its gain at distance 0): walking to them could mean walking a whole
            # list (they may be years away), and the longer the archive, the longer
            # the lists. Sets with many members are walked, and those are found near.
            distance = 0 if members[s][1] is not None else fronts[pilot[s]]
            if distance == math.inf:
                continue
            bound = (-gain[s], distance)
            if len(best) == limit and (best[-1][0], best[-1][1]) < bound:
                continue
            if chosen is None or bound < chosen[0]:
                chosen = (bound, s)
        if chosen is None:
            return
        few = members[chosen[1]][1]
        if few is not None:
            for j in few:
                if j not in seen:
                    take(j)
            continue
        topic = pilot[chosen[1]]
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
            take(j)


def _containing(s: int, ix: _Index, memo: _Containing) -> tuple[int, tuple[int, ...] | None]:
    """How many articles carry all of the long-list topics ``s``, and which when few."""
    if s not in memo:
        count = ix.carrying.get(s, 0)
        extra = [j for j in ix.wide if ix.masks[j] & s == s]
        count += len(extra)
        memo[s] = (count, tuple(sorted((*ix.few.get(s, ()), *extra))) if count <= FEW else None)
    return memo[s]
