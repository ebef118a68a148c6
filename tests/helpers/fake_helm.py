"""A repository in a temporary directory whose pinned helm versions are shell scripts the
test writes (logging their calls to .tools/helm/calls, if the script does so)."""

from __future__ import annotations

from pathlib import Path

VERSIONS = ("0.0.1", "0.0.2")  # the first is the default


def write(path: Path, text: str, mode: int | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if mode is not None:
        path.chmod(mode)
    return path


def install_fake_helm(root: Path, script: str) -> None:
    """ci/tools.json pinning VERSIONS, each one's .tools/helm/<version>/helm the script."""
    pins = ", ".join(f'"{version}": {{}}' for version in VERSIONS)
    write(root / "ci/tools.json", f'{{"default_helm": "{VERSIONS[0]}", "helm": {{{pins}}}}}')
    for version in VERSIONS:
        write(root / f".tools/helm/{version}/helm", script, 0o755)


def helm_calls(root: Path) -> list[str]:
    """The lines the fake helm logged, one per call."""
    log = root / ".tools/helm/calls"
    return log.read_text().splitlines() if log.exists() else []
