"""Command line: ``newsgen build``; the editor's commands are in ``editor_cli``.
Turns ``NewsgenError`` into a message and an exit code."""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

from newsgen import __version__
from newsgen.errors import NewsgenError

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsgen",
        description="Build a static news site from Markdown articles with YAML front matter.",
    )
    parser.add_argument("--version", action="version", version=f"newsgen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    build = commands.add_parser(
        "build", help="build the site into the output folder",
        description="Build the site: every article, topic page, the home page, feeds and "
                    "sitemap. The previous output is replaced only when the build succeeds.",
    )
    build.add_argument("--site", type=Path, default=Path("."), metavar="DIR",
                       help="site root holding articles/, templates/, static/ and "
                            "newsgen.yaml (default: current folder)")
    build.add_argument("--output", type=Path, metavar="DIR",
                       help="output folder (default: public/ under the site root)")
    build.add_argument("--config", type=Path, metavar="FILE",
                       help="config file (default: newsgen.yaml in the site root)")
    build.add_argument("--base-url", metavar="URL",
                       help="absolute URL the site is published at (overrides config)")
    build.add_argument("--markdown-engine", choices=("markdown", "commonmark"),
                       help="Markdown engine (overrides config): Python-Markdown, or "
                            "CommonMark+GFM via cmarkgfm (pip install 'newsgen[commonmark]')")
    build.add_argument("--drafts", action="store_true", help="include articles with draft: true")
    build.add_argument("--future", action="store_true",
                       help="include future-dated articles (an embargo still holds)")
    build.add_argument("--strict", action="store_true",
                       help="treat warnings (unknown keys, merged topics …) as errors")
    build.add_argument("--force", action="store_true",
                       help="replace an output folder that newsgen did not create")
    build.add_argument("--cache-dir", type=Path, metavar="DIR",
                       help="build cache folder (default: .newsgen-cache/ under the site root)")
    build.add_argument("--no-cache", action="store_true",
                       help="build everything from scratch, neither reading nor writing the cache")
    build.add_argument("--jobs", "-j", type=_positive_int, metavar="N",
                       help="worker processes (default: one per CPU)")
    build.add_argument("--print-next-publish", action="store_true",
                       help="instead of the summary, print only the time (ISO 8601) at which "
                            "the next scheduled or embargoed article becomes due, so that a "
                            "scheduler knows when to build again; nothing if none is waiting")
    build.add_argument("--debug", action="store_true", help="show tracebacks for errors")

    serve = commands.add_parser(
        "serve", help="preview the site in a browser; rebuild and reload on every change",
        description="Build the site into a temporary folder and serve it over HTTP. When a "
                    "file in articles/, templates/, static/ or newsgen.yaml changes, the site "
                    "is rebuilt and open pages reload; a failed rebuild keeps the last good "
                    "site served and shows the error on the page. Nothing is written to the "
                    "output folder.",
    )
    serve.add_argument("--site", type=Path, default=Path("."), metavar="DIR",
                       help="site root (default: current folder)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default: 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=_port, default=8000,
                       help="port to listen on (default: 8000; 0 picks a free one)")
    serve.add_argument("--base-url", metavar="URL",
                       help="URL the preview is reached at (default: http://HOST:PORT/ "
                            "plus the path of the configured base_url)")
    serve.add_argument("--drafts", action="store_true", help="include articles with draft: true")
    serve.add_argument("--future", action="store_true", help="include future-dated articles")
    serve.add_argument("--no-reload", dest="reload", action="store_false",
                       help="serve pages exactly as built, without the reload script "
                            "(the site is still rebuilt on change)")
    serve.add_argument("--verbose", action="store_true", help="log every request")
    serve.add_argument("--debug", action="store_true", help="show tracebacks for errors")

    from newsgen.editor_cli import add_editor_commands

    add_editor_commands(commands)
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, not '{text}'") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535, not {value}")
    return value


