"""The output folder: never one holding the site's sources, never a folder or file newsgen
did not make (unless --force, and never sources even then)."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsgen.cli import main
from newsgen.output import FolderCheck, folder_stamps

from conftest import article
from helpers_site import only_the_parent_returns


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01


def everything(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): (p.read_bytes() if p.is_file() else b"dir")
            for p in sorted(folder.rglob("*"))}


@pytest.fixture
def site(make_site) -> Path:
    return make_site({"articles/a.md": article("A story"), "templates/partials/x.html": "x",
                      "static/site.css": "body {}"})


@pytest.mark.parametrize("force", [[], ["--force"]])
@pytest.mark.parametrize("output", [".", "..", "articles", "articles/out", "templates",
                                    "templates/out", "static", "static/css", "./articles/../."])
def test_output_holding_or_inside_the_sources_is_refused(
        site: Path, capsys: pytest.CaptureFixture[str], output: str, force: list[str]) -> None:
    before = everything(site.parent)

    assert main(["build", "--site", str(site), "--output", str(site / output), *force]) == 1

    err = capsys.readouterr().err
    assert "choose another --output" in err
    assert "Traceback" not in err
    assert everything(site.parent) == before


@pytest.mark.parametrize("output_dir", [".", "articles", "static/out", "templates"])
def test_output_dir_in_the_config_is_checked_the_same_way(
        site: Path, capsys: pytest.CaptureFixture[str], output_dir: str) -> None:
    (site / "newsgen.yaml").write_text(f"output_dir: {output_dir}\n", encoding="utf-8")
    before = everything(site.parent)

    assert main(["build", "--site", str(site)]) == 1

    assert "choose another --output" in capsys.readouterr().err
    assert everything(site.parent) == before


def test_output_that_is_a_symlink_to_the_site_is_refused(
        site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    link = tmp_path / "www"
    link.symlink_to(site)
    before = everything(site)

    assert main(["build", "--site", str(site), "--output", str(link), "--force"]) == 1

    assert "choose another --output" in capsys.readouterr().err
    assert everything(site) == before
    assert link.is_symlink()


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_a_file_at_the_output_path_is_never_replaced(
        site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        force: list[str]) -> None:
    target = tmp_path / "www"
    target.write_text("my notes\n", encoding="utf-8")

    assert main(["build", "--site", str(site), "--output", str(target), *force]) == 1

    assert "exists and is not a folder" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "my notes\n"


def test_a_foreign_folder_is_refused_then_replaced_with_force(
        site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "www"
    (target / "keep").mkdir(parents=True)
    (target / "keep" / "notes.txt").write_text("mine\n", encoding="utf-8")
    before = everything(target)

    assert main(["build", "--site", str(site), "--output", str(target)]) == 1
    assert "--force" in capsys.readouterr().err
    assert everything(target) == before

    assert main(["build", "--site", str(site), "--output", str(target), "--force"]) == 0
    assert (target / "index.html").is_file()
    assert not (target / "keep").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site", "www"]


def test_a_folder_newsgen_made_is_replaced_without_force(site: Path, tmp_path: Path) -> None:
    target = tmp_path / "www"
    assert main(["build", "--site", str(site), "--output", str(target)]) == 0
    (target / "stray.txt").write_text("left by hand\n", encoding="utf-8")

    assert main(["build", "--site", str(site), "--output", str(target)]) == 0

    assert not (target / "stray.txt").exists()


def _folders(tmp_path: Path, count: int) -> tuple[Path, dict[str, int]]:
    out = tmp_path / "out"
    for n in range(count):
        (out / f"f{n}").mkdir(parents=True)
    return out, folder_stamps(out, [f"f{n}" for n in range(count)])


def started(check: FolderCheck) -> FolderCheck:
    check.start()
    return check


@pytest.mark.parametrize("fork", [True, False], ids=["in a child", "when asked"])
def test_the_folder_check_sees_a_file_put_in_by_hand(tmp_path: Path, fork: bool) -> None:
    out, stamps = _folders(tmp_path, 50)

    def check() -> FolderCheck:
        return started(FolderCheck(out, stamps)) if fork else FolderCheck(out, stamps)

    assert check().unchanged()
    (out / "f7" / "stray.html").write_text("by hand")
    # Put in before the check starts: its child stats the folders as soon as it is forked.
    assert not check().unchanged()
    assert not FolderCheck(out, {}).unchanged()  # nothing recorded: nothing to trust


def test_a_folder_check_leaves_no_process_running_the_build(
        tmp_path: Path) -> None:
    """Its forked child, whether its answer is read or not, must exit: never return into
    the caller's code (the build would run twice)."""
    out, stamps = _folders(tmp_path, 3000)
    marker = tmp_path / "escaped"
    for ask in (True, False) * 3:
        with only_the_parent_returns(marker):
            check = started(FolderCheck(out, stamps))
            if ask:
                assert check.unchanged()
                assert check.unchanged()  # asked again: the same answer
            check.close()  # as the build does: stops the child if it has not answered
    assert not marker.exists()
