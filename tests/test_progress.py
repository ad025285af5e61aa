"""Progress shows on a terminal and stays out of logs."""

from __future__ import annotations

import io

from newsgen.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_count_and_rate_on_a_terminal(monkeypatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    stream = Terminal()
    progress = Progress("Rendering pages", 40, stream=stream)
    progress.advance(40)
    progress.done()
    assert "Rendering pages: 40/40" in stream.getvalue() and "/s)" in stream.getvalue()


def test_progress_is_quiet_in_ci_and_when_not_a_terminal(monkeypatch) -> None:
    monkeypatch.setenv("CI", "true")
    ci = Terminal()
    Progress("Rendering pages", 40, stream=ci).advance(40)
    monkeypatch.delenv("CI")
    log = io.StringIO()
    Progress("Rendering pages", 40, stream=log).advance(40)
    assert ci.getvalue() == "" and log.getvalue() == ""
