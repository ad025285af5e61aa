"""Render planned pages to strings with Jinja2. Nothing here writes files."""

from __future__ import annotations

import contextlib
import hashlib
import os
import traceback
from collections import ChainMap
from collections.abc import Callable, Iterator, KeysView, Mapping, MutableMapping
from datetime import datetime
from pathlib import Path
from types import BuiltinMethodType, CodeType
from typing import Any

import jinja2
import markupsafe
from jinja2 import nodes
from jinja2.compiler import CodeGenerator
from jinja2.runtime import Context, Macro, new_context
from markupsafe import Markup

from newsgen import __version__
from newsgen.cache import code_key
from newsgen.chrome import Chrome, chrome
from newsgen.config import SiteConfig
from newsgen.errors import TemplateError, display_path
from newsgen.feeds import cdata, display_date, feed_content, iso_seconds, json_feed
from newsgen.macros import MacroMemo
from newsgen.models import Article, Site
from newsgen.pages import Page
from newsgen.reads import TrackingEnvironment, collect, note
from newsgen.search import searchable
from newsgen.structured import news_article, script_json

THEME_DIR = Path(__file__).parent / "theme"


def _rfc822(moment: datetime) -> str:
    """The RSS feed's date format. email.utils is imported here, by the one template that
    uses it: at import it costs ~7 ms of every build (socket, calendar, the email package)."""
    from email.utils import format_datetime

    return format_datetime(moment)


def _escape_inner_or_none() -> Callable[[str], str] | None:
    """markupsafe's escaping of a plain string (the C one), if it escapes as ``escape``."""
    inner = getattr(markupsafe, "_escape_inner", None)
    probe = "<a href=\"x\" title='y'>&amp; é\u2028</a>"
    if inner is None or Markup(inner(probe)) != markupsafe.escape(probe):
        return None
    return inner  # type: ignore[no-any-return]


_ESCAPE_INNER = _escape_inner_or_none()


def _escape_output(value: Any) -> str:
    """``markupsafe.escape`` as autoescaping uses it on ``{{ value }}``: the same text, not
    wrapped in a new ``Markup``, which costs more than the escaping (two Python calls and
    an AttributeError), since the compiled template only joins the outputs into its text.
    A Markup (a macro's output, ``|safe``) is its own text, an int its digits."""
    kind = type(value)
    if kind is str:
        return _ESCAPE_INNER(value)  # type: ignore[misc]
    if kind is Markup:
        return value  # type: ignore[no-any-return]
    if kind is int:
        return str(value)
    return markupsafe.escape(value)


