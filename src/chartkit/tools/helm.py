"""A thin, typed wrapper around the helm command line.

Commands capture their output. The long ones that talk to a cluster (install/upgrade, test,
rollback, uninstall) take an `output` callback instead when the caller wants to watch them:
then each line is handed to it as helm prints it (chartkit.tools.streaming, through
subprocess-tee), which the smoke runs do, prefixed with the release. Each is bounded by its
helm --timeout plus a minute. Every failure raises HelmError carrying helm's stderr (and,
for cluster commands, its stdout).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chartkit.tools import yaml_io
from chartkit.tools.durations import parse_duration
from chartkit.tools.head_start import HeadStart

if TYPE_CHECKING:  # only the cluster commands stream: `template` never loads it
    from chartkit.tools.streaming import LineOutput

# Helm prints this when a chart's charts/common is a symlink to the library chart; it is
# expected in this repository and only noise in error reports.
_SYMLINK_NOTICE = "found symbolic link in path"


class HelmError(Exception):
    """A helm command failed (non-zero exit or timeout)."""

    def __init__(self, command: Sequence[str], returncode: int, stderr: str) -> None:
        self.command = list(command)
        self.returncode = returncode
        self.stderr = strip_notices(stderr)
        super().__init__(
            f"helm {command[1] if len(command) > 1 else ''} failed "
            f"(exit {returncode}): {self.stderr.strip()}"
        )


def strip_notices(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if _SYMLINK_NOTICE not in line)


@dataclass(frozen=True)
class Helm:
    """One helm binary, optionally pointed at a kubeconfig and context."""

    binary: Path
    timeout_seconds: float = 120.0
    kubeconfig: Path | None = None
    kube_context: str | None = None
    extra_env: Mapping[str, str] = field(default_factory=dict)
    head_start: HeadStart | None = field(default=None, compare=False)

    # -- plumbing ---------------------------------------------------------------------

    def cluster_flags(self) -> list[str]:
        flags: list[str] = []
        if self.kubeconfig:
            flags += ["--kubeconfig", str(self.kubeconfig)]
        if self.kube_context:
            flags += ["--kube-context", self.kube_context]
        return flags

    def _env(self) -> dict[str, str] | None:
        if not self.extra_env:
            return None
        import os

        return {**os.environ, **self.extra_env}

    def run(
        self,
        args: Sequence[str],
        timeout: float | None = None,
        stdout_in_error: bool = False,
        output: LineOutput | None = None,
    ) -> str:
        """Run helm and return its stdout; raise HelmError on failure. With `output`, each
        line is handed to it as helm prints it."""
        return self._run(args, timeout, stdout_in_error, output)[0]

    def _run(
        self,
        args: Sequence[str],
        timeout: float | None = None,
        stdout_in_error: bool = False,
        output: LineOutput | None = None,
    ) -> tuple[str, str]:
        """helm's stdout and stderr; HelmError on failure."""
        command = [str(self.binary), *args]
        limit = timeout or self.timeout_seconds
        if output is not None:
            from chartkit.tools.streaming import run_streamed

            streamed = run_streamed(command, output, limit, env=self._env())
            if streamed.timed_out:
                detail = f"timed out after {streamed.limit}s\n{streamed.stderr}"
                raise HelmError(command, streamed.returncode, detail)
            returncode, stdout, stderr = streamed.returncode, streamed.stdout, streamed.stderr
        else:
            try:
                returncode, stdout, stderr = self._captured(command, limit)
            except subprocess.TimeoutExpired as expired:
                raise HelmError(command, -1, f"timed out after {expired.timeout}s") from None
        if returncode != 0:
            detail = f"{stdout.rstrip()}\n{stderr}" if stdout_in_error else stderr
            raise HelmError(command, returncode, detail)
        return stdout, stderr

    def _captured(self, command: list[str], limit: float) -> tuple[int, str, str]:
        """(returncode, stdout, stderr): of the run the program started early when it is
        this very one (chartkit.tools.head_start), else of a run started now."""
        if self.head_start is not None:
            claimed = self.head_start.claim(command, self.extra_env, limit)
            if claimed is not None:
                return claimed
        result = subprocess.run(
            command, capture_output=True, text=True, env=self._env(), timeout=limit
        )
        return result.returncode, result.stdout, result.stderr

    # -- commands ---------------------------------------------------------------------

    def version(self) -> str:
        """The helm version without the leading v, e.g. "4.1.4"."""
        return self.run(["version", "--template", "{{.Version}}"]).strip().lstrip("v")

    def template_text(
        self,
        chart: Path | str,
        release: str,
        namespace: str = "default",
        values_files: Iterable[Path | str] = (),
        set_values: Mapping[str, Any] | None = None,
        kube_version: str | None = None,
        api_versions: Iterable[str] = (),
        include_crds: bool = False,
        chart_version: str | None = None,
        plain_http: bool = False,
    ) -> str:
        """`chart` is a directory, an archive or an oci:// reference (at chart_version)."""
        args = ["template", release, str(chart), "--namespace", namespace]
        args += registry_flags(chart_version, plain_http)
        for values_file in values_files:
            args += ["--values", str(values_file)]
        for key, value in (set_values or {}).items():
            args += ["--set-json", f"{key}={json.dumps(value)}"]
        if kube_version:
            args += ["--kube-version", kube_version]
        for api_version in api_versions:
            args += ["--api-versions", api_version]
        if include_crds:
            args.append("--include-crds")
        return self.run(args)

    def template(self, chart: Path | str, release: str, **options: Any) -> list[dict[str, Any]]:
        """Render a chart and return its objects (empty documents dropped).

        Options are those of template_text: namespace, values_files, set_values,
        kube_version, api_versions, include_crds.
        """
        return parse_objects(self.template_text(chart, release, **options))

    def lint(
        self,
        chart: Path | str,
        values_files: Iterable[Path | str] = (),
        strict: bool = True,
        namespace: str | None = None,
    ) -> str:
        args = ["lint", str(chart)]
        if strict:
            args.append("--strict")
        if namespace:
            args += ["--namespace", namespace]
        for values_file in values_files:
            args += ["--values", str(values_file)]
        # helm prints lint findings on stdout and only a summary on stderr
        stdout, stderr = self._run(args, stdout_in_error=True)
        refusal = chart_fail_in_lint(stderr)
        if strict and refusal:
            # lint mode only logs a chart's `fail`; helm install would refuse the values
            raise HelmError([str(self.binary), *args], 1, f"{stdout.rstrip()}\n{refusal}")
        return stdout

    def package(self, chart: Path, destination: Path, sign: Mapping[str, str] | None = None) -> str:
        """`helm package`; sign: {"key", "keyring"[, "passphrase_file"]} signs it (a .prov
        file beside the archive)."""
        args = ["package", str(chart), "--destination", str(destination)]
        if sign:
            args += ["--sign", "--key", sign["key"], "--keyring", sign["keyring"]]
            if sign.get("passphrase_file"):
                args += ["--passphrase-file", sign["passphrase_file"]]
        return self.run(args)

    def push(self, archive: Path, remote: str, plain_http: bool = False) -> str:
        """`helm push` to an oci:// registry path (a .prov beside the archive goes too)."""
        return self.run(["push", str(archive), remote, *registry_flags(None, plain_http)])

    def pull(
        self,
        reference: str,
        version: str,
        destination: Path,
        plain_http: bool = False,
        verify_keyring: Path | None = None,
    ) -> str:
        """`helm pull` of a chart version into destination (verified when a keyring is
        given)."""
        args = ["pull", reference, "--destination", str(destination)]
        args += registry_flags(version, plain_http)
        if verify_keyring:
            args += ["--verify", "--keyring", str(verify_keyring)]
        return self.run(args)

    def _cluster_run(self, args: list[str], timeout: str, output: LineOutput | None) -> str:
        """A command against the cluster, bounded by its helm timeout plus a minute;
        helm's stdout joins the error."""
        limit = parse_duration(timeout) + 60
        return self.run(
            [*args, *self.cluster_flags()], timeout=limit, stdout_in_error=True, output=output
        )

    def _wait_flags(self, wait: bool, strategy: str, timeout: str) -> list[str]:
        """helm 4 chooses how to wait (watcher, legacy); helm 3 only has --wait."""
        if not wait:
            return []
        flag = f"--wait={strategy}" if self.major_version >= 4 else "--wait"
        return [flag, "--timeout", timeout]

    @cached_property
    def major_version(self) -> int:
        return int(self.version().split(".")[0])

    def upgrade_install(
        self,
        release: str,
        chart: Path | str,
        namespace: str,
        values_files: Iterable[Path | str] = (),
        set_values: Mapping[str, Any] | None = None,
        wait: bool = True,
        timeout: str = "5m",
        create_namespace: bool = False,
        wait_strategy: str = "watcher",
        output: LineOutput | None = None,
        repo: str | None = None,
        chart_version: str | None = None,
    ) -> str:
        """Install or upgrade a release from a chart directory, or from `chart` in the
        repository at `repo` URL (at `chart_version`, default the latest)."""
        args = ["upgrade", "--install", release, str(chart)]
        if repo:
            args += ["--repo", repo]
        if chart_version:
            args += ["--version", chart_version]
        args += ["--namespace", namespace]
        for values_file in values_files:
            args += ["--values", str(values_file)]
        for key, value in (set_values or {}).items():
            args += ["--set-json", f"{key}={json.dumps(value)}"]
        if create_namespace:
            args.append("--create-namespace")
        args += self._wait_flags(wait, wait_strategy, timeout)
        return self._cluster_run(args, timeout, output)

    def test(
        self,
        release: str,
        namespace: str,
        timeout: str = "5m",
        logs: bool = True,
        output: LineOutput | None = None,
    ) -> str:
        args = ["test", release, "--namespace", namespace, "--timeout", timeout]
        if logs:
            args.append("--logs")
        return self._cluster_run(args, timeout, output)

    def rollback(
        self,
        release: str,
        namespace: str,
        revision: int | None = None,
        wait: bool = True,
        timeout: str = "5m",
        wait_strategy: str = "watcher",
        output: LineOutput | None = None,
    ) -> str:
        args = [
            "rollback",
            release,
            *([str(revision)] if revision else []),
            "--namespace",
            namespace,
        ]
        args += self._wait_flags(wait, wait_strategy, timeout)
        return self._cluster_run(args, timeout, output)

    def uninstall(
        self,
        release: str,
        namespace: str,
        wait: bool = True,
        timeout: str = "5m",
        wait_strategy: str = "watcher",
        output: LineOutput | None = None,
    ) -> str:
        args = ["uninstall", release, "--namespace", namespace]
        args += self._wait_flags(wait, wait_strategy, timeout)
        return self._cluster_run(args, timeout, output)

    def history(self, release: str, namespace: str, output: str = "json") -> Any:
        """The release's revisions: parsed from JSON, or helm's table with output="table"."""
        out = self.run(
            [
                "history",
                release,
                "--namespace",
                namespace,
                "--output",
                output,
                *self.cluster_flags(),
            ]
        )
        return list(json.loads(out or "[]")) if output == "json" else out

    def get_manifest(
        self, release: str, namespace: str, revision: int | None = None
    ) -> list[dict[str, Any]]:
        """The objects a deployed revision (default: the current one) holds."""
        args = ["get", "manifest", release, "--namespace", namespace, *self.cluster_flags()]
        if revision is not None:
            args += ["--revision", str(revision)]
        return parse_objects(self.run(args))


