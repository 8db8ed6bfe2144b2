"""Recent-projects list in the user config folder ($ANNOTATOR_CONFIG)."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.io.store import (
    add_recent,
    clear_recent,
    config_dir,
    recent_projects,
    remove_recent,
)
from annotator.io.store.recent import MAX_RECENT


@pytest.fixture(autouse=True)
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setenv("ANNOTATOR_CONFIG", str(folder))
    return folder


def test_config_dir_override_and_default(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert config_dir() == config
    monkeypatch.delenv("ANNOTATOR_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", "/xdg")
    assert config_dir() == Path("/xdg/annotator")


def test_newest_first_deduplicated_and_bounded(tmp_path: Path) -> None:
    assert recent_projects() == []
    for i in range(MAX_RECENT + 3):
        add_recent(tmp_path / f"p{i}.annotator")
    add_recent(tmp_path / "p5.annotator")
    names = [r.path.name for r in recent_projects()]
    assert len(names) == MAX_RECENT and names[0] == "p5.annotator"
    assert names.count("p5.annotator") == 1 and "p0.annotator" not in names
    remove_recent(tmp_path / "p5.annotator")
    assert "p5.annotator" not in [r.path.name for r in recent_projects()]
    assert not recent_projects()[0].exists
    clear_recent()
    assert recent_projects() == []


def test_unreadable_list_is_treated_as_empty(config: Path, tmp_path: Path) -> None:
    config.mkdir()
    (config / "recent.json").write_text("{not json")
    assert recent_projects() == []
    add_recent(tmp_path / "x.annotator")
    assert [r.path.name for r in recent_projects()] == ["x.annotator"]
    assert [p.name for p in config.iterdir()] == ["recent.json"]  # no temp files left
