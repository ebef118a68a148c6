"""A new Python interpreter running code with this checkout's chartkit first on the path:
what a module imports, and when, shows only in a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def run_python(code: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`python -c code`, output captured; the caller checks the exit code."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
    )
