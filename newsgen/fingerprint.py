"""Fingerprints of planned pages: a digest of everything a page shows.

A page whose fingerprint matches the one recorded for its file by the previous build is
neither rendered nor rewritten. The fingerprint covers the page's URL, its template and
every template that template extends, includes or imports, the site-wide values every
page shows, the config and newsgen's code, and its context's structure with each article
as its URL (``Fingerprints.page``); then the articles the page read when it was last
rendered: the cards of some, the bodies of others (``Fingerprints.reads``, see ``reads``).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import jinja2
from jinja2 import meta

from newsgen.digests import DIGEST_SIZE, body_digest, card_digest
from newsgen.models import ARTICLE_TYPES, Article, Topic
from newsgen.pages import Page

# What the build cache keeps for each page written: the digest of its structure
# (``Fingerprints.page``), the URLs of the articles whose cards and whose bodies it showed,
# and the digest of those (``Fingerprints.reads``).
PagePrint = tuple[str, tuple[str, ...], tuple[str, ...], str]


class Fingerprints:
    def __init__(self, env: jinja2.Environment, site_key: str) -> None:
        self.env = env
        self.site_key = site_key.encode()
        self._templates: dict[str, bytes] = {}
        self._memo: dict[int, tuple[object, bytes]] = {}  # id -> (object kept alive, digest)
        self._cards: dict[int, tuple[Article, bytes]] = {}
        self._bodies: dict[int, tuple[Article, bytes]] = {}

    def unchanged(self, previous: PagePrint | None, structure: str,
                  articles: Mapping[str, Article]) -> bool:
        """Whether a page recorded as ``previous`` would render the same now."""
        return (previous is not None and previous[0] == structure
                and previous[3] == self.reads(previous[1], previous[2], articles))

    def record(self, structure: str, cards: tuple[str, ...], bodies: tuple[str, ...],
               articles: Mapping[str, Article]) -> PagePrint:
        """What to keep for a page just rendered, having read those cards and bodies."""
        return (structure, cards, bodies, self.reads(cards, bodies, articles))

    def reads(self, cards: Sequence[str], bodies: Sequence[str],
              articles: Mapping[str, Article]) -> str:
        """Digest of the cards and bodies of the articles at those URLs (site URLs)."""
        digest = hashlib.sha1()
        for urls, part in ((cards, self.card), (bodies, self.body)):
            for url in urls:
                article = articles.get(url)
                digest.update(url.encode() + b"\0")
                digest.update(part(article) if article is not None else b"gone")
            digest.update(b"\1")
        return digest.hexdigest()

    def card(self, article: Article) -> bytes:
        known = self._cards.get(id(article))
        if known is None:
            known = self._cards[id(article)] = (article, card_digest(article))
        return known[1]

    def body(self, article: Article) -> bytes:
        known = self._bodies.get(id(article))
        if known is None:
            known = self._bodies[id(article)] = (article, body_digest(article))
        return known[1]

    def forget_structures(self) -> None:
        """Drop the memo of context values ``page`` keeps (a digest for every list and
        mapping of every page's context): the pages' digests are taken."""
        self._memo.clear()

    def seed(self, article: Article, digests: bytes) -> None:
        """Take ``article``'s card and body digests as computed where it was parsed
        (``digests.article_digests``)."""
        self._cards[id(article)] = (article, digests[:DIGEST_SIZE])
        self._bodies[id(article)] = (article, digests[DIGEST_SIZE:])

    def page(self, page: Page) -> str:
        digest = hashlib.sha1(self.site_key)
        # Pages built in code (the JSON Feed) have no template; the code is in the site key.
        digest.update(self.template(page.template) if page.template
                      else f"code:{page.renderer}".encode())
        digest.update(page.url.encode())
        digest.update(self.value(page.context))
        return digest.hexdigest()

    def templates(self, names: Iterable[str]) -> dict[str, bytes]:
        """The digests of the templates ``names`` (``template``), to seed another build's
        with (``seed_templates``) while no template file, setting or code changed."""
        found = {name: self.template(name) for name in names}
        return {name: digest for name, digest in found.items()
                if not digest.startswith(_UNRENDERABLE)}

    def seed_templates(self, digests: Mapping[str, bytes]) -> None:
        self._templates.update(digests)

    def template(self, name: str) -> bytes:
        """Digest of a template and, transitively, every template it references."""
        if name not in self._templates:
            self._templates[name] = self._template_closure(name)
        return self._templates[name]

    def _template_closure(self, name: str) -> bytes:
        loader = self.env.loader
        assert loader is not None
        sources: dict[str, str] = {}
        pending = [name]
        while pending:
            current = pending.pop()
            if current in sources:
                continue
            try:
                source = loader.get_source(self.env, current)[0]
                references = list(meta.find_referenced_templates(self.env.parse(source)))
            except jinja2.TemplateError:
                # Let rendering report it; a unique key makes sure the page is rendered.
                return _UNRENDERABLE + f"{id(self)}:{current}".encode()
            sources[current] = source
            for reference in references:
                if reference is None:  # a computed name: it may be any template
                    pending.extend(self.env.list_templates())
                else:
                    pending.append(reference)
        digest = hashlib.sha1()
        for template_name in sorted(sources):
            digest.update(f"\0{template_name}\0{sources[template_name]}".encode())
        return digest.digest()

    def value(self, value: Any) -> bytes:
        if value is None or isinstance(value, bool | int | float | str):
            return repr(value).encode()
        if isinstance(value, datetime):
            return value.isoformat().encode()
        known = self._memo.get(id(value))
        if known is not None:
            return known[1]
        # An article counts by identity here; what the page reads of it, in ``reads``.
        result = (b"A" + value.url.encode() if type(value) in ARTICLE_TYPES
                  else self._digest(value))
        self._memo[id(value)] = (value, result)
        return result

    def _digest(self, value: Any) -> bytes:
        memo = self._memo
        digest = hashlib.sha1(type(value).__name__.encode())
        if isinstance(value, Topic):
            digest.update(f"{value.name}\0{value.slug}".encode())
            value = value.articles  # then as a sequence
        if isinstance(value, Mapping):
            for item_key in sorted(value):
                digest.update(f"\0{item_key}=".encode())
                digest.update(self.value(value[item_key]))
        elif isinstance(value, Sequence):
            # Lists of articles are most of what pages hold: their digests are looked up
            # here rather than through a call each.
            parts = []
            for item in value:
                known = memo.get(id(item))
                parts.append(known[1] if known is not None else self.value(item))
            digest.update(b"\0" + b"\0".join(parts))
        elif dataclasses.is_dataclass(value):
            names = _FIELDS.get(type(value))
            if names is None:
                names = _FIELDS[type(value)] = tuple(f.name for f in dataclasses.fields(value))
            for name in names:
                digest.update(f"\0{name}=".encode())
                digest.update(self.value(getattr(value, name)))
        else:
            raise TypeError(f"cannot fingerprint a {type(value).__name__} in a page context")
        return digest.digest()


_FIELDS: dict[type, tuple[str, ...]] = {}
_UNRENDERABLE = b"unrenderable:"
