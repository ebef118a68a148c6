"""Where a repository starts: the nearest directory upwards holding helmfile.yaml.

Only `os` is imported, so the program finds the root before it loads anything else
(chartkit.cli.program looks for its head-start plans there).
"""

from __future__ import annotations

import os

INVENTORY_FILE = "helmfile.yaml"


def repository_root(start: str) -> str | None:
    """The nearest directory from `start` upwards (symlinks resolved) that holds
    helmfile.yaml; None when there is none."""
    here = os.path.realpath(start)
    while True:
        if os.path.isfile(os.path.join(here, INVENTORY_FILE)):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent
