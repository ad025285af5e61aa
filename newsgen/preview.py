"""``newsgen serve``: build into a temporary folder, serve it, rebuild when a source changes.

Glue only: ``newsgen.build`` builds, ``newsgen.server`` serves, ``newsgen.watch`` watches.
Every build goes into a new folder (``site-1``, ``site-2`` …) and is served once complete, so
a request never meets a half-written site and a failed rebuild leaves the last good one
served; the build it replaces is deleted in the background. Rebuilds redo the whole
site: incremental builds do not exist yet.

Rebuilds run in one process (``jobs=1``). The build's worker pool forks, and forking a
process whose other threads (HTTP handlers, watchers) may hold locks can deadlock the
child; the first build runs before any of those threads exist and may use every CPU.
"""

from __future__ import annotations

import errno
import os
import queue
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TextIO

from newsgen.build import BuildResult, build
from newsgen.cli import printable
from newsgen.config import CONFIG_NAME, SiteConfig
from newsgen.errors import NewsgenError, Problem, display_path
from newsgen.livereload import LiveSite
from newsgen.server import PreviewServer, is_loopback
from newsgen.watch import SourceWatcher

# Deleting a 10,000-article build (24,000 files and folders) took 8-30 s on a busy disk;
# past this many files the temporary folder is deleted by a process of its own on exit.
DELETE_DETACHED_ABOVE = 2_000


