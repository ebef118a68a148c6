"""Temporary repositories for the tests: copies of this one (with what git ignores but a
copy needs), api releases in their helmfile.yaml, and chartkit run there as a process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
ENVIRONMENTS = ("default", "dev", "prod")


def share_tools_and_cache(copy: Path, root: Path) -> None:
    """Point the copy's .tools/ (the pinned helm) and .cache/ (chartkit's disk cache and the
    tests' kept answers, every entry keyed by the contents it comes from) at the
    repository's own, so a copy neither downloads nor derives them again."""
    (copy / ".tools").symlink_to(root / ".tools")
    (root / ".cache").mkdir(exist_ok=True)
    (copy / ".cache").symlink_to(root / ".cache")


def copy_charts_and_ci(repo: Path, env_overlays: bool = True) -> Path:
    """repo with this repository's charts/, ci/ and (env_overlays) values/env/, sharing its
    .tools/ and .cache/."""
    shutil.copytree(ROOT / "charts", repo / "charts", symlinks=True)
    shutil.copytree(ROOT / "ci", repo / "ci")
    if env_overlays:
        shutil.copytree(ROOT / "values" / "env", repo / "values" / "env")
    share_tools_and_cache(repo, ROOT)
    return repo


def api_release(name: str, namespace: str, values_file: str) -> dict[str, Any]:
    """A helmfile.yaml entry of charts/api taking values_file and the environment's overlay."""
    return {
        "name": name,
        "namespace": namespace,
        "chart": "./charts/api",
        "values": [values_file, "values/env/{{ .Environment.Name }}.yaml"],
        "missingFileHandler": "Info",
    }


def write_inventory(
    repo: Path, releases: Iterable[Mapping[str, Any]], environments: Sequence[str] = ENVIRONMENTS
) -> None:
    """helmfile.yaml: the environments, then the releases (helmfile's two parts)."""
    parts = [{"environments": {name: {} for name in environments}}, {"releases": list(releases)}]
    (repo / "helmfile.yaml").write_text(yaml.safe_dump_all(parts, sort_keys=False))


def run_chartkit(
    cwd: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
    **options: Any,
) -> subprocess.CompletedProcess[str]:
    """`python -m chartkit.cli ARGS` from cwd, this checkout's chartkit first on the path;
    output captured unless `options` say where stdout or stderr go."""
    if "stdout" not in options and "stderr" not in options:
        options["capture_output"] = True
    return subprocess.run(
        [sys.executable, "-m", "chartkit.cli", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src"), **(env or {})},
        text=True,
        timeout=timeout,
        **options,
    )
