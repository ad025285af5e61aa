"""The preview's HTTP server: serves one built site folder, nothing outside it.

It knows nothing about Markdown or templates. ``LiveSite`` tells it which folder to serve;
HTML answers get the live-reload script. Paths are checked before any file is opened:
``..`` (also percent-encoded), backslashes and NUL bytes are refused, and the resolved file
(symlinks followed) must lie inside the site. Folders answer with their ``index.html``,
never a listing; anything else answers with the site's ``404.html``.
"""

from __future__ import annotations

import ipaddress
import mimetypes
import os
import shutil
import socket
import socketserver
import sys
import traceback
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote

from newsgen.livereload import EVENTS_PATH, LiveSite, Served, inject_script, stream_events

_UTF8 = "; charset=utf-8"
CONTENT_TYPES = {
    ".html": "text/html" + _UTF8,
    ".htm": "text/html" + _UTF8,
    ".css": "text/css" + _UTF8,
    ".js": "text/javascript" + _UTF8,
    ".mjs": "text/javascript" + _UTF8,
    ".json": "application/json" + _UTF8,
    ".map": "application/json" + _UTF8,
    ".webmanifest": "application/manifest+json" + _UTF8,
    ".txt": "text/plain" + _UTF8,
    ".csv": "text/csv" + _UTF8,
    ".xml": "application/xml" + _UTF8,
    ".xsl": "application/xslt+xml" + _UTF8,
    ".svg": "image/svg+xml" + _UTF8,
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/vnd.microsoft.icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".pdf": "application/pdf",
    ".mp3": "audio/mpeg",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
}
ATOM = "application/atom+xml" + _UTF8
RSS = "application/rss+xml" + _UTF8


def content_type(path: Path, head: bytes) -> str:
    """The Content-Type of a file; ``head`` (its first bytes) tells Atom and RSS feeds apart."""
    suffix = path.suffix.lower()
    if suffix == ".xml":
        if b"<feed" in head:
            return ATOM
        if b"<rss" in head:
            return RSS
    known = CONTENT_TYPES.get(suffix)
    if known:
        return known
    guessed, _ = mimetypes.guess_type(path.name)
    if guessed is None:
        return "application/octet-stream"
    return guessed + _UTF8 if guessed.startswith("text/") else guessed


@dataclass(frozen=True)
class Target:
    """What a request path leads to: a file, a redirect or an error status."""

    status: HTTPStatus
    file: Path | None = None
    location: str = ""


def resolve_target(root: Path, base_path: str, request_path: str) -> Target:
    """Map a request target to a file inside ``root``, the site served at ``base_path``.

    Redirects are 302: browsers keep a 301 for good, and a preview's URLs change.
    """
    raw = request_path.split("?", 1)[0].split("#", 1)[0]
    if not raw.startswith("/"):
        return Target(HTTPStatus.BAD_REQUEST)
    try:
        path = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        return Target(HTTPStatus.BAD_REQUEST)
    if "\\" in path or "\0" in path:
        return Target(HTTPStatus.BAD_REQUEST)
    parts = [part for part in path.split("/") if part]
    if any(part in (".", "..") for part in parts):
        return Target(HTTPStatus.BAD_REQUEST)
    base_parts = [part for part in base_path.split("/") if part]
    if not parts and base_parts:
        return Target(HTTPStatus.FOUND, location=base_path)  # the site lives under a path
    if parts[: len(base_parts)] != base_parts:
        return Target(HTTPStatus.NOT_FOUND)
    if parts == base_parts and not path.endswith("/"):
        return Target(HTTPStatus.FOUND, location=base_path)
    inside = parts[len(base_parts):]
    if any(part.startswith(".") for part in inside):
        return Target(HTTPStatus.NOT_FOUND)  # the build's marker and lock files
    file = _inside(root, root.joinpath(*inside))
    if file is not None and file.is_dir():
        index = _inside(root, file / "index.html")
        if index is None or not index.is_file():
            return Target(HTTPStatus.NOT_FOUND)  # never a listing
        if not path.endswith("/"):
            location = "/" + "/".join(quote(part) for part in parts) + "/"
            return Target(HTTPStatus.FOUND, location=location)
        return Target(HTTPStatus.OK, index)
    if file is None or not file.is_file() or path.endswith("/"):
        return Target(HTTPStatus.NOT_FOUND)
    return Target(HTTPStatus.OK, file)


