"""Options and session fixtures of the install smoke tests (`make smoke`).

The cluster is chosen once per session (chartkit.cluster.choice): without one, every smoke test
is skipped with the same one-line reason. With one, the prerequisites are installed where
absent and every selected release runs through its life once (chartkit.cluster.smoke), in
parallel across namespaces; the tests then assert on the recorded results. While they run,
each step's outcome and the output of the long helm and kubectl commands are printed past
pytest's output capture (live_writer), each line prefixed with its release.

Run them with `make smoke [SMOKE_ARGS=...]` or `pytest tests/smoke -m smoke <options>`
(the options below are registered when tests/smoke is named on the command line).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest

from chartkit.cluster import choice as cluster
from chartkit.cluster import smoke
from chartkit.cluster.smoke_upgrade import UpgradeFrom, upgrade_sources
from chartkit.delivery.changes import analyse
from chartkit.delivery.git import merge_base
from chartkit.delivery.worktree import base_worktree
from chartkit.releases.inventory import Inventory, Release

NO_CLUSTER = "Skipped: no cluster:"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("smoke", "install smoke tests (make smoke)")
    group.addoption(
        "--kube-context",
        default=None,
        help="use this kubeconfig context instead of KUBECONFIG's current one or kind",
    )
    group.addoption(
        "--keep-cluster",
        action="store_true",
        help="keep the kind cluster (and the smoke namespaces) afterwards",
    )
    group.addoption(
        "--kube-version",
        default=None,
        help="Kubernetes minor of the kind cluster, e.g. 1.30 (pins: ci/prereqs.yaml)",
    )
    group.addoption(
        "--smoke-releases",
        default="",
        help="comma-separated releases to smoke-test (default: every release)",
    )
    group.addoption(
        "--smoke-parallel", type=int, default=4, help="namespaces run at once (default: 4)"
    )
    group.addoption(
        "--namespace-prefix",
        default="",
        help="prefix of the smoke namespaces (on a shared cluster, e.g. smoke-)",
    )
    group.addoption(
        "--rwx-storage-class",
        default=None,
        help="existing ReadWriteMany StorageClass to copy as chartkit-smoke-rwx (not on kind)",
    )
    group.addoption(
        "--smoke-helm", default=None, help="helm version to install with (default: the pinned)"
    )
    group.addoption(
        "--upgrade-from",
        default=None,
        metavar="BRANCH",
        help="install each release of a chart changed since the merge base with BRANCH from "
        "the base commit's chart first, then upgrade it (like ct install --upgrade)",
    )


def _option(config: pytest.Config, name: str, default: object = None) -> object:
    return config.getoption(name, default=default)


def smoke_options(config: pytest.Config) -> smoke.SmokeOptions:
    releases = str(_option(config, "--smoke-releases", "") or "")
    return smoke.SmokeOptions(
        kube_context=_option(config, "--kube-context"),  # type: ignore[arg-type]
        keep_cluster=bool(_option(config, "--keep-cluster", False)),
        kube_version=_option(config, "--kube-version"),  # type: ignore[arg-type]
        releases=tuple(r.strip() for r in releases.split(",") if r.strip()),
        parallel=int(_option(config, "--smoke-parallel", 4)),  # type: ignore[arg-type]
        namespace_prefix=str(_option(config, "--namespace-prefix", "") or ""),
        rwx_storage_class=_option(config, "--rwx-storage-class"),  # type: ignore[arg-type]
        helm_version=_option(config, "--smoke-helm"),  # type: ignore[arg-type]
    )


def live_writer(config: pytest.Config) -> Callable[[str], None]:
    """Print progress lines as they come, past pytest's output capture."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")

    def write(line: str) -> None:
        if reporter is None:
            print(line, flush=True)
            return
        if capture is not None:
            with capture.global_and_fixture_disabled():
                reporter.write_line(line)
        else:
            reporter.write_line(line)

    return write


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Report every "no cluster" skip at one place, so the summary shows one line."""
    report = yield
    longrepr = report.longrepr
    if (
        report.skipped
        and isinstance(longrepr, tuple)
        and str(longrepr[2]).startswith(NO_CLUSTER)
        and item.get_closest_marker("smoke")
    ):
        report.longrepr = (__file__, None, longrepr[2])
    return report


@pytest.fixture(scope="session")
def smoke_cluster(pytestconfig: pytest.Config) -> cluster.ClusterChoice:
    """The cluster, decided once; every smoke test skips with its reason when none."""
    choice = cluster.detect(smoke_options(pytestconfig).kube_context)
    if not choice.available:
        pytest.skip(choice.reason)
    return choice


@contextlib.contextmanager
def upgrade_sources_from(
    root: Path, branch: object, releases: list[Release], write: Callable[[str], None]
) -> Iterator[dict[str, UpgradeFrom]]:
    """With --upgrade-from: the base commit checked out in a temporary worktree (removed
    afterwards) and, for each release of a changed chart, where its run starts."""
    if not branch:
        yield {}
        return
    base = merge_base(root, str(branch))
    changed = analyse(root, base).affected_charts
    with base_worktree(root, base) as base_root:
        sources = upgrade_sources(root, base_root, base[:12], releases, changed)
        write(
            f"upgrade from {branch} (merge base {base[:12]}): "
            f"{sum(1 for s in sources.values() if s.chart)} release(s) start from the base chart, "
            f"{sum(1 for s in sources.values() if not s.chart)} skipped"
        )
        yield sources


@pytest.fixture(scope="session")
def smoke_results(
    smoke_cluster: cluster.ClusterChoice,
    pytestconfig: pytest.Config,
    repo_root: Path,
    inventory: Inventory,
) -> dict[str, smoke.SmokeResult]:
    """Every selected release run through its life once; release name -> result."""
    options = smoke_options(pytestconfig)
    selected = (
        [inventory.release(name) for name in options.releases]
        if options.releases
        else list(inventory.releases)
    )
    write = live_writer(pytestconfig)
    branch = _option(pytestconfig, "--upgrade-from")
    with (
        smoke.session(repo_root, inventory, smoke_cluster, options, write) as ctx,
        upgrade_sources_from(repo_root, branch, selected, write) as sources,
    ):
        ctx.upgrade_from = sources
        results = smoke.SmokeRun(ctx).run(selected, max(1, options.parallel))
        for result in results.values():
            if not result.ok:
                write(result.summary())
    return results