class TemplateGlobals(ChainMap[str, Any]):
    """A template's globals as Jinja keeps them: its own over the environment's, which it
    sees live. Jinja reads them whole for every render, include and import (it copies them
    into the new context and takes their keys), which a ChainMap does key by key in
    Python, with a KeyError for each key the template's own map lacks; here such reads go
    through one merged dict, made in C."""

    def flat(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for mapping in reversed(self.maps):
            merged.update(mapping)
        return merged

    def keys(self) -> KeysView[str]:
        return self.flat().keys()

    def __iter__(self) -> Iterator[str]:
        return iter(self.flat())


class SiteTemplate(jinja2.Template):
    """A template whose ``{{ ... }}`` outputs are escaped by ``_escape_output``, and whose
    contexts are made from its globals flattened (see ``TemplateGlobals``).

    The code Jinja compiles a template to escapes an output with the name ``escape`` of
    the template's module, and uses that name for nothing else: bound to a function that
    returns the same text, the template renders the same bytes.
    """

    def new_context(self, vars: dict[str, Any] | None = None, shared: bool = False,
                    locals: Mapping[str, Any] | None = None) -> Context:
        template_globals = self.globals
        if isinstance(template_globals, TemplateGlobals):
            template_globals = template_globals.flat()
        return new_context(self.environment, self.name, self.blocks, vars, shared,
                           template_globals, locals)

    @classmethod
    def from_code(cls, environment: jinja2.Environment, code: CodeType,
                  globals: MutableMapping[str, Any],
                  uptodate: Callable[[], bool] | None = None) -> jinja2.Template:
        template = super().from_code(environment, code, globals, uptodate)
        namespace = template.root_render_func.__globals__
        if _ESCAPE_INNER is not None and namespace.get("escape") is markupsafe.escape:
            namespace["escape"] = _escape_output
        return template


class SiteContext(Context):
    """A template context that calls a template's macro (``{{ card(article) }}``, some 20
    times on a listing page) or a built-in method (``date.isoformat()``) straight away.

    ``Context.call`` first looks whether the callable wants the context, eval context or
    environment passed (``jinja_pass_arg`` on it or on its ``__call__``): a macro never
    does, nor does a built-in method (which cannot be given attributes); they are called
    with the arguments alone, a macro through the build's memo (``macros``)."""

    def call(__self, __obj: Callable[..., Any], *args: Any,
             **kwargs: Any) -> Any:
        kind = type(__obj)
        if kind is not Macro and kind is not BuiltinMethodType:
            return super().call(__obj, *args, **kwargs)
        kwargs.pop("_block_vars", None)
        kwargs.pop("_loop_vars", None)
        try:
            if isinstance(__obj, Macro):
                environment = __self.environment
                assert isinstance(environment, SiteEnvironment)
                return environment.macro_memo.call(__obj, args, kwargs)
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception")


class SiteCodeGenerator(CodeGenerator):
    """Jinja's compiler, with a block's text and a parent template's text (``{% extends
    %}``) passed up as one string each rather than piece by piece.

    Jinja renders a template as generators, one per block and template: a child template
    ``yield from``s its parent, which ``yield from``s each block, so each of the ~200
    pieces of an article page is passed up through three generators. Joining a block's
    (or the parent's) pieces where it is called passes each up once, for the same text."""

    DELEGATIONS = ("yield from parent_template.root_render_func(", "yield from context.blocks[")

    def writeline(self, x: str, node: nodes.Node | None = None, extra: int = 0) -> None:
        if x.startswith(self.DELEGATIONS):
            x = f"yield environment.concat({x.removeprefix('yield from ')})"
        super().writeline(x, node, extra)


class SiteEnvironment(TrackingEnvironment):
    template_class = SiteTemplate
    context_class = SiteContext
    code_generator_class = SiteCodeGenerator

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.macro_memo = MacroMemo(self)

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return TemplateGlobals({} if d is None else d, self.globals)


class UntrackedSiteEnvironment(SiteEnvironment):
    """A ``SiteEnvironment`` that does not note which article fields templates read, for
    a build that keeps no fingerprints (``--no-cache``): Jinja's own attribute lookups,
    ~7 % of an article page's render. Pages render to the same text."""

    getattr = jinja2.Environment.getattr
    getitem = jinja2.Environment.getitem


DATE_MEMO = 20_000


def per_datetime(function: Callable[[datetime], str]) -> Callable[[Any], str]:
    """A date filter that computes ``function`` once per datetime object of the build.

    The same dates show on many pages (an article's date on its page, its cards and feed
    entries), through the same ``datetime`` objects: the articles'. A datetime is
    immutable, so its text is kept by identity, with the object kept alive so that its
    ``id`` is not reused. Anything else is passed to ``function`` every time. The memo
    is emptied when it holds ``DATE_MEMO`` texts: a page shows dates of articles near in
    time, so recent ones are what it reuses, and memory stays flat as archives grow.
    """
    memo: dict[int, tuple[datetime, str]] = {}

    def memoized(moment: Any) -> str:
        if type(moment) is not datetime:
            return function(moment)
        known = memo.get(id(moment))
        if known is None:
            if len(memo) >= DATE_MEMO:
                memo.clear()
            known = memo[id(moment)] = (moment, function(moment))
        return known[1]

    return memoized


def template_dirs(site_templates: Path) -> list[Path]:
    """Where templates are looked up: the site's own folder first, then the theme."""
    return [site_templates, THEME_DIR / "templates"]


def make_env(site: Site) -> jinja2.Environment:
    return make_site_env(site.config, chrome(site))


def make_site_env(config: SiteConfig, site_chrome: Chrome,
                  cache_dir: Path | None = None, *, track: bool = True) -> jinja2.Environment:
    """The environment pages render in; ``cache_dir``: keep compiled templates there (a
    template is compiled again when its source, the settings or newsgen's code change).
    ``track``: note the article fields templates read (``reads``), which only the build
    cache's fingerprints use."""
    bytecode_cache = None
    if cache_dir is not None:
        folder = cache_dir / "templates"
        folder.mkdir(parents=True, exist_ok=True)
        # A compiled template holds what the compiler worked out from the filters, e.g.
        # {{ '/archive/' | url }} compiles to the link under base_url's path, and is
        # compiled by newsgen's code generator: it is reused with the same settings and
        # code only.
        key = hashlib.sha1((config.content_key() + code_key()).encode()).hexdigest()[:16]
        _drop_other_compilations(folder, f"__jinja2_{key}")
        bytecode_cache = jinja2.FileSystemBytecodeCache(str(folder), f"__jinja2_{key}%s.cache")
    env = (SiteEnvironment if track else UntrackedSiteEnvironment)(
        bytecode_cache=bytecode_cache,
        loader=jinja2.FileSystemLoader([str(p) for p in template_dirs(config.templates_dir)]),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "xml", "j2")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # A build loads each template once: no need to stat its file at every include,
        # nor to keep the loaded ones in an LRU cache (Python code at every include,
        # extends and import) rather than a dict.
        auto_reload=False,
        cache_size=-1,
    )
    base_path = config.base_path

    def url(path: str) -> str:
        """A site URL ("/topics/") as a link on this site, under base_url's path."""
        return base_path + path.lstrip("/")

    def json_ld(article: Article) -> Markup:
        """The article's NewsArticle JSON-LD, safe to place inside <script>."""
        note(article)
        return Markup(script_json(news_article(article, config,
                                               site_chrome.author_websites)))

    env.filters.update(
        url=url,
        absolute_url=config.absolute_url,
        absolute_link=config.absolute_link,
        isoformat=per_datetime(iso_seconds),
        rfc822=_rfc822,
        display_date=per_datetime(display_date),
        display_day=lambda d: f"{d:%A}, {d.day} {d:%B}",
        display_month=lambda d: f"{d:%B %Y}",
        display_time=per_datetime(lambda d: f"{d.hour:02d}:{d.minute:02d}"),
        topic_url=lambda slug: f"/topics/{slug}/",
        author_url=lambda slug: f"/authors/{slug}/",
        feed_content=feed_content,
        cdata=cdata,
        json_ld=json_ld,
    )
    # No ``site`` global: a page sees only its own context and these site-wide values,
    # which is what lets a fingerprint of them decide whether the page must be rendered.
    env.globals.update(config=config, nav_topics=site_chrome.nav_topics, chrome=site_chrome,
                       newsgen_version=__version__)

    def is_searchable(article: Article) -> bool:
        """``{% if article is searchable %}``: whether the page goes into the search index."""
        note(article)
        return searchable(article, config)

    env.tests["searchable"] = is_searchable
    return env


