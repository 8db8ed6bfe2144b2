"""The `annotator` command: subcommands listed, and the GUI is the default."""

from __future__ import annotations

import pytest

from annotator import cli


def test_help_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for name in ("gui", "propagate", "export", "import", "models", "new", "add", "batch"):
        assert name in out


def test_no_subcommand_means_gui() -> None:
    parser = cli.build_parser()
    args = parser.parse_args(cli.with_default_command([]))
    assert args.command == "gui" and args.video is None
    args = parser.parse_args(cli.with_default_command(["clip.mp4"]))
    assert args.command == "gui" and str(args.video) == "clip.mp4"
    assert cli.with_default_command(["--model", "t.pt"]) == ["gui", "--model", "t.pt"]
    assert cli.with_default_command(["models", "list"]) == ["models", "list"]
    assert cli.with_default_command(["--help"]) == ["--help"]


def test_version_comes_from_the_one_place_it_is_written(capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.metadata

    import annotator

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"annotator {annotator.__version__}"
    assert importlib.metadata.version("annotator") == annotator.__version__