# How helm's lint mode logs a template's `fail` instead of failing: helm 4 as a logfmt
# record, helm 3 as a log line followed by the message.
_LINT_FAIL_HELM4 = re.compile(r'msg="funcMap fail" message="(?P<message>(?:[^"\\]|\\.)*)"')
_LINT_FAIL_HELM3 = "[INFO] Fail: "


def chart_fail_in_lint(stderr: str) -> str:
    """The message of a chart's `fail` that helm lint logged on stderr ("" when none)."""
    helm4 = _LINT_FAIL_HELM4.search(stderr)
    if helm4:
        try:
            return str(json.loads(f'"{helm4["message"]}"'))
        except ValueError:  # an escape JSON does not know: the text as logged
            return helm4["message"].replace("\\n", "\n")
    if _LINT_FAIL_HELM3 in stderr:
        return strip_notices(stderr.split(_LINT_FAIL_HELM3, 1)[1])
    return ""


def registry_flags(chart_version: str | None, plain_http: bool) -> list[str]:
    flags = ["--version", chart_version] if chart_version else []
    return [*flags, "--plain-http"] if plain_http else flags


def parse_objects(text: str) -> list[dict[str, Any]]:
    """Parse a multi-document YAML stream into objects, dropping empty documents."""
    return [doc for doc in yaml_io.load_all(text) if isinstance(doc, dict) and doc]
