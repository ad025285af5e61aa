"""The default theme ships in the wheel: a folder holding only articles/ builds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import REPO, article, write_files


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          check=True, timeout=300)


def test_installed_wheel_builds_a_site_with_only_articles(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    # No build isolation and no index: the test needs no network.
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
        "--no-index", "-q", "-w", wheels, REPO)
    wheel = next(wheels.glob("newsgen-*.whl"))
    venv = tmp_path / "venv"
    # The venv sees the already installed dependencies (jinja2, markdown…), not the repo.
    run(sys.executable, "-m", "venv", "--system-site-packages", venv)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheel)
    located = run(python, "-c", "import newsgen; print(newsgen.__file__)", cwd=tmp_path)
    assert Path(located.stdout.strip()).is_relative_to(venv), located.stdout

    site = write_files(tmp_path / "newsroom", {
        "articles/budget.md": article("Budget passes", topics=["Economy"]),
        "articles/rates.md": article("Rates held", date="2024-02-01", topics=["Economy"]),
    })
    result = run(venv / "bin" / "newsgen", "build", "--base-url", "https://example.org/",
                 cwd=site)
    assert "Built 2 articles" in result.stdout
    public = site / "public"
    assert (public / "static" / "css" / "newsgen.css").is_file()
    home = (public / "index.html").read_text(encoding="utf-8")
    assert "Budget passes" in home and "/static/css/newsgen.css" in home
    assert "Rates held" in (public / "topics" / "economy" / "index.html").read_text()
