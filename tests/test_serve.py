"""`newsgen serve`: real HTTP against a preview on 127.0.0.1, a free port of its own.

The first half serves a built copy of the sample site with the server alone; the second
runs the whole preview (build into a temporary folder, watch, rebuild, reload) in-process,
then as `python -m newsgen serve` in a subprocess, then in headless Chromium.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import newsgen.preview as preview_module
from newsgen.cli import main
from newsgen.config import load_config
from newsgen.errors import NewsgenError
from newsgen.livereload import EVENTS_PATH, LiveSite, inject_script
from newsgen.preview import Preview
from newsgen.server import PreviewServer, content_type, is_loopback
from newsgen.watch import SourceWatcher

from conftest import BUILD_TIME, REPO, article, write_files
from helpers_site import Built, build_sample

SECRET = "TOP-SECRET-do-not-serve"
SCRIPT_ID = b'id="newsgen-live-reload"'
TIMEOUT = 30.0  # generous: the machine may be busy; every wait below polls and ends early


# --------------------------------------------------------------------------- HTTP helpers


@contextlib.contextmanager
def connection(base: str, timeout: float = TIMEOUT) -> Iterator[http.client.HTTPConnection]:
    host, port = base.removeprefix("http://").rstrip("/").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        yield conn
    finally:
        conn.close()


def fetch(base: str, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """One request with the path sent exactly as given (no normalising of dots or slashes)."""
    with connection(base) as conn:
        conn.request(method, path)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


def without_script(body: bytes) -> bytes:
    return re.sub(rb'<script id="newsgen-live-reload">.*?</script>\n', b"", body, flags=re.S)


def page_token(body: bytes) -> str:
    found = re.search(rb"since=([0-9a-f]+\.[0-9]+)", body)
    assert found, "no reload script in the page"
    return found.group(1).decode()


class EventStream:
    """A Server-Sent Events client: ``next()`` returns (event name, data) or fails on timeout."""

    def __init__(self, base: str, token: str) -> None:
        host, port = base.removeprefix("http://").rstrip("/").rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=TIMEOUT)
        self.sock.sendall(f"GET {EVENTS_PATH}?since={token} HTTP/1.1\r\n"
                          f"Host: {host}\r\nAccept: text/event-stream\r\n\r\n".encode())
        self.file = self.sock.makefile("rb")
        head = []
        while (line := self.file.readline()) not in (b"\r\n", b""):
            head.append(line.decode("latin-1").strip())
        assert head and head[0].startswith("HTTP/1.1 200"), head
        assert "content-type: text/event-stream; charset=utf-8" in (h.lower() for h in head)

    def next(self, timeout: float = TIMEOUT) -> tuple[str, str]:
        deadline = time.monotonic() + timeout
        name, data = "message", []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no event in time")
            self.sock.settimeout(remaining)
            raw = self.file.readline()
            if not raw:
                raise EOFError("the event stream ended")
            line = raw.decode("utf-8").rstrip("\n")
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
            elif line == "" and data:
                return name, "\n".join(data)

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def wait_until(check: Callable[[], object], timeout: float = TIMEOUT, what: str = "") -> object:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        time.sleep(0.05)


# --------------------------------------------------------------------------- the server alone


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Built:
    base = tmp_path_factory.mktemp("serve")
    built = build_sample(base)
    (base / "secret.txt").write_text(SECRET)  # beside the site: what `..` would reach
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.txt").write_text(SECRET)
    (built.out / "leak.txt").symlink_to(outside / "secret.txt")
    (built.out / "leakdir").symlink_to(outside, target_is_directory=True)
    (built.out / "static" / "font.woff2").write_bytes(b"wOF2" + bytes(60))
    (built.out / "static" / "big.bin").write_bytes(os.urandom(1024) * 16 * 1024)  # 16 MiB
    return built


@contextlib.contextmanager
def serving(root: Path, base_path: str = "/", reload: bool = True) -> Iterator[PreviewServer]:
    live = LiveSite()
    live.publish(root, base_path)
    server = PreviewServer("127.0.0.1", 0, live, reload=reload)
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        live.close()
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="module")
def server(sample: Built) -> Iterator[PreviewServer]:
    with serving(sample.out) as server:
        yield server


def an_article_url(sample: Built) -> str:
    page = sample.html("/")
    return page.find("h2", cls="lead-title").find("a").get("href") or ""


def test_page_is_utf8_html_with_the_reload_script_which_the_file_on_disk_lacks(
        sample: Built, server: PreviewServer) -> None:
    url = an_article_url(sample)
    status, headers, body = fetch(server.url, url)
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["cache-control"] == "no-store"
    assert body.count(SCRIPT_ID) == 1
    assert body.index(SCRIPT_ID) < body.rindex(b"</body>")
    on_disk = sample.file(url).read_bytes()
    assert b"newsgen-live-reload" not in on_disk and b"__newsgen__" not in on_disk
    assert without_script(body) == on_disk
    assert int(headers["content-length"]) == len(body)
    assert not any(b"newsgen-live-reload" in p.read_bytes() for p in sample.out.rglob("*.html"))


def test_no_reload_serves_pages_exactly_as_built(sample: Built) -> None:
    with serving(sample.out, reload=False) as server:
        status, _, body = fetch(server.url, "/")
        assert (status, body) == (200, sample.file("/").read_bytes())
        assert fetch(server.url, EVENTS_PATH)[0] == 404


@pytest.mark.parametrize(("url", "expected"), [
    ("/feed.xml", "application/atom+xml; charset=utf-8"),
    ("/sitemap.xml", "application/xml; charset=utf-8"),
    ("/robots.txt", "text/plain; charset=utf-8"),
    ("/static/css/newsgen.css", "text/css; charset=utf-8"),
    ("/static/favicon.svg", "image/svg+xml; charset=utf-8"),
    ("/static/font.woff2", "font/woff2"),
    ("/topics/", "text/html; charset=utf-8"),
])
def test_content_types(sample: Built, server: PreviewServer, url: str, expected: str) -> None:
    status, headers, body = fetch(server.url, url)
    assert (status, headers["content-type"]) == (200, expected)
    if not expected.startswith("text/html"):
        assert body == sample.file(url).read_bytes()


def test_every_topic_feed_is_atom(sample: Built, server: PreviewServer) -> None:
    feeds = sorted(sample.out.glob("topics/*/feed.xml"))
    assert feeds
    for feed in feeds[:5]:
        url = "/" + feed.relative_to(sample.out).as_posix()
        assert fetch(server.url, url)[1]["content-type"] == "application/atom+xml; charset=utf-8"


@pytest.mark.parametrize(("name", "expected"), [
    ("a.png", "image/png"), ("a.JPG", "image/jpeg"), ("a.webp", "image/webp"),
    ("a.woff", "font/woff"), ("a.ttf", "font/ttf"), ("a.js", "text/javascript; charset=utf-8"),
    ("a.json", "application/json; charset=utf-8"), ("a.ico", "image/vnd.microsoft.icon"),
    ("a.unknown-kind", "application/octet-stream"),
])
def test_content_type_table(name: str, expected: str) -> None:
    assert content_type(Path(name), b"") == expected


def test_topics_folder_answers_with_its_index(sample: Built, server: PreviewServer) -> None:
    status, _, body = fetch(server.url, "/topics/")
    assert status == 200
    assert without_script(body) == sample.file("/topics/").read_bytes()
    status, headers, _ = fetch(server.url, "/topics")
    assert (status, headers["location"]) == (302, "/topics/")


def test_unknown_paths_answer_404_with_the_sites_404_page(sample: Built,
                                                         server: PreviewServer) -> None:
    not_found = sample.file("/404.html").read_bytes()
    for url in ("/no/such/page/", "/missing.html", "/static/", "/feed.xml/", "/.newsgen-build"):
        status, headers, body = fetch(server.url, url)
        assert status == 404, url
        assert headers["content-type"] == "text/html; charset=utf-8"
        assert without_script(body) == not_found, url  # no listing of static/


@pytest.mark.parametrize("path", [
    "/../secret.txt",
    "/../../../../etc/passwd",
    "/%2e%2e/secret.txt",
    "/%2E%2E/%2e%2e/etc/passwd",
    "/%2e%2e%2fsecret.txt",
    "/..%2f..%2f..%2fetc%2fpasswd",
    "/.%2e/secret.txt",
    "/%252e%252e/secret.txt",
    "/topics/../../secret.txt",
    "/static/%2e%2e/%2e%2e/secret.txt",
    "//etc/passwd",
    "///etc/passwd",
    "/etc/passwd",
    "/..\\secret.txt",
    "/%5c..%5csecret.txt",
    "/..%5c..%5cetc%5cpasswd",
    "/%c0%ae%c0%ae/secret.txt",
    "/secret.txt%00.html",
    "/leak.txt",
    "/leakdir/secret.txt",
    "/leakdir/",
    "http://127.0.0.1/../secret.txt",
])
def test_nothing_outside_the_site_is_served(server: PreviewServer, path: str) -> None:
    status, _, body = fetch(server.url, path)
    assert status in (400, 404), (path, status)
    assert SECRET.encode() not in body and b"root:" not in body


def test_head_sends_headers_and_no_body(sample: Built, server: PreviewServer) -> None:
    get_body = fetch(server.url, "/")[2]
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=TIMEOUT) as sock:
        sock.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, rest = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert rest == b""
    assert f"Content-Length: {len(get_body)}".encode() in head
    assert b"Content-Type: text/html; charset=utf-8" in head
    status, headers, body = fetch(server.url, "/feed.xml", method="HEAD")
    assert (status, body) == (200, b"")
    assert headers["content-type"] == "application/atom+xml; charset=utf-8"
    status, headers, body = fetch(server.url, "/no/such/", method="HEAD")
    assert (status, body) == (404, b"")
    assert int(headers["content-length"]) > 0  # the length of the 404 page not sent


def test_fifty_concurrent_requests_are_all_answered_correctly(
        sample: Built, server: PreviewServer) -> None:
    pages = sorted(sample.out.rglob("index.html"))
    urls = ["/" + p.parent.relative_to(sample.out).as_posix() + "/" for p in pages]
    urls = [u.replace("/./", "/") for u in urls] + ["/feed.xml", "/static/css/newsgen.css"]
    wanted = [urls[i % len(urls)] for i in range(50)]
    start = threading.Barrier(50)

    def get(url: str) -> tuple[str, int, bytes]:
        start.wait(TIMEOUT)
        status, _, body = fetch(server.url, url)
        return url, status, body

    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(get, wanted))
    for url, status, body in answers:
        assert status == 200, url
        assert without_script(body) == sample.file(url).read_bytes(), url


def test_clients_that_leave_mid_answer_are_forgotten_quietly(
        server: PreviewServer, capfd: pytest.CaptureFixture[str]) -> None:
    before = set(threading.enumerate())
    for _ in range(5):
        sock = socket.create_connection(("127.0.0.1", server.server_port), timeout=TIMEOUT)
        sock.sendall(b"GET /static/big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.recv(1024)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()  # reset: the server is still writing 16 MiB
    busy = [t for t in threading.enumerate() if t not in before]
    wait_until(lambda: not any(t.is_alive() for t in busy), what="handlers to finish")
    assert fetch(server.url, "/")[0] == 200
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Error" not in err, err


def test_open_event_streams_do_not_hold_up_shutdown(sample: Built) -> None:
    with serving(sample.out) as server:
        streams = [EventStream(server.url, server.live.served.token) for _ in range(5)]
        started = time.monotonic()
    assert time.monotonic() - started < 3
    for stream in streams:
        with pytest.raises(EOFError):
            stream.next(timeout=5)
        stream.close()


def test_answers_survive_builds_being_swapped_and_removed(sample: Built,
                                                          tmp_path: Path) -> None:
    import shutil

    url = an_article_url(sample)
    first = shutil.copytree(sample.out, tmp_path / "build-0", symlinks=True)
    with serving(first) as server:
        done = threading.Event()

        def swap() -> None:
            old = first
            for n in range(1, 15):
                new = shutil.copytree(sample.out, tmp_path / f"build-{n}", symlinks=True)
                server.live.publish(new, "/")
                shutil.rmtree(old)  # as the preview does once a new build is served
                old = new
            done.set()

        def hammer() -> list[int]:
            statuses = []
            while not done.is_set():
                statuses += [fetch(server.url, url)[0], fetch(server.url, "/feed.xml")[0]]
            return statuses

        with ThreadPoolExecutor(max_workers=7) as pool:
            readers = [pool.submit(hammer) for _ in range(6)]
            pool.submit(swap).result(TIMEOUT)
            statuses = [status for reader in readers for status in reader.result(TIMEOUT)]
    assert statuses and set(statuses) == {200}


def test_a_site_under_a_path_is_served_there(sample: Built) -> None:
    with serving(sample.out, base_path="/news/") as server:
        assert fetch(server.url, "/news/feed.xml")[0] == 200
        assert fetch(server.url, "/feed.xml")[0] == 404
        status, headers, _ = fetch(server.url, "/")
        assert (status, headers["location"]) == (302, "/news/")


def test_the_script_goes_before_the_last_body_end_tag() -> None:
    page = b"<html><body><p>&lt;/body&gt; in text</p></BODY></html>"
    injected = inject_script(page, "abc.1")
    assert injected.index(SCRIPT_ID) < injected.index(b"</BODY>")
    assert injected.startswith(b"<html><body><p>&lt;/body&gt;")
    assert SCRIPT_ID in inject_script(b"no body tag", "abc.1")


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("localhost", True), ("::1", True),
    ("0.0.0.0", False), ("192.0.2.10", False),
])
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


# --------------------------------------------------------------------------- the whole preview


def test_the_watcher_finds_what_changed_before_it_started(tmp_path: Path) -> None:
    site = write_files(tmp_path, {"articles/old.md": "x", "articles/gone.md": "x",
                                  "articles/sub/kept.md": "x", "newsgen.yaml": ""})
    watcher = SourceWatcher(lambda changed: None)
    watcher.watch(dirs=[site / "articles", site / "static"], files=[site / "newsgen.yaml"])
    before = watcher.snapshot()
    assert watcher.changed_since(before) == set()
    write_files(site, {"articles/old.md": "longer", "articles/new.md": "x",
                       "articles/.new.md.swp": "x", "newsgen.yaml": "title: T\n"})
    (site / "articles" / "gone.md").unlink()
    assert watcher.changed_since(before) == {
        site / "articles" / name for name in ("old.md", "new.md", "gone.md")
    } | {site / "newsgen.yaml"}


STORY = "story"
STORY_URL = "/2024/01/story/"


def small_site(make_site: Callable[..., Path]) -> Path:
    """Three articles; the one edited has a fixed slug, so a new title keeps its URL."""
    return make_site({
        "newsgen.yaml": "title: Delta Daily\nbase_url: https://news.example.com/\n",
        "articles/story.md": article(title="Original headline", slug=STORY,
                                     date="2024-01-30 09:00:00+07:00", topics=["Mekong"]),
        "articles/floods.md": article(title="Floods hit the delta",
                                      date="2024-01-20 09:00:00+07:00", topics=["Mekong"]),
        "articles/harvest.md": article(title="Rice harvest up",
                                       date="2024-01-10 09:00:00+07:00", topics=["Economy"]),
    })


@contextlib.contextmanager
def preview_of(root: Path, **options: object) -> Iterator[Preview]:
    out = io.StringIO()
    preview = Preview(lambda: load_config(root).with_overrides(build_time=BUILD_TIME),
                      port=0, out=out, **options)
    thread = threading.Thread(target=preview.run, daemon=True)
    try:
        preview.start()
        thread.start()
        yield preview
    finally:
        preview.stop()
        if thread.is_alive():
            thread.join(TIMEOUT)
        preview.close()
    wait_until(lambda: not preview.temp.exists(), what="the temporary folder to go")


# Invalid YAML: the bracket is never closed.
BROKEN = "---\ntitle: [unclosed\ndate: 2024-01-30\n---\nBody.\n"


def edit_story(root: Path, title: str = "Original headline", body: str = "First paragraph.",
               front: str | None = None) -> None:
    text = front if front is not None else article(
        title=title, slug=STORY, date="2024-01-30 09:00:00+07:00", topics=["Mekong"], body=body)
    write_files(root, {"articles/story.md": text})


def test_an_edit_reloads_open_pages_and_serves_the_new_text(make_site) -> None:
    root = small_site(make_site)
    with preview_of(root) as preview:
        status, _, body = fetch(preview.url, STORY_URL)
        assert status == 200 and b"Original headline" in body
        events = EventStream(preview.url, page_token(body))
        saved = time.monotonic()
        edit_story(root, body="A paragraph written during the preview.")
        assert events.next()[0] == "reload"
        took = time.monotonic() - saved
        events.close()
        status, _, body = fetch(preview.url, STORY_URL)
        assert status == 200 and b"A paragraph written during the preview." in body
        print(f"edit → reload event: {took:.2f} s")


def test_a_failed_rebuild_keeps_the_last_good_site_and_reports_the_error(make_site) -> None:
    root = small_site(make_site)
    with preview_of(root) as preview:
        _, _, good = fetch(preview.url, STORY_URL)
        events = EventStream(preview.url, page_token(good))
        edit_story(root, front=BROKEN)
        name, data = events.next()
        assert name == "build-error"
        assert re.search(r"articles/story\.md:\d+: front matter: .*\]", data), data
        status, _, body = fetch(preview.url, STORY_URL)
        assert (status, body) == (200, good)  # the same build, the same token
        late = EventStream(preview.url, page_token(body))  # a page opened after the failure
        assert late.next()[0] == "build-error"
        edit_story(root, title="Fixed headline")
        assert events.next()[0] == "reload"
        assert late.next()[0] == "reload"
        status, _, body = fetch(preview.url, STORY_URL)
        assert status == 200 and b"Fixed headline" in body
        for stream in (events, late):
            stream.close()


def test_template_and_config_changes_rebuild_too(make_site) -> None:
    root = small_site(make_site)
    with preview_of(root) as preview:

        def after(change: dict[str, str]) -> tuple[str, str]:
            events = EventStream(preview.url, page_token(fetch(preview.url, "/")[2]))
            try:
                write_files(root, change)
                return events.next()
            finally:
                events.close()

        assert after({"newsgen.yaml": "title: Renamed Daily\n"})[0] == "reload"
        assert b"Renamed Daily" in fetch(preview.url, "/")[2]
        footer = "templates/partials/footer.html"
        assert after({footer: "<footer>Edited footer</footer>\n"})[0] == "reload"
        assert b"Edited footer" in fetch(preview.url, "/")[2]
        name, data = after({footer: "<footer>{{ nope( }}</footer>\n"})
        assert name == "build-error" and "partials/footer.html:1" in data, data
        assert b"Edited footer" in fetch(preview.url, "/")[2]
        events = EventStream(preview.url, page_token(fetch(preview.url, "/")[2]))
        assert events.next()[0] == "build-error"  # told at once: the last rebuild failed
        write_files(root, {footer: "<footer>Fixed footer</footer>\n",
                           "static/extra.css": "p { color: red }\n"})
        assert events.next()[0] == "reload"
        events.close()
        assert b"Fixed footer" in fetch(preview.url, "/")[2]
        assert fetch(preview.url, "/static/extra.css")[0] == 200

        def kept() -> list[str]:
            return sorted(p.name for p in preview.temp.iterdir() if not p.name.startswith("."))

        # One served folder, updated in place by incremental rebuilds, and the preview's
        # own cache: the failed build (4) left nothing behind.
        wait_until(lambda: kept() == ["cache", "site"], what="only the served build")


def test_a_large_preview_is_deleted_by_a_process_of_its_own(
        make_site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preview_module, "DELETE_DETACHED_ABOVE", 10)  # "large": 10 files
    root = small_site(make_site)
    with preview_of(root) as preview:
        temp = preview.temp
        assert list(temp.iterdir())
    assert not temp.exists()  # preview_of waited for the detached deletion


def test_a_busy_port_is_named(make_site, monkeypatch: pytest.MonkeyPatch,
                              tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = small_site(make_site)
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(NewsgenError, match=f"port {port} on 127.0.0.1 is already in use"):
            Preview(lambda: load_config(root), port=port)
        assert main(["serve", "--site", str(root), "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert f"error: port {port} on 127.0.0.1 is already in use" in err
    assert "--port 0" in err and "Traceback" not in err
    assert list(temp.iterdir()) == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_the_command_stops_cleanly_on_a_signal(make_site, tmp_path: Path,
                                               sig: signal.Signals) -> None:
    root = small_site(make_site)
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "newsgen", "serve", "--site", str(root), "--port", "0"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = ""
        deadline = time.monotonic() + TIMEOUT
        while not url and time.monotonic() < deadline:
            line = process.stdout.readline()
            assert line, f"serve ended early: {process.stderr.read() if process.stderr else ''}"
            found = re.search(r"Serving (http://127\.0\.0\.1:\d+/)", line)
            url = found.group(1) if found else ""
        assert list(temp.iterdir()), "the build should live in TMPDIR"
        status, _, body = fetch(url, STORY_URL)
        assert status == 200
        events = EventStream(url, page_token(body))  # left open across the signal
        process.send_signal(sig)
        out, err = process.communicate(timeout=TIMEOUT)
        events.close()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert "Traceback" not in err and "Traceback" not in out, err
    assert "Stopped." in out
    assert list(temp.iterdir()) == []


# --------------------------------------------------------------------------- in a browser

CHROMIUM = os.environ.get("NEWSGEN_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def chromium() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; CI must install Debian's chromium")
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium, or "
                    f"run .ci/run); this test drives a real browser")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        try:
            yield browser
        finally:
            browser.close()


def test_an_open_page_shows_a_new_title_and_build_errors_by_itself(make_site, chromium) -> None:
    root = small_site(make_site)
    with preview_of(root) as preview:
        page = chromium.new_page()  # type: ignore[attr-defined]
        page.goto(preview.url.rstrip("/") + STORY_URL)
        assert page.locator("h1").inner_text() == "Original headline"
        saved = time.monotonic()
        edit_story(root, title="A headline changed on disk")
        page.wait_for_function(
            "document.querySelector('h1')?.textContent === 'A headline changed on disk'",
            timeout=TIMEOUT * 1000)
        print(f"edit → new title in the browser: {time.monotonic() - saved:.2f} s")

        edit_story(root, front=BROKEN)
        overlay = page.locator("#newsgen-error-overlay")
        overlay.wait_for(state="visible", timeout=TIMEOUT * 1000)
        assert re.search(r"articles/story\.md:\d+: front matter", overlay.inner_text())
        assert page.locator("h1").inner_text() == "A headline changed on disk"

        edit_story(root, title="Repaired headline")
        page.wait_for_function(
            "document.querySelector('h1')?.textContent === 'Repaired headline'",
            timeout=TIMEOUT * 1000)
        assert page.locator("#newsgen-error-overlay").count() == 0
