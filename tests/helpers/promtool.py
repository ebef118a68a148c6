"""Prometheus' own promtool, from Python: check rule files, run rule unit tests, parse PromQL.

promtool comes from Debian's `prometheus` package (scripts/install-tools installs it). Given
an AnswerStore, `test_rules` keeps each run's exit code and output there, keyed by the
promtool binary and the contents of the test files and the rule files they name: the same
files give the same answer, so a later session reads it back instead of running promtool.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chartkit.tools import yaml_io
from chartkit.tools.answer_store import AnswerStore
from chartkit.tools.cache_files import file_identity
from chartkit.tools.disk_cache import digest
from chartkit.tools.go_runtime import short_run_env
from chartkit.tools.toolbox import ToolMissingError


class PromtoolError(Exception):
    """promtool could not be run, or failed in a way that names nothing to report."""


@dataclass(frozen=True)
class PromtoolResult:
    command: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def output(self) -> str:
        return (self.stdout + self.stderr).strip()

    def __str__(self) -> str:
        return f"$ {' '.join(self.command)}  (exit {self.returncode})\n{self.output}"


@dataclass(frozen=True)
class Expression:
    """One PromQL expression and where it comes from."""

    source: str
    promql: str


@dataclass(frozen=True)
class ParseProblem:
    expression: Expression
    message: str

    def __str__(self) -> str:
        return f"{self.expression.source}: {self.message}\n    {self.expression.promql}"


class Promtool:
    """One promtool binary (default: the one on PATH)."""

    def __init__(
        self,
        binary: str | Path | None = None,
        timeout_seconds: float = 60.0,
        answers: AnswerStore | None = None,
    ) -> None:
        found = str(binary) if binary else shutil.which("promtool")
        if not found or not Path(found).exists():
            raise ToolMissingError(
                "promtool is not installed: run `make setup` (scripts/install-tools installs "
                "Debian's `prometheus` package), or install promtool on PATH"
            )
        self.binary = Path(found)
        self.timeout_seconds = timeout_seconds
        self.answers = answers

    def run(self, *args: str, cwd: Path | None = None) -> PromtoolResult:
        command = (str(self.binary), *args)
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=self.timeout_seconds,
                cwd=cwd,
                check=False,
                env={**os.environ, **short_run_env()},
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise PromtoolError(f"{' '.join(command)}: {error}") from error
        return PromtoolResult(command, done.returncode, done.stdout, done.stderr)

    def version(self) -> str:
        """The version number, e.g. "2.42.0"."""
        result = self.run("--version")
        match = re.search(r"version (\S+)", result.output)
        if not result.ok or not match:
            raise PromtoolError(f"cannot tell promtool's version:\n{result}")
        return match.group(1).split("+")[0]

    def check_rules(self, *files: Path, lint: str = "duplicate-rules") -> PromtoolResult:
        """`promtool check rules`: every rule parses and is well formed."""
        return self.run("check", "rules", f"--lint={lint}", *(str(f) for f in files))

    def test_rules(self, *files: Path) -> PromtoolResult:
        """`promtool test rules`: unit tests (input series, expected alerts and samples)."""
        paths = [Path(f) for f in files]
        key = self._test_key(paths) if self.answers else None
        kept = self.answers.read(key) if self.answers and key else None
        if kept is not None:
            return PromtoolResult(
                tuple(kept["command"]), kept["returncode"], kept["stdout"], kept["stderr"]
            )
        result = self.run("test", "rules", *(p.name for p in paths), cwd=paths[0].parent)
        if self.answers and key:
            self.answers.write(key, {**result.__dict__, "command": list(result.command)})
        return result

    def _test_key(self, paths: Sequence[Path]) -> str | None:
        """The answer's key: None when a test file names a rule file that is not a plain
        file beside it (a glob, or missing: promtool then says so itself)."""
        parts: list[bytes | str] = ["test rules", file_identity(self.binary)]
        for path in paths:
            text = path.read_bytes()
            parts += [path.name, text]
            for rule_file in yaml_io.load(text.decode()).get("rule_files") or []:
                rule_path = path.parent / str(rule_file)
                if not rule_path.is_file():
                    return None
                parts += [str(rule_file), rule_path.read_bytes()]
        return digest(parts)

    def parse(self, expressions: Sequence[Expression]) -> list[ParseProblem]:
        """Every expression that does not parse, with promtool's message.

        The expressions are written as recording rules of one rule file, so a single
        `promtool check rules` run parses them all.
        """
        if not expressions:
            return []
        names = {f"expr_{i:05d}": e for i, e in enumerate(expressions)}
        rules = [{"record": name, "expr": e.promql} for name, e in names.items()]
        with tempfile.TemporaryDirectory(prefix="chartkit-promql-") as tmp:
            path = Path(tmp) / "expressions.yaml"
            write_yaml(path, {"groups": [{"name": "expressions", "rules": rules}]})
            result = self.check_rules(path, lint="none")
        if result.ok:
            return []
        problems = []
        for line in result.stderr.splitlines():
            match = re.search(r'"(expr_\d{5})": (.*)$', line)
            if match:
                problems.append(ParseProblem(names[match.group(1)], match.group(2).strip()))
        if not problems:
            raise PromtoolError(f"promtool failed without naming an expression:\n{result}")
        return problems


def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml_io.dump(data, sort_keys=False, allow_unicode=True, width=1000))
    return path