def _drop_other_compilations(folder: Path, prefix: str) -> None:
    """Delete templates compiled under other settings or code: never read again, they
    would pile up with every change of either."""
    with os.scandir(folder) as entries:
        stale = [entry.path for entry in entries
                 if entry.name.startswith("__jinja2_") and not entry.name.startswith(prefix)]
    for path in stale:
        with contextlib.suppress(OSError):
            os.unlink(path)


def render_page(page: Page, env: jinja2.Environment) -> str:
    """Render one page. Template problems become ``TemplateError`` with file and line."""
    return render_tracked(page, env)[0]


Reads = tuple[tuple[str, ...], tuple[str, ...]]  # see reads.collect


def render_tracked(page: Page, env: jinja2.Environment) -> tuple[str, Reads]:
    """Render one page, and the URLs of the articles whose cards and bodies it shows."""
    collect()
    text = _render(page, env)
    return text, collect()


def _render(page: Page, env: jinja2.Environment) -> str:
    config = env.globals["config"]
    assert isinstance(config, SiteConfig)
    if page.renderer == "json_feed":
        return json_feed(page, config)
    root: Path = config.root
    try:
        template = env.get_template(page.template)
        return template.render(page=page, **page.context)
    except jinja2.TemplateSyntaxError as exc:
        name = exc.filename or exc.name or page.template
        raise TemplateError(_shown(name, root), exc.lineno, exc.message or "syntax error",
                            page.url) from exc
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(page.template, None, f"template not found: {exc.name}",
                            page.url) from exc
    except Exception as exc:
        name, line = _template_frame(exc, page.template, root)
        raise TemplateError(name, line, f"{type(exc).__name__}: {exc}", page.url) from exc


def _template_frame(exc: BaseException, default: str, root: Path) -> tuple[str, int | None]:
    """The innermost template line in the traceback (Jinja maps frames to template lines)."""
    found: tuple[str, int | None] = (default, None)
    for frame, line in traceback.walk_tb(exc.__traceback__):
        filename = frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt", ".j2")):
            found = (_shown(filename, root), line)
    return found


def _shown(filename: str, root: Path) -> str:
    """A template path as the user knows it: site-relative, or ``theme:`` for the theme's."""
    path = Path(filename)
    theme = THEME_DIR / "templates"
    if path.is_relative_to(theme):
        return "theme:" + path.relative_to(theme).as_posix()
    return display_path(path.resolve(), root)
