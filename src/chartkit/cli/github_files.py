"""The files GitHub Actions names in environment variables ($GITHUB_OUTPUT,
$GITHUB_STEP_SUMMARY), which a command appends to when asked (--github-output,
--github-summary)."""

from __future__ import annotations

import os
import sys


def append_to_github_file(command: str, flag: str, variable: str, text: str) -> bool:
    """Append text to the file $variable names; False, after one line on stderr, when the
    variable is not set (the command then exits 2)."""
    target = os.environ.get(variable)
    if not target:
        print(f"chartkit {command}: {flag} needs {variable} set", file=sys.stderr)
        return False
    with open(target, "a", encoding="utf-8") as stream:
        stream.write(text)
    return True
