"""The build cache in ``.newsgen-cache/``: what the previous build read and wrote.

Its head (``state.pickle``, read by every build, so kept small) holds the stat of every
input file (compared whole for the no-op check), the output's folder mtimes and
what pages show besides their context. Its rows (``store.sqlite``, see ``store``) hold the
parsed articles (keyed by path, checked by size, mtime and content digest), the site's
articles, the fingerprint of every page written and the pages that show articles, the
related lists (keyed by a signature of everything the ranking reads) and the list of
published files. A damaged or foreign cache is ignored with a notice; it can cost
time, never correctness.
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import os
import pickle
import select
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from newsgen import __version__
from newsgen.chrome import Chrome
from newsgen.config import SiteConfig
from newsgen.errors import Problem
from newsgen.parallel import Child
from newsgen.walk import walk_folders

if TYPE_CHECKING:
    from newsgen.store import Store

CACHE_FORMAT = 3
STATE_FILE = "state.pickle"
STORE_FILE = "store.sqlite"  # see newsgen.store

FileStats = dict[str, tuple[int, int]]  # input file -> (size, mtime in ns)


@dataclass
class CacheState:
    parse_key: str = ""  # config and code the parsed articles depend on
    store_generation: str = ""  # the rows (store.sqlite) that go with this head
    files: FileStats = field(default_factory=dict)
    chrome: Chrome | None = None
    output_dir: str = ""
    # When the output goes stale with no input changed (see ``build.valid_until``).
    valid_until: datetime | None = None
    next_publish: datetime | None = None  # the next held-back article's publication time
    searched: bool = False  # whether the site has a search index
    folders: dict[str, int] = field(default_factory=dict)  # output folder -> mtime (ns)
    summary: dict[str, int] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()
    started_ns: int = 0  # wall clock when the build that wrote this state began


def cache_parse_key(config: SiteConfig) -> str:
    """Parsed articles depend on the settings and the code (build time aside)."""
    return hashlib.sha1((config.content_key() + code_key()).encode()).hexdigest()


def site_key(config: SiteConfig, site_chrome: Chrome) -> str:
    """What every page shows besides its own context: settings, navigation, code."""
    return f"{config.content_key()}\0{site_chrome!r}\0{code_key()}"


def load_state(directory: Path) -> tuple[CacheState, str | None]:
    """The previous build's state without its parsed articles (see ``load_articles``), or
    an empty state with a notice saying why. A no-op build needs no more than this."""
    state, notice = _load(directory / STATE_FILE, directory)
    if state is None and notice is None:  # no cache yet
        return CacheState(), None
    if not isinstance(state, CacheState):
        return CacheState(), notice or f"cache in {directory} is damaged: ignored"
    return state, None


def open_store(directory: Path, state: CacheState) -> tuple[Store | None, str | None]:
    """The rows that go with ``state``, or none (and a notice when there were some)."""
    from newsgen.store import Store, StoreError

    if not (directory / STORE_FILE).exists():
        return None, None
    try:
        store = Store(directory)
        if state.store_generation and store.generation() == state.store_generation:
            return store, None
        store.close()
    except StoreError as exc:
        return None, f"cache in {directory} is damaged ({exc}): ignored"
    return None, (f"cache in {directory} is out of step with its head: ignored"
                  if state.store_generation else None)


def save_state(directory: Path, state: CacheState) -> None:
    """Write the head atomically: a half-written cache is never read back."""
    directory.mkdir(parents=True, exist_ok=True)
    _save(directory / STATE_FILE, state)


def new_generation() -> str:
    return os.urandom(8).hex()


def forget_state(directory: Path, *, quiet: bool = False) -> None:
    """Remove the state before the output changes: until a new one is saved, what it
    records (the pages' fingerprints) may not describe the published folder, and a build
    stopped in between, or one that keeps no cache, must leave the next one nothing to
    trust but the files. ``quiet``: a state that cannot be removed is left (a build
    without the cache must not fail on it)."""
    try:
        (directory / STATE_FILE).unlink()
    except FileNotFoundError:
        pass
    except OSError:
        if not quiet:
            raise


def head_unchanged(directory: Path, state: CacheState, store: Store) -> bool:
    """Whether the head this build loaded (``state``) and its rows are still the cache's:
    checked under the output lock, as a build that published since (or was stopped while
    publishing, see ``forget_state``) has replaced or removed the head."""
    return ((directory / STATE_FILE).exists()
            and store.generation() == state.store_generation != "")


def cache_write_errors() -> tuple[type[Exception], ...]:
    """What saving the cache can fail with (a full disk, a read-only folder, a damaged
    store). A function: a build with nothing to do imports neither sqlite3 nor the store."""
    import sqlite3

    from newsgen.store import StoreError

    return (OSError, sqlite3.Error, StoreError)


def not_saved(exc: BaseException) -> str:
    """The notice for a cache that could not be saved once the site was published."""
    reason = (exc.strerror if isinstance(exc, OSError) else None) or exc
    return f"build cache not saved ({reason}): the next build does all the work again"


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
            # Without a memo ("fast" mode): the head holds no object twice that matters,
            # and no cycle (the pickler would refuse one); remembering each of its ~25,000
            # file and folder names took 13 of the 16 ms of saving it at 10,000 articles.
            pickler = pickle.Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL)
            pickler.fast = True
            pickler.dump(value)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


_CODE_KEY: list[str] = []


_CODE_SUFFIXES = (".py", ".html", ".xml", ".txt", ".css")


def code_key() -> str:
    """A digest of newsgen's own code and theme: output made by other code is not reused.
    (Listed with ``os.walk``, which knows files from folders without a stat each:
    ``Path.rglob`` and ``is_file`` made this 8 ms of every build, 2.5 ms now.)"""
    if not _CODE_KEY:
        package = os.path.dirname(os.path.abspath(__file__))
        names = []
        for folder, _, files in os.walk(package):
            relative = os.path.relpath(folder, package).replace(os.sep, "/")
            names += [name if relative == "." else f"{relative}/{name}"
                      for name in files if name.endswith(_CODE_SUFFIXES)]
        digest = hashlib.sha1(__version__.encode())
        for name in sorted(names):
            digest.update(name.encode())
            with open(os.path.join(package, name), "rb") as handle:
                digest.update(handle.read())
        _CODE_KEY.append(digest.hexdigest())
    return _CODE_KEY[0]


# A file modified less than this before a build started may have changed again within the
# same file-system clock tick without its mtime changing: its stat proves nothing.
RACY_NS = 2_000_000_000


def scan_inputs(roots: Iterable[Path], site_root: Path) -> FileStats:
    """The size and mtime of every file under ``roots`` (or of ``roots`` that are files).

    Folders are walked as the build reads them (``walk_files``): a symlinked folder inside
    the site is followed, so an edit under it counts. What the walk skips (a symlink
    leading outside the site, a loop, a folder that cannot be read) is listed under a key
    no file can have (it starts with NUL), so that it counts too; so does a file that
    cannot be stat'ed (a broken link), with size and mtime -1.
    """
    found: FileStats = {}
    for root in roots:
        if root.is_file():
            stat = root.stat()
            found[str(root)] = (stat.st_size, stat.st_mtime_ns)
            continue
        if not root.is_dir():
            continue
        problems: list[Problem] = []
        for folder, entries in walk_folders(root, site_root, problems, problems,
                                            hidden_files=()):
            _stat_files(folder, entries, found)
        for problem in problems:
            found[f"\0{problem.path}\0{problem.message}"] = (-1, -1)
    return found


# How many of the last build's most recently modified inputs ``InputScan`` checks first.
RECENT = 32


def _stats(paths: Iterable[str]) -> FileStats:
    """``paths``' sizes and mtimes, as ``scan_inputs`` gives them ((-1, -1): no stat)."""
    found: FileStats = {}
    for path in paths:
        try:
            stat = os.stat(path)
        except OSError:
            found[path] = (-1, -1)
            continue
        found[path] = (stat.st_size, stat.st_mtime_ns)
    return found


def _mtime(item: tuple[str, tuple[int, int]]) -> int:
    return item[1][1]


class InputScan:
    """``scan_inputs``, compared with the stats of the last build (``known``); taken by
    a forked child (``start``) once the build knows it has work to do.

    The files changed last are the likeliest to change again (a story updated as news
    comes in, a fix to what was just published): ``recently_changed`` looks at them
    alone, ~3 ms. When one did, the build starts the child on the whole scan, ~10,000
    stat calls at 10,000 articles (70-90 ms), and imports what it needs meanwhile
    (``build``). A thread could not overlap the two: after each stat call it would wait
    for the interpreter lock. Otherwise the scan runs here, as the fork and the child's
    answer cost a build with nothing to do ~15 ms. The child sends only what changed; if
    it fails, the scan runs here."""

    def __init__(self, roots: Iterable[Path], site_root: Path, known: FileStats) -> None:
        self._roots, self._site_root, self._known = list(roots), site_root, known
        self._child = Child()
        self._found: FileStats | None = None

    def recently_changed(self) -> bool:
        """Whether one of the ``RECENT`` files changed last has changed again."""
        recent = heapq.nlargest(RECENT, self._known.items(), key=_mtime)
        return not _stats(name for name, _ in recent if name[:1] != "\0").items() \
            <= self._known.items()

    def start(self) -> None:
        self._child.start(self._answer)

    def _answer(self, pipe: int) -> None:
        """In the child: the stats that differ from ``known``, and the files gone."""
        found = scan_inputs(self._roots, self._site_root)
        changes = (dict(found.items() - self._known.items()),
                   list(self._known.keys() - found.keys()))
        with open(pipe, "wb") as handle:  # closed before the exit tears the child down
            handle.write(pickle.dumps(changes, protocol=pickle.HIGHEST_PROTOCOL))

    def done(self) -> bool:
        """Whether ``result`` will not wait for the child."""
        if self._child.pipe < 0:
            return True
        try:
            return bool(select.select([self._child.pipe], [], [], 0)[0])
        except (OSError, ValueError):
            return True

    def result(self) -> FileStats:
        """The stats of the inputs now."""
        if self._found is None and self._child.pipe >= 0:
            try:
                with open(self._child.pipe, "rb", closefd=False) as handle:
                    updated, gone = pickle.loads(handle.read())
                found = dict(self._known)
                found.update(updated)
                for name in gone:
                    del found[name]
                self._found = found
            except Exception:  # a child killed or broken: scan here
                self._child.close()
            finally:
                self._child.hang_up()
        if self._found is None:
            self._found = scan_inputs(self._roots, self._site_root)
        return self._found

    def close(self) -> None:
        """Reap the child, stopped first if it is still at work (the build failed before
        asking for its answer)."""
        self._child.close()


_STAT_BY_NAME = os.stat in os.supports_dir_fd and hasattr(os, "O_DIRECTORY")


def _stat_files(folder: str, entries: Iterable[os.DirEntry[str]], found: FileStats) -> None:
    """Add the size and mtime of each file of ``folder`` to ``found``. Each is stat'ed by
    its name within the open folder: the kernel then resolves one name, not every folder
    of its path again (a scan of 10,000 articles takes a third less time). A symlink is
    followed, as reading the file does."""
    fd = None
    if _STAT_BY_NAME:
        with contextlib.suppress(OSError):
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for entry in entries:
            try:
                stat = (os.stat(entry.name, dir_fd=fd) if fd is not None
                        else os.stat(entry.path))
            except OSError:
                found[entry.path] = (-1, -1)
                continue
            found[entry.path] = (stat.st_size, stat.st_mtime_ns)
    finally:
        if fd is not None:
            os.close(fd)


def newest_mtime(files: FileStats) -> int:
    return max((mtime for _, mtime in files.values()), default=0)
