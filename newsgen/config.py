"""Site configuration: the ``SiteConfig`` dataclass and ``load_config``.

Every key of ``newsgen.yaml`` is checked here, once; after loading, no other code re-checks it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from newsgen.errors import ConfigError, Problem, display_path
from newsgen.suggest import did_you_mean

CONFIG_NAME = "newsgen.yaml"
DEFAULT_BASE_URL = "http://localhost:8000/"
PERMALINK_FIELDS = frozenset({"year", "month", "day", "slug"})
FEED_FORMATS = ("atom", "rss", "json")
FEED_CONTENT = ("full", "summary")
AUTHOR_KEYS = ("name", "bio", "url")


_DEFAULT_CACHE = ".newsgen-cache"


@dataclass(frozen=True)
class AuthorInfo:
    """What ``authors:`` in the config says about one author; every part optional."""

    name: str | None = None  # display name, replacing the spelling in bylines
    bio: str = ""
    url: str | None = None  # the author's own page elsewhere (http(s))


@dataclass(frozen=True)
class SiteConfig:
    """Everything a build needs to know besides the content itself."""

    root: Path
    title: str = "News"
    description: str = ""
    base_url: str = DEFAULT_BASE_URL
    language: str = "en"
    timezone: str = "UTC"
    permalink: str = "/{year}/{month}/{slug}/"
    per_page: int = 20
    related_limit: int = 5
    feed_limit: int = 50
    summary_length: int = 240
    source: str = ""
    markdown_engine: str = "markdown"
    # Formats of the site feed: /feed.xml (Atom; also switches the topic, author and
    # source feeds, which are Atom only), /rss.xml (RSS 2.0), /feed.json (JSON Feed 1.1).
    feeds: tuple[str, ...] = FEED_FORMATS
    feed_content: str = "full"  # "full": the whole body in feed entries; "summary"
    logo: str | None = None  # publisher logo in structured data: URL or site path
    # Author slug -> what the config says about them (keys given by name are slugified).
    authors: dict[str, AuthorInfo] = field(default_factory=dict, hash=False)
    search: bool = False  # load_config: on when Pagefind is installed, unless set
    body_html: str = "allow"  # raw HTML in article bodies: allow, escape or sanitize
    max_article_mb: int = 5  # a larger article file is an error, never read
    articles_dir: Path = field(default=Path("articles"))
    templates_dir: Path = field(default=Path("templates"))
    static_dir: Path = field(default=Path("static"))
    output_dir: Path = field(default=Path("public"))
    cache_dir: Path = field(default=Path(_DEFAULT_CACHE))
    # Run-time settings, from the command line rather than the file.
    base_url_set: bool = False
    drafts: bool = False
    future: bool = False
    strict: bool = False
    build_time: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_path(self) -> str:
        """The URL path the site lives under, with a trailing slash: ``/`` or ``/news/``."""
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    def absolute_url(self, url: str) -> str:
        """Turn a site URL (``/2024/01/x/``) into an absolute one on ``base_url``."""
        return self.base_url.rstrip("/") + "/" + url.lstrip("/")

    def content_key(self) -> str:
        """Every setting except the build time, as text: what pages may depend on."""
        return repr([(f.name, getattr(self, f.name)) for f in dataclasses.fields(self)
                     if f.name != "build_time"])

    def absolute_link(self, link: str) -> str:
        """A link from front matter or config: an http(s) URL as is, a site path made
        absolute on ``base_url``."""
        return link if "://" in link else self.absolute_url(link)

    def with_overrides(self, **changes: Any) -> SiteConfig:
        """Apply command-line overrides; paths resolve against the site root."""
        for key in ("output_dir", "cache_dir"):
            if changes.get(key) is not None:
                changes[key] = (self.root / changes[key]).resolve()
        if changes.get("base_url"):
            problems = _check_base_url(changes["base_url"], "--base-url")
            if problems:
                raise ConfigError(problems)
            changes["base_url"] = _normalise_base_url(changes["base_url"])
            changes["base_url_set"] = True
        if changes.get("markdown_engine"):
            message = check_engine(changes["markdown_engine"])
            if message:
                raise ConfigError([Problem("--markdown-engine", message)])
        return dataclasses.replace(
            self, **{k: v for k, v in changes.items() if v is not None}
        )


_STR_KEYS = ("title", "description", "language", "source")
_INT_KEYS = {"per_page": 1, "related_limit": 0, "feed_limit": 1, "summary_length": 20,
             "max_article_mb": 1}
_PATH_KEYS = ("articles_dir", "templates_dir", "static_dir", "output_dir", "cache_dir")
KNOWN_KEYS = frozenset(
    (*_STR_KEYS, *_INT_KEYS, *_PATH_KEYS, "base_url", "timezone", "permalink", "feeds",
     "feed_content", "logo", "authors", "markdown_engine", "search", "body_html")
)


def load_config(root: Path, config_path: Path | None = None, *,
                kept: KeptParse | None = None) -> SiteConfig:
    """Read ``newsgen.yaml`` (if there is one) under ``root`` and validate every key.

    Raises ``ConfigError`` listing all problems at once. ``kept``: where the file's YAML
    parse may be kept between builds (see ``KeptParse``).
    """
    root = root.resolve()
    path = config_path or root / CONFIG_NAME
    shown = display_path(path, root)
    if not path.exists():
        if config_path is not None:
            raise ConfigError([Problem(shown, "config file not found")])
        return _resolve_paths(SiteConfig(root=root, search=_search_default()))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError([Problem(shown, f"cannot read: {exc.strerror}")]) from exc
    raw = kept.load(data) if kept is not None else None
    if raw is None:
        raw = _parse_yaml(data, shown)
        if kept is not None:
            kept.parsed(raw)
    if not isinstance(raw, dict):
        raise ConfigError([Problem(shown, "must be a mapping of keys to values")])
    values, problems = _validate(raw, shown)
    if problems:
        raise ConfigError(problems)
    if "search" not in values:
        values["search"] = _search_default()
    return _resolve_paths(SiteConfig(root=root, **values))


class KeptParse:
    """The YAML parse of a site's config file, kept in its default build cache folder
    between builds: importing PyYAML is ~25 ms of a rebuild with nothing or one article
    to do. Keyed by the file's bytes and the installed PyYAML's files; written by
    ``save`` (once a build has succeeded: a refused build writes nothing), and only when
    that folder is the build's cache (not with --cache-dir or a ``cache_dir`` key)."""

    def __init__(self, root: Path) -> None:
        self.folder = root.resolve() / _DEFAULT_CACHE
        self._path = self.folder / "config.pickle"
        self._key: tuple[str, tuple[int, int]] | None = None  # of the file ``load`` saw
        self._pending: tuple[object, Any] | None = None

    def load(self, data: bytes) -> Any:
        """The kept parse of the file ``data``, or None (none kept, another file or
        PyYAML, a damaged file)."""
        import pickle

        key = self._key = _parse_key(data)
        if key is None:  # no PyYAML to key it by: nothing can be kept
            return None
        try:
            with open(self._path, "rb") as handle:
                kept = pickle.load(handle)
        except Exception:  # none, or a damaged or foreign file: only a slower build
            return None
        if isinstance(kept, tuple) and len(kept) == 2 and kept[0] == key:
            return kept[1]
        return None

    def parsed(self, raw: Any) -> None:
        """``raw``: the parse of the file ``load`` was given, to keep (``save``)."""
        self._pending = (self._key, raw) if self._key is not None else None

    def save(self, config: SiteConfig) -> None:
        """Keep the parse made for ``config``, if it is new and its cache is the folder."""
        import pickle

        if self._pending is None or config.cache_dir != self.folder:
            return
        temporary = self._path.with_name(f".{self._path.name}.{os.getpid()}.tmp")
        try:
            self.folder.mkdir(exist_ok=True)
            with open(temporary, "wb") as handle:
                pickle.dump(self._pending, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self._path)
        except (OSError, pickle.PicklingError, RecursionError):
            pass  # not kept: the next build parses the file again
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        self._pending = None


