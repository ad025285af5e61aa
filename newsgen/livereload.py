"""Live reload for the preview: which build is being served, and the script that follows it.

The preview publishes every good build here, or the error of a failed one. Each open page
holds a Server-Sent Events stream: it reloads when a newer build is published and shows the
error in an overlay while the last good build stays served. The script goes into HTML
responses of the preview only; files on disk never contain it.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EVENTS_PATH = "/__newsgen__/events"
# A comment line this often keeps proxies from closing an idle stream and finds dead clients.
PING_SECONDS = 15.0


@dataclass(frozen=True)
class Served:
    """One moment of the preview: the folder served, its URL path, the build's token."""

    root: Path | None
    base_path: str
    token: str  # "<server instance>.<build number>": a page built earlier reloads
    error: str | None  # the last rebuild failed with this message
    version: int  # changes whenever anything above changes
    closed: bool = False


class LiveSite:
    """The build being served; threads wait here for the next one."""

    def __init__(self) -> None:
        self._instance = secrets.token_hex(4)
        self._builds = 0
        self._changed = threading.Condition()
        self._served = Served(None, "/", f"{self._instance}.0", None, 0)

    @property
    def served(self) -> Served:
        return self._served

    def publish(self, root: Path, base_path: str) -> None:
        """Serve a new good build; open pages reload."""
        with self._changed:
            self._builds += 1
            self._update(root=root, base_path=base_path, error=None,
                         token=f"{self._instance}.{self._builds}")

    def fail(self, message: str) -> None:
        """Keep serving the last good build; open pages show ``message``."""
        with self._changed:
            self._update(error=message)

    def close(self) -> None:
        """End every open event stream (the server is stopping)."""
        with self._changed:
            self._update(closed=True)

    def wait(self, version: int, timeout: float) -> Served:
        """The served state once it differs from ``version``, or after ``timeout`` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self._served.version != version, timeout)
            return self._served

    def _update(self, **changes: Any) -> None:
        served = self._served
        self._served = dataclasses.replace(served, version=served.version + 1, **changes)
        self._changed.notify_all()


def stream_events(live: LiveSite, since: str, write: Callable[[bytes], None]) -> None:
    """Write Server-Sent Events to a page built as ``since`` until it must reload.

    ``reload`` when a newer build is served; ``build-error`` (JSON text) while the last
    rebuild has failed. Returns when the page should reload or the server closes; a client
    that went away makes ``write`` raise.
    """
    write(b"retry: 1000\n\n")
    served = live.served
    shown_error: str | None = None
    while not served.closed:
        if served.root is not None and served.token != since:
            write(_event("reload", served.token))
            return
        if served.error != shown_error:
            shown_error = served.error
            if shown_error is not None:
                write(_event("build-error", json.dumps(shown_error)))
        latest = live.wait(served.version, PING_SECONDS)
        if latest.version == served.version:
            write(b": ping\n\n")
        served = latest


def _event(name: str, data: str) -> bytes:
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {name}\n{lines}\n".encode()


_SCRIPT = """<script id="newsgen-live-reload">
(function () {
  "use strict";
  if (!window.EventSource) { return; }
  var overlay = null;
  var events = new EventSource("@PATH@?since=@TOKEN@");
  events.addEventListener("reload", function () {
    events.close();
    window.location.reload();
  });
  events.addEventListener("build-error", function (event) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "newsgen-error-overlay";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
        "padding:2rem;background:rgba(40,0,0,.94);color:#fff;font:15px/1.5 sans-serif";
      var title = document.createElement("p");
      title.style.cssText = "margin:0 0 1rem;font-weight:bold";
      title.textContent = "newsgen serve: the rebuild failed. The page below is the last " +
        "good build; save a fix and it reloads.";
      var text = document.createElement("pre");
      text.style.cssText = "margin:0;white-space:pre-wrap;font:14px/1.5 monospace";
      overlay.appendChild(title);
      overlay.appendChild(text);
      document.body.appendChild(overlay);
    }
    overlay.lastChild.textContent = JSON.parse(event.data);
  });
})();
</script>
"""


def inject_script(html: bytes, token: str) -> bytes:
    """``html`` with the reload script before its last ``</body>`` (or at its end)."""
    script = _SCRIPT.replace("@PATH@", EVENTS_PATH).replace("@TOKEN@", token).encode()
    at = html.lower().rfind(b"</body>")
    if at == -1:
        return html + script
    return html[:at] + script + html[at:]
