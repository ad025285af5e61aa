"""Input built to hurt the build: code in YAML tags, alias bombs, deep nesting, huge files.

Each build runs in its own process (``python -m newsgen``) under a memory limit, so that a
crash (libyaml overflows its stack on deep nesting) or a runaway allocation fails the test
instead of taking pytest down, and so that its peak memory can be measured.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, article

GIB = 1024 ** 3
BAD = "articles/bad.md"

# Runs one build in a child of a small wrapper process, under a limit on its address
# space, and prints the child's exit code, output and peak resident memory as JSON.
_MEASURE = """
import json, resource, subprocess, sys
limit = int(sys.argv[1])
def limited():
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
run = subprocess.run(sys.argv[2:], capture_output=True, text=True, preexec_fn=limited)
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"code": run.returncode, "out": run.stdout, "err": run.stderr,
                  "peak_mib": peak_kib / 1024}))
"""


def measured_build(root: Path, *args: str, memory_limit: int = GIB,
                   timeout: float = 60) -> tuple[dict[str, object], float]:
    command = [sys.executable, "-c", _MEASURE, str(memory_limit), sys.executable, "-m",
               "newsgen", "build", "--site", str(root), "--base-url", "https://x.org/",
               "--jobs", "1", *args]
    started = time.perf_counter()
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout,
                         env={"SOURCE_DATE_EPOCH": "1735689600", "PATH": "/usr/bin:/bin"},
                         check=True)
    return json.loads(run.stdout), time.perf_counter() - started


def site_with(make_site, bad: str | bytes, config: str = "") -> Path:
    files: dict[str, str | bytes] = {"articles/good.md": article("A good story"), BAD: bad}
    if config:
        files["newsgen.yaml"] = config
    return make_site(files)


def assert_refused(result: dict[str, object], *fragments: str) -> None:
    assert result["code"] == 1, result
    err = str(result["err"])
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


# --- code in YAML tags --------------------------------------------------------------------


PAYLOADS = [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/apply:subprocess.check_call [[touch, '{marker}']]",
    "!!python/object/new:os.system ['touch {marker}']",
    "!!python/object/apply:builtins.exec ['open(\"{marker}\", \"w\").close()']",
    "!!python/name:os.system",
]


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("where", ["title", "extra key", "config"])
def test_python_tags_never_run(make_site, tmp_path: Path, payload: str, where: str) -> None:
    marker = tmp_path / "pwned"
    value = payload.format(marker=marker)
    if where == "config":
        root = site_with(make_site, article("Fine"), config=f"title: {value}\n")
    elif where == "title":
        root = site_with(make_site, f"---\ntitle: {value}\ndate: 2024-01-30\n---\nBody.\n")
    else:
        root = site_with(make_site, f"---\ntitle: Fine\ndate: 2024-01-30\nx: {value}\n---\nB\n")

    result, _ = measured_build(root)

    assert result["code"] == 1, result
    assert "Traceback" not in str(result["err"])
    assert "is not allowed" in str(result["err"]) or "invalid YAML" in str(result["err"])
    assert not marker.exists()


# --- alias bombs ---------------------------------------------------------------------------


def bomb(levels: int = 10, width: int = 10) -> str:
    """'Billion laughs': each level a list of ``width`` aliases of the level below."""
    lines = ["lol0: &lol0 [" + ", ".join(["lol"] * width) + "]"]
    for n in range(1, levels):
        lines.append(f"lol{n}: &lol{n} [" + ", ".join([f"*lol{n - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"  # 10^10 strings when walked


def test_alias_bomb_in_front_matter_is_refused_at_once(make_site) -> None:
    root = site_with(make_site, "---\ntitle: Laughs\ndate: 2024-01-30\n" + bomb() + "---\nB\n")

    result, seconds = measured_build(root)

    assert_refused(result, f"{BAD}:4: front matter: anchors and aliases")
    assert seconds < 10
    assert float(result["peak_mib"]) < 200  # type: ignore[arg-type]


def test_alias_bomb_in_the_config_is_never_expanded(make_site) -> None:
    root = site_with(make_site, article("Fine"), config=bomb() + "title: *lol9\n")

    result, seconds = measured_build(root)

    assert_refused(result, "newsgen.yaml", "'title': must be a string", "unknown key")
    assert seconds < 10
    assert float(result["peak_mib"]) < 200  # type: ignore[arg-type]


# --- deep nesting ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["flow", "block"])
def test_very_deep_front_matter_is_refused_without_crashing(make_site, shape: str) -> None:
    # A million levels of [[[…]]] make libyaml overflow its stack (a segfault) when read
    # naively; 1,500 levels of indented mappings make the file 2 MB of spaces.
    if shape == "flow":
        nested = "x: " + "[" * 1_000_000 + "]" * 1_000_000 + "\n"
    else:
        nested = "x:\n" + "".join(" " * i + "y:\n" for i in range(1, 1500)) + " " * 1500 + "1\n"
    root = site_with(make_site, "---\ntitle: Deep\ndate: 2024-01-30\n" + nested + "---\nB\n")

    result, seconds = measured_build(root)

    assert_refused(result, f"{BAD}:", "nested more than 20 levels deep")
    assert seconds < 20


def test_very_deep_config_is_refused_without_crashing(make_site) -> None:
    root = site_with(make_site, article("Fine"),
                     config="title: " + "[" * 200_000 + "]" * 200_000 + "\n")

    result, seconds = measured_build(root)

    assert_refused(result, "newsgen.yaml")
    assert seconds < 20


# --- huge files ------------------------------------------------------------------------------


def big_article(path: Path, megabytes: float) -> None:
    paragraph = ("The river rose overnight and *flooded* the [market](https://example.org) "
                 "in the delta. " * 8 + "\n\n")
    count = int(megabytes * 1024 * 1024) // len(paragraph)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("---\ntitle: A very long read\ndate: 2024-01-30\n---\n")
        for n in range(count):
            if n % 50 == 0:
                handle.write(f"## Part {n // 50 + 1}\n\n")
            handle.write(paragraph)


def test_a_50_mb_article_fails_clearly_without_being_read(make_site) -> None:
    root = site_with(make_site, article("Placeholder"))
    big_article(root / BAD, 50)

    result, seconds = measured_build(root)

    assert_refused(result, f"{BAD}: 5", "MB is more than max_article_mb (5 MB)",
                   "raise max_article_mb in newsgen.yaml")
    assert seconds < 10
    assert float(result["peak_mib"]) < 150  # type: ignore[arg-type]


def test_an_article_just_under_the_limit_builds_in_bounded_memory(make_site) -> None:
    root = site_with(make_site, article("Placeholder"))
    big_article(root / BAD, 4.9)

    result, seconds = measured_build(root, "--markdown-engine", "commonmark",
                                     memory_limit=2 * GIB)

    assert result["code"] == 0, result
    assert "Built 2 articles" in str(result["out"])
    assert float(result["peak_mib"]) < 600  # type: ignore[arg-type]
    assert seconds < 30


def test_the_limit_is_set_in_the_config(make_site) -> None:
    root = site_with(make_site, article("Placeholder"), config="max_article_mb: 1\n")
    big_article(root / BAD, 1.5)

    result, _ = measured_build(root)

    assert_refused(result, f"{BAD}: 1.5 MB is more than max_article_mb (1 MB)")


def test_memory_limit_of_the_harness_really_bites(tmp_path: Path) -> None:
    # The measurements above mean something only if the limit stops a runaway process.
    command = [sys.executable, "-c", _MEASURE, str(GIB), sys.executable, "-c",
               "x = bytearray(2 * 1024 ** 3)"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    result = json.loads(run.stdout)
    assert result["code"] != 0
    assert "MemoryError" in result["err"]
    assert resource.RLIMIT_AS  # the platform has the limit at all
