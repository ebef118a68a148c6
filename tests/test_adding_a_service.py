"""Adding a service is two files: the example of charts/api/README.md ("Adding a service"),
its values file and its helmfile.yaml entry, added to a copy of the repository, renders,
validates and passes policy, and passes every test of the suite that is about one release
(each case named after it) or about the whole inventory (marked inventory_wide), with
nothing else changed."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from chartkit.releases.inventory import find_root
from helpers.repository import share_tools_and_cache

ROOT = find_root(Path(__file__).parent)
README = ROOT / "charts" / "api" / "README.md"
# What the suite reads: the charts, values, inventory, CI settings, tests, their config and
# the Makefile.
COPIED = ("charts", "values", "ci", "tests", "helmfile.yaml", "pyproject.toml", "Makefile")


def example() -> tuple[str, str, str]:
    """The README's values file, its inventory entry, and the release name."""
    section = README.read_text().split("## Adding a service\n", 1)[1].split("\n## ", 1)[0]
    values, entry = (
        textwrap.dedent(block) for block in re.findall(r"```yaml\n(.*?)```", section, re.S)
    )
    name = re.search(r"^- name: (\S+)$", entry, re.M)
    assert name, entry
    return values, entry, name.group(1)


def copy_with_the_example(target: Path) -> str:
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", Path(__file__).name)
            shutil.copytree(source, target / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy(source, target / name)
    share_tools_and_cache(target, ROOT)
    values, entry, release = example()
    file = re.search(r"^ +- (values/[^{\s]+\.yaml)$", entry, re.M)
    assert file, entry
    (target / file.group(1)).write_text(values)
    inventory = target / "helmfile.yaml"
    inventory.write_text(inventory.read_text() + textwrap.indent(entry, "  "))
    return release


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)


def test_the_readme_example_is_two_files_and_a_new_name() -> None:
    values, entry, release = example()
    assert values.startswith("# yaml-language-server: $schema=../charts/api/values.schema.json")
    assert f"fullnameOverride: {release}" in values and "chart: ./charts/api" in entry
    assert release not in (ROOT / "helmfile.yaml").read_text()


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A copy of the repository with the README's service added; its release name."""
    copy = tmp_path_factory.mktemp("with-a-new-service")
    return copy, copy_with_the_example(copy)


def test_a_new_service_renders_validates_and_passes_policy(repository) -> None:
    copy, release = repository
    result = run([sys.executable, "-m", "chartkit.cli", "render", release], copy)
    assert result.returncode == 0, result.stdout + result.stderr
    row = next(line for line in result.stdout.splitlines() if line.startswith(release))
    assert "Rollout:1" in row and row.rstrip().endswith("ok")


def test_every_per_release_and_inventory_wide_test_passes_with_the_new_service(
    repository,
) -> None:
    copy, release = repository
    tests = [
        *("-m", "not smoke", "-k", f"{release} or inventory_wide"),
        *("-p", "no:cacheprovider", "-p", "no:xdist", "-v", "-rfE", "tests"),
    ]
    result = run([sys.executable, "-m", "pytest", *tests], copy)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    passed = [line for line in result.stdout.splitlines() if " PASSED" in line]
    named = [line for line in passed if f"[{release}" in line or f"-{release}-" in line]
    wide = [line for line in passed if release not in line]
    # every API per-release test file has cases for it; every inventory-wide test ran
    files = {line.split("::")[0] for line in named}
    assert {"tests/charts/test_api_values_files.py", "tests/checks/test_releases.py"} <= files
    assert {"tests/cluster/test_smoke_values.py", "tests/monitoring/test_monitoring.py"} <= files
    assert len(named) >= 40 and len(wide) >= 9, result.stdout[-3000:]
