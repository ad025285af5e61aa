"""Digests of what an article shows: its card (every field but the body) and its body.

Pages are fingerprinted by the digests of the articles they read (``fingerprint``,
``reads``), and the cache keeps each article's digests with its rows. They are computed
where the article is parsed, in the worker processes, so a build's main process does
not pickle every article again to digest it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import pickle

from newsgen.models import Article

# Article fields that come from the Markdown body; every other field is the article's card.
# (``body_html`` is the decoded ``body_utf8``.)
BODY_FIELDS = frozenset({"body_utf8", "body_html", "toc", "refs"})
CARD_FIELDS = tuple(f.name for f in dataclasses.fields(Article) if f.name not in BODY_FIELDS)
_BODY_REST = ("refs", "toc")
DIGEST_SIZE = hashlib.sha1().digest_size


def card_digest(article: Article) -> bytes:
    fields = tuple(getattr(article, name) for name in CARD_FIELDS)
    return hashlib.sha1(pickle.dumps(fields, protocol=pickle.HIGHEST_PROTOCOL)).digest()


def body_digest(article: Article) -> bytes:
    digest = hashlib.sha1(article.body_utf8 + b"\0")
    digest.update(pickle.dumps(tuple(getattr(article, name) for name in _BODY_REST),
                               protocol=pickle.HIGHEST_PROTOCOL))
    return digest.digest()


def article_digests(article: Article) -> bytes:
    """The card digest followed by the body digest (``DIGEST_SIZE`` bytes each)."""
    return card_digest(article) + body_digest(article)