def build_time() -> datetime:
    """The build's notion of "now": SOURCE_DATE_EPOCH when set, for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), UTC)
        except (ValueError, OverflowError):
            pass
    return datetime.now(UTC)


# Set by ``run``, whose process ends right after the command: what a build made is added
# here, for the exit to drop at once (see ``build``'s ``keep``).
_LEFT_FOR_EXIT: list[object] | None = None


def run_build(args: argparse.Namespace) -> int:
    from newsgen.build import build
    from newsgen.config import KeptParse, load_config

    site = args.site
    if not site.is_dir():
        print(f"newsgen: error: site folder not found: {site}", file=sys.stderr)
        return EXIT_USAGE
    # The config's YAML parse is kept with the build cache, when that is in its default
    # folder (see ``KeptParse``).
    kept = KeptParse(site) if not args.no_cache and args.cache_dir is None else None
    config = load_config(site, args.config, kept=kept).with_overrides(
        output_dir=args.output, base_url=args.base_url, drafts=args.drafts,
        markdown_engine=args.markdown_engine, cache_dir=args.cache_dir,
        future=args.future, strict=args.strict, build_time=build_time(),
    )
    result = build(config, force=args.force, jobs=args.jobs, use_cache=not args.no_cache,
                   keep=_LEFT_FOR_EXIT)
    if kept is not None:
        kept.save(config)
    for notice in result.notices:
        print(f"note: {printable(str(notice))}", file=sys.stderr)
    for warning in result.warnings:
        print(f"warning: {printable(str(warning))}", file=sys.stderr)
    if args.print_next_publish:
        if result.next_publish:
            print(result.next_publish.isoformat(timespec="seconds"))
    else:
        print(result.summary())
    return EXIT_OK


def run_serve(args: argparse.Namespace) -> int:
    from newsgen.config import SiteConfig, load_config
    from newsgen.preview import Preview, serve

    gc.enable()  # off for the start-up (``run``); a server runs for hours

    site = args.site
    if not site.is_dir():
        print(f"newsgen: error: site folder not found: {site}", file=sys.stderr)
        return EXIT_USAGE

    def configure() -> SiteConfig:  # read anew for every build: newsgen.yaml is watched
        return load_config(site).with_overrides(drafts=args.drafts, future=args.future,
                                                build_time=build_time())

    configure()  # a broken config stops here, before a port is taken
    preview = Preview(configure, host=args.host, port=args.port, base_url=args.base_url,
                      reload=args.reload, verbose=args.verbose)
    serve(preview)
    print("Stopped.")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with _sigterm_as_interrupt():
            if args.command == "build":
                return run_build(args)
            if args.command == "serve":
                return run_serve(args)
            if hasattr(args, "run"):
                code: int = args.run(args)
                return code
            parser.error(f"unknown command {args.command}")
    except NewsgenError as exc:
        if args.debug:
            import traceback  # only here: 5 ms of every command's start

            traceback.print_exc()
        print(f"error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:  # a file-system problem no stage put into words
        if args.debug:
            import traceback

            traceback.print_exc()
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {printable(where + (exc.strerror or str(exc)))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt as exc:
        print("interrupted: nothing half-built was published (the output folder holds the "
              "previous site, or the new one if it was already swapped in)", file=sys.stderr)
        return 128 + signal.SIGTERM if isinstance(exc, Terminated) else 130
    return EXIT_USAGE


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that a build stops and cleans up the same way."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(text: str) -> str:
    """A message safe for a terminal: control characters from file names or front matter
    (an escape sequence, a right-to-left override) are shown as escapes, not obeyed."""
    shown = []
    for ch in text:
        if ch == "\n" or (unicodedata.category(ch) not in ("Cc", "Cs") and ch not in _BIDI):
            shown.append(ch)
        else:
            shown.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
    return "".join(shown)


def run() -> NoReturn:
    """The ``newsgen`` command (the console script, ``python -m newsgen``): ``main`` with
    the cyclic garbage collector off, then an exit that skips tearing the interpreter down.

    - The collector's passes while newsgen's modules load walk every object made so far:
      ~17 ms of a one-article rebuild. A command's main process makes few cycles and ends
      soon (a full build pauses collection anyway, see ``build.collection_paused``);
      ``serve``, which runs for hours, turns it back on.
    - Freeing every module and object of a process about to end takes ~70 ms here, a
      quarter of a build with nothing to do. Nothing is lost by skipping it: newsgen
      writes every file within a ``with`` block, closes the cache store and joins its
      worker pools before ``main`` returns; what is left is the standard streams,
      flushed here. If flushing fails (a reader closed the pipe), the usual exit reports
      it. An exception out of ``main`` never gets here: it ends the process as usual.
      For the same reason a build's articles and pages are not freed as it returns
      (``_LEFT_FOR_EXIT``): 0.13 s of a 10,000-article build.
    """
    global _LEFT_FOR_EXIT
    gc.disable()
    _LEFT_FOR_EXIT = []
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)
    os._exit(code)


if __name__ == "__main__":
    run()
