"""Macro output remembered across the pages of a build.

An article's card is rendered by the same macro on ~10 pages (the related lists of other
articles, its topic, author and source pages, the home page and the archive): at 10,000
articles ~105,000 card calls, ~30 % of the time all pages take to render. A macro
imported from a template without context (``{% from "partials/meta.html" import card %}``)
sees only its arguments and the environment's globals, which do not change during a
build: called again with the same arguments, it renders the same text. Such calls are
answered from a memo, and the article reads the first call noted are noted again for the
page (``reads.replay``), so its fingerprint is the one rendering would give.

Which macros qualify is read from Jinja's own bookkeeping: those of the modules it keeps
for imports without context (``Template._module``). A macro defined in the page's own
template, or imported ``with context``, is a new function at every render and is never
remembered; nor is a call with an argument that is not an article or a plain value (a
list could change; a ``{% call %}`` passes a macro as ``caller``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jinja2
from jinja2.runtime import Macro
from markupsafe import Markup

from newsgen.models import ARTICLE_TYPES
from newsgen.reads import Noted, noting, replay

# Emptied when it holds this many texts, as the date memo is: a chunk of pages shows
# articles near each other, so recent texts are what it reuses, and memory stays flat
# as archives grow (~1 KB a text: ~30,000 of them at 10,000 articles).
MACRO_MEMO = 50_000

_PLAIN = frozenset({str, int, float, bool, type(None), Markup})

Key = tuple[Any, ...]


class MacroMemo:
    """The remembered macro calls of one template environment (one build)."""

    def __init__(self, env: jinja2.Environment) -> None:
        self._env = env
        self._pure: set[Callable[..., Any]] = set()  # the functions of cached modules' macros
        self._modules = 0  # how many cached modules ``_pure`` was read from
        self._texts: dict[Key, tuple[str, Noted, tuple[Any, ...]]] = {}

    def call(self, macro: Macro, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Any:
        # Jinja's private names (the macro's function, a template's cached module): if a
        # release renames them, calls are rendered each time rather than fail.
        func = getattr(macro, "_func", None)
        key = (_key(func, args, kwargs) if func is not None
               and (func in self._pure or self._learn(func)) else None)
        if key is None:
            return macro(*args, **kwargs)
        known = self._texts.get(key)
        if known is not None:
            replay(known[1])
            return known[0]
        text, noted = noting(lambda: macro(*args, **kwargs))
        if len(self._texts) >= MACRO_MEMO:
            self._texts.clear()
        # The arguments are kept with the text: an article's id stays its own while the
        # key holds it.
        self._texts[key] = (text, noted, args)
        return text

    def _learn(self, func: Callable[..., Any]) -> bool:
        """Whether ``func`` is a macro of a module Jinja keeps for imports without
        context, reading those modules again if Jinja has made new ones."""
        templates = self._env.cache.values() if self._env.cache is not None else ()
        modules = [module for template in templates
                   if (module := getattr(template, "_module", None)) is not None]
        if len(modules) != self._modules:
            self._modules = len(modules)
            self._pure = {value._func for module in modules for value in vars(module).values()
                          if type(value) is Macro and hasattr(value, "_func")}
        return func in self._pure


def _key(func: Callable[..., Any], args: tuple[Any, ...],
         kwargs: Mapping[str, Any]) -> Key | None:
    """The call's memo key: the function, then each argument's type and, for an article,
    its identity (articles do not change during a build), else its value; then the names
    of the named arguments, in the call's order. None if an argument is anything else.

    The type keeps ``1``, ``True`` and ``1.0`` apart. A name (a str) cannot take the place
    of a type, so the same values passed by position and by name give different keys."""
    key: list[Any] = [func]
    for value in (*args, *kwargs.values()) if kwargs else args:
        kind = type(value)
        if kind in ARTICLE_TYPES:
            key += (kind, id(value))
        elif kind in _PLAIN:
            key += (kind, value)
        else:
            return None
    key += kwargs
    return tuple(key)
