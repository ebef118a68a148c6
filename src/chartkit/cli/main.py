"""The chartkit command line: one subcommand per module of this package, each with its
`add_arguments(parser)` and `run(args, root)`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from chartkit.cli import (
    capacity_command,
    changed_command,
    diff_command,
    docs_command,
    gitops_command,
    lint_command,
    migrate_command,
    package_command,
    plan_command,
    publish_command,
    render_command,
    schema_command,
    verify_command,
)
from chartkit.releases.inventory import InventoryError, find_root
from chartkit.releases.yaml_file import YamlFileError
from chartkit.tools.readme_generator import DocsError
from chartkit.tools.toolbox import ToolMissingError

DESCRIPTION = "The chartkit command line."
# (name, help, module), in the order `chartkit --help` lists them.
COMMANDS = (
    ("render", "render, validate and police releases", render_command),
    (
        "migrate",
        "rewrite values files onto their chart's current keys (renamed-keys.yaml)",
        migrate_command,
    ),
    ("lint", "helm lint --strict every release's chart and values", lint_command),
    (
        "schema",
        "assemble each chart's values.schema.json from its source and the common parts",
        schema_command,
    ),
    ("docs", "regenerate chart READMEs from ## @param comments", docs_command),
    (
        "capacity",
        "requests and limits per release and namespace; do the pods fit on given nodes?",
        capacity_command,
    ),
    ("plan", "an ECP AI tenant's replicas, totals, monthly cost and warnings", plan_command),
    (
        "verify",
        "server-side dry run of every release against the current cluster",
        verify_command,
    ),
    (
        "changed",
        "charts and releases a change touches; chart version bump check",
        changed_command,
    ),
    (
        "diff",
        "the rendered objects a change adds, removes and changes, per release and environment",
        diff_command,
    ),
    (
        "gitops",
        "Argo CD (AppProject, ApplicationSets) or Flux (source, HelmReleases) objects",
        gitops_command,
    ),
    (
        "package",
        "versioned chart archives in build/charts/, the library chart bundled",
        package_command,
    ),
    (
        "publish",
        "push the archives to an OCI registry; never overwrite a published version",
        publish_command,
    ),
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chartkit", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text, command in COMMANDS:
        command_parser = sub.add_parser(name, help=help_text)
        command.add_arguments(command_parser)
        command_parser.set_defaults(handler=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Bad input ends in one line per problem on stderr and exit 2 (or the
    command's own code), never a traceback; so does a reader that closes the pipe early
    (`chartkit plan --json | head`)."""
    args = build_parser().parse_args(argv)
    try:
        code = int(args.handler(args, find_root()))
        sys.stdout.flush()  # a closed pipe shows here, inside the try
        return code
    except BrokenPipeError:
        return _stdout_closed()
    except KeyboardInterrupt:
        print("chartkit: interrupted", file=sys.stderr)
        return 130
    except (InventoryError, ToolMissingError, DocsError, YamlFileError) as error:
        return _refused(str(error))
    except OSError as error:  # a file chartkit reads or writes
        where = f"{error.filename}: " if error.filename else ""
        return _refused(f"{where}{error.strerror or error}")


def _refused(message: str) -> int:
    print(f"chartkit: {' '.join(message.split())}", file=sys.stderr)
    return 2


def _stdout_closed() -> int:
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
