"""`make` with no target, like `make help`, lists every target of the Makefile with what it
does."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from chartkit.releases.inventory import find_root

ROOT = find_root(Path(__file__).parent)
PHONY = re.search(r"^\.PHONY: (.*)$", (ROOT / "Makefile").read_text(), re.M)


def make(*args: str) -> str:
    result = subprocess.run(
        ["make", "-s", "--no-print-directory", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("args", [(), ("help",)], ids=["make", "make-help"])
def test_every_target_is_listed_with_what_it_does(args: tuple[str, ...]) -> None:
    assert PHONY
    targets = PHONY.group(1).split()
    assert {"setup", "tools", "render", "lint", "docs", "test", "smoke", "bench", "clean"} <= set(
        targets
    )
    listed = dict(
        re.match(r"make (\S+) +(.+)$", line).groups()  # type: ignore[union-attr]
        for line in make(*args).splitlines()
    )
    assert sorted(listed) == sorted(targets)
    assert all(len(text) > 10 for text in listed.values()), listed
