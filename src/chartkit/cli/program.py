"""The chartkit program: the `chartkit` script and `python -m chartkit.cli`.

A run is short and ends the process:
- `chartkit render` first starts the helm runs its last run with the same arguments asked
  for (chartkit.tools.head_start), before anything else is imported; the command claims
  them when it gets there, so helm renders while Python is still loading;
- the cyclic garbage collector is off (reference counting frees memory as usual; the
  collector would only scan the parsed schemas and manifests over and over);
- the process exits without freeing each object one by one once the output is flushed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

from chartkit.releases.repository_root import repository_root
from chartkit.tools.cache_files import CACHE_DIRECTORY
from chartkit.tools.go_runtime import SHORT_RUN_GO_ENV
from chartkit.tools.head_start import HeadStart

# The commands whose runs are planned: render (what a team runs on every save).
HEAD_START_COMMANDS = frozenset({"render"})


def start() -> None:
    """Run the command sys.argv names; never returns (the process ends in os._exit)."""
    argv = sys.argv[1:]
    try:
        head_start = begin_head_start(argv, os.getcwd())
    except OSError:  # no working directory (deleted): the command says so itself
        head_start = None
    import gc

    gc.disable()
    from chartkit.cli.main import main, stdout_closed
    from chartkit.cli.process_scope import ProcessScope

    scope = ProcessScope(head_start)  # lives until os._exit: what it holds is never freed
    try:
        code = main(argv, scope)
    except SystemExit as exit:  # argparse: --help, a bad argument
        code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 2)
        if exit.code is not None and not isinstance(exit.code, int):
            print(exit.code, file=sys.stderr)
    finally:
        if head_start is not None:
            head_start.finish()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        code = code or stdout_closed()
    os._exit(code)


def begin_head_start(argv: Sequence[str], cwd: str) -> HeadStart | None:
    """The head start of a render run in a repository; None for other commands."""
    if not argv or argv[0] not in HEAD_START_COMMANDS:
        return None
    root = repository_root(cwd)
    if root is None:
        return None
    plans = os.path.join(root, CACHE_DIRECTORY, "head-start")
    return HeadStart.begin(
        plans, [cwd, *argv], lambda command, env: helm_template(root, command, env)
    )


def helm_template(root: str, command: Sequence[str], added_env: Mapping[str, str]) -> bool:
    """Whether a planned run is one the render command would start: `helm template` of a
    pinned helm under the repository's .tools/helm/, with at most the short-run Go
    variables added (a plan file never makes the program run anything else)."""
    pinned = os.path.realpath(os.path.join(root, ".tools", "helm")) + os.sep
    program = os.path.realpath(command[0])
    return (
        len(command) > 1
        and program.startswith(pinned)
        and os.path.basename(program) == "helm"
        and command[1] == "template"
        and set(added_env) <= set(SHORT_RUN_GO_ENV)
    )
