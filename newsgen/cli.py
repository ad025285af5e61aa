"""Command line: ``newsgen build``. Turns ``NewsgenError`` into a message and an exit code."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import traceback
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

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
    build.add_argument("--future", action="store_true", help="include future-dated articles")
    build.add_argument("--strict", action="store_true",
                       help="treat warnings (unknown keys, merged topics …) as errors")
    build.add_argument("--force", action="store_true",
                       help="replace an output folder that newsgen did not create")
    build.add_argument("--jobs", "-j", type=_positive_int, metavar="N",
                       help="worker processes (default: one per CPU)")
    build.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
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


def run_build(args: argparse.Namespace) -> int:
    from newsgen.build import build
    from newsgen.config import load_config

    site = args.site
    if not site.is_dir():
        print(f"newsgen: error: site folder not found: {site}", file=sys.stderr)
        return EXIT_USAGE
    config = load_config(site, args.config).with_overrides(
        output_dir=args.output, base_url=args.base_url, drafts=args.drafts,
        markdown_engine=args.markdown_engine,
        future=args.future, strict=args.strict, build_time=build_time(),
    )
    result = build(config, force=args.force, jobs=args.jobs)
    for warning in result.warnings:
        print(f"warning: {printable(str(warning))}", file=sys.stderr)
    print(result.summary())
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with _sigterm_as_interrupt():
            if args.command == "build":
                return run_build(args)
            parser.error(f"unknown command {args.command}")
    except NewsgenError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:  # a file-system problem no stage put into words
        if args.debug:
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


if __name__ == "__main__":
    sys.exit(main())
