"""The build cache in ``.newsgen-cache/``: what the previous build read and wrote.

It holds the parsed articles (keyed by path, checked by size, mtime and content digest),
the related lists (keyed by a signature of everything the ranking reads), the
fingerprint of every page written, and a signature of all inputs for the no-op check.
A damaged or foreign cache is ignored with a notice; it can cost time, never correctness.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import pickle
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from newsgen import __version__
from newsgen.content import Parsed
from newsgen.errors import Problem
from newsgen.fingerprint import PagePrint

CACHE_FORMAT = 2
STATE_FILE = "state.pickle"
ARTICLES_FILE = "articles.pickle"


@dataclass
class CacheState:
    parse_key: str = ""  # config and code the parsed articles depend on
    articles: dict[Path, Parsed] = field(default_factory=dict)
    related_key: str = ""
    related: dict[str, tuple[str, ...]] = field(default_factory=dict)  # url -> urls
    output_dir: str = ""
    pages: dict[str, PagePrint] = field(default_factory=dict)  # output path -> fingerprint
    inputs_key: str = ""  # every input file's stat, the config and the code
    valid_until: datetime | None = None  # the next held-back article's publication time
    summary: dict[str, int] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()
    started_ns: int = 0  # wall clock when the build that wrote this state began


def load_state(directory: Path) -> tuple[CacheState, str | None]:
    """The previous build's state without its parsed articles (see ``load_articles``), or
    an empty state with a notice saying why. A no-op build needs no more than this."""
    state, notice = _load(directory / STATE_FILE, directory)
    if state is None and notice is None:  # no cache yet
        return CacheState(), None
    if not isinstance(state, CacheState):
        return CacheState(), notice or f"cache in {directory} is damaged: ignored"
    return state, None


def load_articles(directory: Path) -> tuple[dict[Path, Parsed], str | None]:
    """The parsed articles the previous build kept, or none (and a notice) if they cannot
    be read."""
    records, notice = _load(directory / ARTICLES_FILE, directory)
    if isinstance(records, dict):
        return records, None
    return {}, notice or (f"cache in {directory} has no readable articles: ignored"
                          if (directory / ARTICLES_FILE).exists() else None)


def save_state(directory: Path, state: CacheState) -> None:
    """Write the state atomically: a half-written cache is never read back. The parsed
    articles (large) go in a file of their own, read only when something changed."""
    directory.mkdir(parents=True, exist_ok=True)
    head = dataclasses.replace(state, articles={})
    _save(directory / ARTICLES_FILE, state.articles)
    _save(directory / STATE_FILE, head)


def _load(path: Path, directory: Path) -> tuple[object, str | None]:
    if not path.exists():
        return None, None
    try:
        with open(path, "rb") as handle:
            header = pickle.load(handle)
            if not isinstance(header, dict) or header.get("format") != CACHE_FORMAT:
                return None, f"cache in {directory} has another format: ignored"
            if header.get("version") != __version__ or header.get("code") != code_key():
                return None, (f"cache in {directory} was written by another newsgen "
                              f"version: ignored")
            return pickle.load(handle), None
    except Exception as exc:  # a damaged cache must never stop a build
        return None, f"cache in {directory} is damaged ({type(exc).__name__}): ignored"


def _save(path: Path, value: object) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as handle:
            pickle.dump({"format": CACHE_FORMAT, "version": __version__, "code": code_key()},
                        handle, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


_CODE_KEY: list[str] = []


def code_key() -> str:
    """A digest of newsgen's own code and theme: output made by other code is not reused."""
    if not _CODE_KEY:
        package = Path(__file__).parent
        digest = hashlib.sha1(__version__.encode())
        for path in sorted(package.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".html", ".xml", ".txt", ".css"):
                digest.update(path.relative_to(package).as_posix().encode())
                digest.update(path.read_bytes())
        _CODE_KEY.append(digest.hexdigest())
    return _CODE_KEY[0]


# A file modified less than this before a build started may have changed again within the
# same file-system clock tick without its mtime changing: its stat proves nothing.
RACY_NS = 2_000_000_000


def tree_signature(roots: Iterable[Path]) -> tuple[str, int]:
    """A digest of every file's path, size and mtime under ``roots``, and the newest mtime."""
    digest = hashlib.sha1()
    newest = 0
    for root in roots:
        digest.update(f"\0{root}".encode())
        if root.is_file():
            stat = root.stat()
            digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
            newest = max(newest, stat.st_mtime_ns)
            continue
        for folder, dirs, files in os.walk(root):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(folder, name)
                try:
                    stat = os.stat(path)
                except OSError:
                    continue
                digest.update(f"{path}\0{stat.st_size}:{stat.st_mtime_ns}\n".encode())
                newest = max(newest, stat.st_mtime_ns)
    return digest.hexdigest(), newest