def _inside(root: Path, path: Path) -> Path | None:
    """``path`` with symlinks resolved, if it exists and lies inside ``root``."""
    try:
        real = path.resolve(strict=True)
        return real if real.is_relative_to(root.resolve(strict=True)) else None
    except (OSError, RuntimeError):
        return None


def is_loopback(host: str) -> bool:
    """Whether every address ``host`` names is this machine only."""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(
        ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_loopback for info in infos
    )


class PreviewServer(ThreadingHTTPServer):
    """A threaded HTTP server for one live site; stops without waiting for open streams."""

    daemon_threads = True
    block_on_close = False  # event streams stay open; shutdown must not wait for them

    def __init__(self, host: str, port: int, live: LiveSite, *, reload: bool = True,
                 verbose: bool = False) -> None:
        if ":" in host:
            self.address_family = socket.AF_INET6
        self.live = live
        self.reload = reload
        self.verbose = verbose
        super().__init__((host, port), PreviewHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can stall on a slow resolver.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    @property
    def url(self) -> str:
        """``http://host:port/``; a wildcard host is shown as ``localhost``."""
        host = self.server_name
        if host in ("", "0.0.0.0", "::"):
            host = "localhost"
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.server_port}/"

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return  # the client went away mid-answer: nothing to tell anyone
        print(f"newsgen serve: error while answering {client_address[0]}: {error!r}",
              file=sys.stderr)
        if self.verbose:
            traceback.print_exc()


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"  # keep-alive: a page and its assets share connections
    server_version = "newsgen-preview"
    timeout = 60  # an idle keep-alive connection frees its thread after this

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def _answer(self, send_body: bool) -> None:
        if self.path.split("?", 1)[0] == EVENTS_PATH and self.server.reload:
            self._events(send_body)
            return
        while True:
            served = self.server.live.served
            if self._answer_from(served, send_body):
                return
            # A new build replaced this one (and the old files went) while answering.

    def _answer_from(self, served: Served, send_body: bool) -> bool:
        """Answer from the build ``served``; False if it was replaced before a file opened."""
        if served.root is None:
            self.send_error(HTTPStatus.SERVICE_UNAVAILABLE, "The site is being built")
            return True
        target = resolve_target(served.root, served.base_path, self.path)
        if target.location:
            self.send_response(target.status)
            self.send_header("Location", target.location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return True
        if target.status == HTTPStatus.BAD_REQUEST:
            self.send_error(target.status, "Bad request path")
            return True
        if target.file is not None:
            if self._send_file(target.file, HTTPStatus.OK, served, send_body):
                return True
            if self._replaced(served):
                return False
        return self._not_found(served, send_body)

    def _not_found(self, served: Served, send_body: bool) -> bool:
        assert served.root is not None
        if self._send_file(served.root / "404.html", HTTPStatus.NOT_FOUND, served, send_body):
            return True
        if self._replaced(served):
            return False
        self.send_error(HTTPStatus.NOT_FOUND)
        return True

    def _replaced(self, served: Served) -> bool:
        return self.server.live.served.root != served.root

    def _send_file(self, file: Path, status: HTTPStatus, served: Served,
                   send_body: bool) -> bool:
        """Answer with ``file``; False if it vanished (an older build was cleaned up)."""
        try:
            handle = open(file, "rb")  # noqa: SIM115 - closed below, after the answer
        except OSError:
            return False
        with handle:
            size = os.fstat(handle.fileno()).st_size
            kind = content_type(file, handle.read(512))
            handle.seek(0)
            body: bytes | None = None
            if kind.startswith("text/html") and self.server.reload:
                body = inject_script(handle.read(), served.token)
                size = len(body)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(size))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if send_body:
                if body is not None:
                    self.wfile.write(body)
                else:
                    shutil.copyfileobj(handle, self.wfile)
        return True

    def _events(self, send_body: bool) -> None:
        query = parse_qs(self.path.partition("?")[2])
        since = query.get("since", [""])[0]
        self.close_connection = True  # the stream has no length: it ends with the connection
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream" + _UTF8)
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        if send_body:
            stream_events(self.server.live, since, self._write_flushed)

    def _write_flushed(self, data: bytes) -> None:
        self.wfile.write(data)
        self.wfile.flush()
