"""`chartkit capacity --nodes <profile>` without a count is one node of that profile, as
--help says."""

from __future__ import annotations

from pathlib import Path

import pytest

from chartkit.cli.main import main
from chartkit.releases.inventory import find_root

ROOT = find_root(Path(__file__).parent)


def test_a_profile_without_a_count_is_one_node(capsys, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["capacity", "eventstorming", "--nodes", "e2-medium"]) == 0
    rows = [line.split()[0] for line in capsys.readouterr().out.splitlines() if line]
    assert "e2-medium-1" in rows and "e2-medium-2" not in rows
    assert main(["capacity", "eventstorming", "--nodes", "e2-medium:2"]) == 0
    rows = [line.split()[0] for line in capsys.readouterr().out.splitlines() if line]
    assert {"e2-medium-1", "e2-medium-2"} <= set(rows)


def test_help_says_a_profile_without_a_count_is_one_node(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["capacity", "--help"])
    assert "a profile without :<count> is one node" in " ".join(capsys.readouterr().out.split())