def _parse_yaml(data: bytes, shown: str) -> Any:
    import yaml  # here: a build that finds the file's parse kept (``KeptParse``) need
    #             not import PyYAML (~25 ms), nor a check of a site without a config

    try:
        return yaml.safe_load(data.decode("utf-8-sig")) or {}
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem(shown, f"not valid UTF-8 text ({exc.reason})")]) from exc
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ConfigError([Problem(shown, f"invalid YAML: {exc.problem}", line)]) from exc
    except yaml.YAMLError as exc:
        raise ConfigError([Problem(shown, f"invalid YAML: {exc}")]) from exc
    except RecursionError as exc:
        raise ConfigError([Problem(shown, "invalid YAML: nested too deeply")]) from exc


def _parse_key(data: bytes) -> tuple[str, tuple[int, int]] | None:
    import hashlib
    import importlib.util

    try:
        spec = importlib.util.find_spec("yaml")
        origin = spec.origin if spec is not None else None
        info = os.stat(origin) if origin else None
    except (ImportError, OSError, ValueError):
        return None
    if info is None:
        return None
    return hashlib.sha1(data).hexdigest(), (info.st_size, info.st_mtime_ns)


def _validate(raw: dict[Any, Any], shown: str) -> tuple[dict[str, Any], list[Problem]]:
    values: dict[str, Any] = {}
    problems: list[Problem] = []

    def bad(key: str, message: str) -> None:
        problems.append(Problem(shown, f"'{key}': {message}"))

    for key, value in raw.items():
        key = str(key)
        if key not in KNOWN_KEYS:
            hint = did_you_mean(key, KNOWN_KEYS)
            bad(key, "unknown key" + (f" (did you mean '{hint}'?)" if hint else ""))
        elif key in _STR_KEYS:
            if not isinstance(value, str):
                bad(key, f"must be a string, not {_type_name(value)}")
            else:
                values[key] = value.strip()
        elif key in _INT_KEYS:
            if isinstance(value, bool) or not isinstance(value, int):
                bad(key, f"must be a whole number, not {_type_name(value)}")
            elif value < _INT_KEYS[key]:
                bad(key, f"must be at least {_INT_KEYS[key]}, not {value}")
            else:
                values[key] = value
        elif key in _PATH_KEYS:
            if not isinstance(value, str) or not value.strip():
                bad(key, "must be a folder path (a non-empty string)")
            else:
                values[key] = Path(value)
        elif key == "base_url":
            base_problems = _check_base_url(value, shown)
            problems.extend(base_problems)
            if not base_problems:
                values[key] = _normalise_base_url(value)
                values["base_url_set"] = True
        elif key == "timezone":
            if not isinstance(value, str):
                bad(key, f"must be an IANA time zone name, not {_type_name(value)}")
            else:
                try:
                    ZoneInfo(value)
                    values[key] = value
                except (ZoneInfoNotFoundError, ValueError):
                    bad(key, f"unknown time zone '{value}' (use a name like 'Asia/Ho_Chi_Minh')")
        elif key == "markdown_engine":
            message = check_engine(value)
            if message:
                bad(key, message)
            else:
                values[key] = value
        elif key == "search":
            if not isinstance(value, bool):
                bad(key, f"must be true or false, not {_type_name(value)}")
            elif value and not _search_default():
                bad(key, "needs Pagefind: pip install 'newsgen[search]'")
            else:
                values[key] = value
        elif key == "body_html":
            message = check_body_html(value)
            if message:
                bad(key, message)
            else:
                values[key] = value
        elif key == "permalink":
            message = _check_permalink(value)
            if message:
                bad(key, message)
            else:
                values[key] = value
        elif key == "feeds":
            formats = _check_feeds(value, bad)
            if formats is not None:
                values[key] = formats
        elif key == "feed_content":
            if value not in FEED_CONTENT:
                bad(key, f"must be one of {', '.join(FEED_CONTENT)}, not {_shown(value)}")
            else:
                values[key] = value
        elif key == "logo":
            if not isinstance(value, str) or not _is_link(value.strip()):
                bad(key, f"must be an http(s) URL or a path on this site such as "
                         f"/static/logo.png, not {_shown(value)}")
            else:
                values[key] = value.strip()
        elif key == "authors":
            authors = _check_authors(value, bad)
            if authors is not None:
                values[key] = authors
    return values, problems


