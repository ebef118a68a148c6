"""--github-output and --github-summary: appended to the file GitHub Actions names, refused
with one line when the variable is not set."""

from __future__ import annotations

from pathlib import Path

import pytest

from chartkit.cli.github_files import append_to_github_file
from chartkit.cli.main import main


def test_the_text_is_appended_to_the_named_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "output"
    target.write_text("before=1\n")
    monkeypatch.setenv("GITHUB_OUTPUT", str(target))
    assert append_to_github_file("changed", "--github-output", "GITHUB_OUTPUT", "after=2\n")
    assert target.read_text() == "before=1\nafter=2\n"


def test_an_unset_variable_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    assert main(["changed", "--all", "--github-output"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["chartkit changed: --github-output needs GITHUB_OUTPUT set"]