class Preview:
    """A live preview of one site. ``configure()`` loads the config anew for every build."""

    def __init__(self, configure: Callable[[], SiteConfig], *, host: str = "127.0.0.1",
                 port: int = 8000, base_url: str | None = None, reload: bool = True,
                 verbose: bool = False, out: TextIO | None = None) -> None:
        self._configure = configure
        self._base_url = base_url
        self._out = out or sys.stdout
        self._changes: queue.Queue[set[Path] | None] = queue.Queue()
        self._current: Path | None = None  # the build served
        self._largest_build = 0  # files
        self._attempts = 0
        self._warnings: set[Problem] = set()
        self._serving: threading.Thread | None = None
        self._closed = False
        self._site_root: Path | None = None
        self.site_url = ""
        self.live = LiveSite()
        self.watcher = SourceWatcher(self._changes.put)
        self.temp = Path(tempfile.mkdtemp(prefix="newsgen-serve-"))
        try:
            self.server = PreviewServer(host, port, self.live, reload=reload, verbose=verbose)
        except OSError as exc:
            shutil.rmtree(self.temp, ignore_errors=True)
            raise NewsgenError(_bind_error(host, port, exc)) from exc
        self.url = self.server.url

    def start(self) -> BuildResult:
        """Build the site, then start serving and watching. Raises ``NewsgenError``."""
        self._watch_sources(self._configure())
        before = self.watcher.snapshot()
        result = self._build(jobs=None)  # no other thread yet: the pool may fork
        self._serving = threading.Thread(target=self.server.serve_forever, args=(0.1,),
                                         daemon=True, name="newsgen-http")
        self._serving.start()
        self.watcher.start()
        missed = self.watcher.changed_since(before)  # saved while the first build ran
        if missed:
            self._changes.put(missed)
        self._print_warnings(result)
        self._say(f"Built {_counts(result)} in {result.seconds:.2f} s")
        host = self.server.server_name
        if not is_loopback(host):
            print(f"warning: listening on {host}: the preview, drafts included, is visible "
                  f"to other machines on the network", file=sys.stderr)
        self._say(f"Serving {self.site_url} (Ctrl-C to stop)")
        return result

    def run(self) -> None:
        """Rebuild after each settled burst of changes until ``stop()``; in one thread."""
        while True:
            changed = self._changes.get()
            if changed is None:
                return
            while True:  # saves that arrived during the last rebuild go into this one
                try:
                    more = self._changes.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    return
                changed |= more
            self.rebuild(changed)

    def stop(self) -> None:
        """Ask ``run()`` to return (from any thread)."""
        self._changes.put(None)

    def rebuild(self, changed: set[Path] | None = None) -> bool:
        """Build the whole site again; serve it if it built, else report the error."""
        what = _describe_changes(changed or set(), self._site_root)
        try:
            result = self._build(jobs=1)
        except NewsgenError as exc:
            self.live.fail(str(exc))
            self._say(f"Rebuild failed{what}; still serving the last good build:\n{exc}")
            return False
        except Exception as exc:  # a bug in a rebuild must not end the preview
            self.live.fail(f"internal error: {exc!r}")
            self._say(f"Rebuild failed{what} with an internal error:\n"
                      f"{traceback.format_exc().rstrip()}")
            return False
        self._print_warnings(result)
        self._say(f"Rebuilt{what} in {result.seconds:.2f} s: {_counts(result)}, "
                  f"{result.rendered} page{'s' * (result.rendered != 1)} rendered")
        return True

    def close(self) -> None:
        """Stop watching and serving and remove the temporary folder. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self.watcher.stop()
        self.live.close()
        if self._serving is not None:
            self.server.shutdown()
            self._serving.join(timeout=5)
        self.server.server_close()
        if self._largest_build > DELETE_DETACHED_ABOVE:
            remove_detached(self.temp)  # threads still deleting end with this process
            return
        shutil.rmtree(self.temp, ignore_errors=True)

    # ------------------------------------------------------------------ helpers

    def _build(self, jobs: int | None) -> BuildResult:
        config = self._configure()
        self._watch_sources(config)
        self._attempts += 1
        # One output folder and a cache of the preview's own (the site's cache stays the
        # real build's): a rebuild is incremental, and its journaled commit replaces each
        # changed file atomically, so a page being served is never half-written.
        out = self.temp / "site"
        base_url = self._base_url or self.url + config.base_path.lstrip("/")
        config = config.with_overrides(output_dir=out, base_url=base_url,
                                       cache_dir=self.temp / "cache")
        result = build(config, jobs=jobs)
        self._largest_build = max(self._largest_build, result.files)
        self.site_url = config.base_url
        self.live.publish(out, config.base_path)
        self._current = out
        return result

    def _watch_sources(self, config: SiteConfig) -> None:
        self._site_root = config.root
        self.watcher.watch(dirs=(config.articles_dir, config.templates_dir, config.static_dir),
                           files=(config.root / CONFIG_NAME,))

    def _print_warnings(self, result: BuildResult) -> None:
        for warning in result.warnings:
            if warning not in self._warnings:
                print(f"warning: {printable(str(warning))}", file=sys.stderr)
        self._warnings = set(result.warnings)

    def _say(self, message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {printable(message)}", file=self._out, flush=True)


def remove_detached(folder: Path) -> None:
    """Delete ``folder`` in a new session of its own: stopping need not wait for the disk,
    and the deletion goes on after this process (and its terminal) have gone."""
    quiet = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0) for fd in (0, 1, 2)]
    try:
        os.posix_spawnp("rm", ["rm", "-rf", "--", str(folder)], os.environ,
                        file_actions=quiet, setsid=True)
    except (OSError, AttributeError, NotImplementedError):
        shutil.rmtree(folder, ignore_errors=True)


def _counts(result: BuildResult) -> str:
    return (f"{result.articles} article{'s' * (result.articles != 1)}, "
            f"{result.pages} pages")


def _describe_changes(changed: set[Path], root: Path | None) -> str:
    if not changed:
        return ""
    shown = sorted(display_path(path, root) if root else str(path) for path in changed)
    more = f" and {len(shown) - 3} more" if len(shown) > 3 else ""
    return f" after changes to {', '.join(shown[:3])}{more}"


def _bind_error(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (f"port {port} on {host} is already in use: stop the program using it, or "
                f"choose another with --port (--port 0 picks a free one)")
    if exc.errno == errno.EACCES:
        return f"not allowed to listen on port {port}: choose a port above 1023 with --port"
    return f"cannot listen on {host} port {port}: {exc.strerror or exc}"


def serve(preview: Preview) -> None:
    """Run ``preview`` in the main thread until Ctrl-C or SIGTERM, then clean up.

    Stopping interrupts a rebuild at once (it runs in this thread); the temporary folder is
    removed even if the signal comes again while cleaning up.
    """
    previous_int = signal.getsignal(signal.SIGINT)
    previous_term = signal.signal(signal.SIGTERM, _interrupt)
    try:
        preview.start()
        preview.run()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            preview.close()
        finally:
            signal.signal(signal.SIGINT, previous_int)
            signal.signal(signal.SIGTERM, previous_term)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
