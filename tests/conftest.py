"""Shared test helpers: build small sites from dicts of strings."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsgen.config import SiteConfig, load_config

REPO = Path(__file__).resolve().parent.parent
# A fixed "now" so that which articles count as future is the same on every run.
BUILD_TIME = datetime(2025, 1, 1, tzinfo=UTC)


def article(title: str = "A headline", date: str = "2024-01-30 09:15:00+07:00",
            body: str = "First paragraph of the story.\n\nSecond paragraph.",
            **fields: object) -> str:
    """The text of an article file with the given front matter."""
    lines = [f"title: {_yaml(title)}", f"date: {date}"]
    for key, value in fields.items():
        lines.append(f"{key}: {_yaml(value)}")
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


def _yaml(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


def write_files(root: Path, files: Mapping[str, str | bytes]) -> Path:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content) if content.startswith("\n") else content,
                            encoding="utf-8")
    return root


MakeSite = Callable[..., Path]


@pytest.fixture
def make_site(tmp_path: Path) -> MakeSite:
    """make_site({"articles/a.md": article(...)}) -> site root folder."""

    def make(files: Mapping[str, str | bytes], name: str = "site") -> Path:
        root = tmp_path / name
        root.mkdir(exist_ok=True)
        (root / "articles").mkdir(exist_ok=True)
        return write_files(root, files)

    return make


def site_config(root: Path, **overrides: object) -> SiteConfig:
    """The config of a test site: fixed build time and base URL unless overridden."""
    values: dict[str, object] = {"base_url": "https://news.example.com/",
                                 "build_time": BUILD_TIME}
    values.update(overrides)
    return load_config(root).with_overrides(**values)
