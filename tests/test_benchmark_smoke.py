"""A small smoke run of the benchmark: it must keep working (figures are not checked)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import REPO


def test_benchmark_runs_on_a_tiny_corpus(tmp_path: Path) -> None:
    if not (REPO.parent / "shared" / "corpus" / "gen_corpus.py").is_file():
        raise AssertionError("the standard corpus generator (../shared/corpus) is missing")
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run.py"), "--n", "40", "--runs", "1",
         "--no-hugo", "--workdir", str(tmp_path)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for measure in ("newsgen cold (Python-Markdown)", "newsgen cold (CommonMark)",
                    "newsgen cold, cache written (Python-Markdown)",
                    "newsgen cold, cache written (CommonMark)",
                    "newsgen title edit", "newsgen template edit"):
        assert f"| {measure} |" in result.stdout