def check_engine(value: object) -> str | None:
    """Why ``value`` cannot be the Markdown engine, or None when it can."""
    from newsgen.markup import ENGINES, commonmark_available

    if value not in ENGINES:
        return f"must be one of {', '.join(ENGINES)}, not {value!r}"
    if value == "commonmark" and not commonmark_available():
        return "'commonmark' needs the cmarkgfm package: pip install 'newsgen[commonmark]'"
    return None


def _check_feeds(value: object, bad: Callable[[str, str], None]) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        bad("feeds", f"must be a list of feed formats ({', '.join(FEED_FORMATS)}), "
                     f"not {_type_name(value)}")
        return None
    unknown = [item for item in value if item not in FEED_FORMATS]
    if unknown:
        bad("feeds", f"unknown feed format {_shown(unknown[0])} "
                     f"(allowed: {', '.join(FEED_FORMATS)})")
        return None
    return tuple(fmt for fmt in FEED_FORMATS if fmt in value)


def _check_authors(value: object,
                   bad: Callable[[str, str], None]) -> dict[str, AuthorInfo] | None:
    """``authors:`` maps an author's name (or slug) to {name, bio, url}; keyed here by slug."""
    from newsgen.slugs import slugify

    if not isinstance(value, dict):
        bad("authors", f"must be a mapping of author names to details, not {_type_name(value)}")
        return None
    found: dict[str, AuthorInfo] = {}
    keys: dict[str, str] = {}
    ok = True
    for raw_key, details in value.items():
        key = str(raw_key)
        where = f"authors.{key}"
        slug = slugify(key)
        if not slug:
            bad(where, "has no letters or digits to match an author by")
            ok = False
            continue
        if slug in keys:
            bad(where, f"names the same author as '{keys[slug]}' (both are /authors/{slug}/)")
            ok = False
            continue
        keys[slug] = key
        if details is None:
            details = {}
        if not isinstance(details, dict):
            bad(where, f"must be a mapping with {', '.join(AUTHOR_KEYS)}, "
                       f"not {_type_name(details)}")
            ok = False
            continue
        parts: dict[str, str] = {}
        for part, text in details.items():
            part = str(part)
            if part not in AUTHOR_KEYS:
                hint = did_you_mean(part, AUTHOR_KEYS)
                bad(f"{where}.{part}", "unknown key" + (f" (did you mean '{hint}'?)"
                                                        if hint else ""))
                ok = False
            elif not isinstance(text, str):
                bad(f"{where}.{part}", f"must be a string, not {_type_name(text)}")
                ok = False
            else:
                parts[part] = " ".join(text.split())
        url = parts.get("url") or None
        if url is not None and not _is_web_url(url):
            bad(f"{where}.url", f"must be an absolute http(s) URL, not '{url}'")
            ok = False
        found[slug] = AuthorInfo(name=parts.get("name") or None, bio=parts.get("bio", ""),
                                 url=url)
    return found if ok else None


