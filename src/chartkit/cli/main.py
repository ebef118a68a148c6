"""The chartkit command line: one subcommand per module of this package, each with its
`add_arguments(parser)` and `run(args, root)`.

Only the module of the command being run is imported (`python -X importtime` shows why:
the other commands bring in libraries the one at hand never uses).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from chartkit.cli.process_scope import ProcessScope
from chartkit.releases.inventory import InventoryError, find_root
from chartkit.releases.yaml_file import YamlFileError
from chartkit.tools.toolbox import ToolMissingError

DESCRIPTION = "The chartkit command line."
# (name, help, module in chartkit.cli), in the order `chartkit --help` lists them.
COMMANDS = (
    ("render", "render, validate and police releases", "render_command"),
    (
        "migrate",
        "rewrite values files onto their chart's current keys (renamed-keys.yaml)",
        "migrate_command",
    ),
    ("lint", "helm lint --strict every release's chart and values", "lint_command"),
    (
        "schema",
        "assemble each chart's values.schema.json from its source and the common parts",
        "schema_command",
    ),
    ("docs", "regenerate chart READMEs from ## @param comments", "docs_command"),
    (
        "capacity",
        "requests and limits per release and namespace; do the pods fit on given nodes?",
        "capacity_command",
    ),
    ("plan", "an ECP AI tenant's replicas, totals, monthly cost and warnings", "plan_command"),
    (
        "verify",
        "server-side dry run of every release against the current cluster",
        "verify_command",
    ),
    (
        "changed",
        "charts and releases a change touches; chart version bump check",
        "changed_command",
    ),
    (
        "diff",
        "the rendered objects a change adds, removes and changes, per release and environment",
        "diff_command",
    ),
    (
        "gitops",
        "Argo CD (AppProject, ApplicationSets) or Flux (source, HelmReleases) objects",
        "gitops_command",
    ),
    (
        "package",
        "versioned chart archives in build/charts/, the library chart bundled",
        "package_command",
    ),
    (
        "publish",
        "push the archives to an OCI registry; never overwrite a published version",
        "publish_command",
    ),
)


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, at the terminal's width as shutil.get_terminal_size finds it
    but without importing shutil: argparse builds a formatter for every argument it adds,
    and shutil (with bz2 and lzma) costs 2 ms of a 0.1 s run."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=terminal_columns() - 2)


def terminal_columns() -> int:
    """COLUMNS when set, else the width of the terminal stdout is on, else 80."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):  # no stdout, or not a terminal
        return 80


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command (None), or of `command` alone (the command line names
    it: no other is needed), or of none ("": every command listed, as `chartkit --help`
    and a mistyped command show them, without their arguments)."""
    parser = argparse.ArgumentParser(
        prog="chartkit", description=DESCRIPTION, formatter_class=HelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text, module_name in COMMANDS:
        if command and command != name:
            continue
        command_parser = sub.add_parser(name, help=help_text, formatter_class=HelpFormatter)
        if command is None or command == name:
            module = importlib.import_module(f"chartkit.cli.{module_name}")
            module.add_arguments(command_parser)
            command_parser.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str], scope: ProcessScope | None = None) -> int:
    """Run one command, from the program (chartkit.cli.program) or a caller in this
    process (tests); `scope`: what the process gives it (chartkit.cli.process_scope).
    Bad input ends in one line per problem on stderr and exit 2 (or the command's own
    code), never a traceback; so does a reader that closes the pipe early
    (`chartkit plan --json | head`)."""
    argv = list(argv)
    names = {name for name, _, _ in COMMANDS}
    command = next((word for word in argv[:1] if word in names), "")
    args = build_parser(command).parse_args(argv)
    args.scope = scope or ProcessScope()
    try:
        code = int(args.handler(args, find_root()))
        sys.stdout.flush()  # a closed pipe shows here, inside the try
        return code
    except BrokenPipeError:
        return stdout_closed()
    except KeyboardInterrupt:
        print("chartkit: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        if isinstance(error, user_errors()):
            return _refused(str(error))
        if isinstance(error, OSError):  # a file chartkit reads or writes
            where = f"{error.filename}: " if error.filename else ""
            return _refused(f"{where}{error.strerror or error}")
        raise


def user_errors() -> tuple[type[Exception], ...]:
    """What a command refuses with a message (exit 2), never a traceback."""
    from chartkit.tools.readme_generator import DocsError  # only `docs` needs its module

    return (InventoryError, ToolMissingError, DocsError, YamlFileError)


def _refused(message: str) -> int:
    print(f"chartkit: {' '.join(message.split())}", file=sys.stderr)
    return 2


def stdout_closed() -> int:
    """The reader of stdout went away (Python's advice for SIGPIPE): point stdout at
    devnull, so the flush at exit raises nothing, and exit 1 as Python does on EPIPE."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is no file (captured in-process): nothing to flush
        pass
    finally:
        os.close(devnull)
    return 1
