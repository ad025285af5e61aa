"""Progress of long stages on a terminal: count and rate, redrawn in place.

Quiet when stderr is not a terminal or in CI, so logs stay clean.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO


class Progress:
    """``Progress("Rendering", total)``; ``advance(n)`` as work completes; ``done()``."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None,
                 enabled: bool | None = None) -> None:
        self.label = label
        self.total = total
        self.stream = stream or sys.stderr
        self.enabled = (self.stream.isatty() and not os.environ.get("CI")
                        if enabled is None else enabled) and total > 0
        self.count = 0
        self.started = time.perf_counter()
        self._drawn = 0.0

    def advance(self, amount: int) -> None:
        self.count += amount
        now = time.perf_counter()
        if self.enabled and (now - self._drawn > 0.1 or self.count >= self.total):
            self._drawn = now
            rate = self.count / max(now - self.started, 1e-9)
            self.stream.write(f"\r{self.label}: {self.count}/{self.total} "
                              f"({rate:,.0f}/s)\x1b[K")
            self.stream.flush()

    def done(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