def _is_web_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _is_link(value: str) -> bool:
    """An http(s) URL, or a path on the site ("/static/logo.png")."""
    return _is_web_url(value) or (value.startswith("/") and not value.startswith("//")
                                  and "\\" not in value)


def _shown(value: object) -> str:
    return f"'{value}'" if isinstance(value, str) else _type_name(value)


def _search_default() -> bool:
    """Search is on when Pagefind is installed."""
    from newsgen.search import search_available

    return search_available()


def check_body_html(value: object) -> str | None:
    """Why ``value`` cannot be the raw-HTML policy, or None when it can."""
    from newsgen.rawhtml import POLICIES, sanitizer_available

    if value not in POLICIES:
        return f"must be one of {', '.join(POLICIES)}, not {value!r}"
    if value == "sanitize" and not sanitizer_available():
        return "'sanitize' needs the nh3 package: pip install 'newsgen[sanitize]'"
    return None


def _check_base_url(value: object, where: str) -> list[Problem]:
    if not isinstance(value, str):
        return [Problem(where, f"'base_url': must be a string, not {_type_name(value)}")]
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return [Problem(where, f"'base_url': must be an absolute http(s) URL, not '{value}'")]
    return []


def _normalise_base_url(value: str) -> str:
    return value if value.endswith("/") else value + "/"


def _check_permalink(value: object) -> str | None:
    if not isinstance(value, str):
        return f"must be a string, not {_type_name(value)}"
    if not (value.startswith("/") and value.endswith("/")):
        return f"must start and end with '/', like '/{{year}}/{{slug}}/', not '{value}'"
    names = set(re.findall(r"\{([^{}]*)\}", value))
    unknown = names - PERMALINK_FIELDS
    if unknown:
        allowed = ", ".join(f"{{{n}}}" for n in sorted(PERMALINK_FIELDS))
        return f"unknown field {{{sorted(unknown)[0]}}} (allowed: {allowed})"
    if "slug" not in names:
        return "must contain {slug} so that every article gets its own URL"
    literal = re.sub(r"\{[^{}]*\}", "x", value)
    if any(s in (".", "..") for s in literal.split("/")):
        return f"must not contain '.' or '..' segments: '{value}'"
    if not re.fullmatch(r"[/A-Za-z0-9._~-]+", literal):
        return f"may hold only letters, digits, '-', '_', '.' and '/' besides fields: '{value}'"
    return None


def _resolve_paths(config: SiteConfig) -> SiteConfig:
    return dataclasses.replace(
        config,
        **{key: (config.root / getattr(config, key)).resolve() for key in _PATH_KEYS},
    )


def _type_name(value: object) -> str:
    names = {dict: "a mapping", list: "a list", bool: "true/false", int: "a number",
             float: "a number", str: "a string", type(None): "empty"}
    return names.get(type(value), type(value).__name__)
