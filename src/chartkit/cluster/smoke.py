"""Install smoke tests: every release through its whole life in a real cluster.

Per release, with its values files plus its smoke values (smoke_config; the image swapped
for a small public HTTP server): a namespace of its own enforcing the Pod Security
Standard its pods need (restricted unless an annotated exception needs more), the base
commit's chart installed first when the run upgrades from it (chartkit.cluster.smoke_upgrade),
install and wait, `helm test`, upgrade with the chart's `upgrade` values from ci/smoke/plan.yaml and
wait, `helm rollback` to the first revision and wait, uninstall (chartkit.cluster.release_run).
Charts with a canary (Argo Rollouts) must pause on the upgrade and are promoted through the
Rollouts API (chartkit.cluster.smoke_canary); charts with a shared ReadWriteMany volume must
show a file written by one component to the other, after the upgrade, and in the claim kept
after uninstall (chartkit.cluster.shared_volume). When a step fails, the namespace's events,
the release's pod logs and `kubectl describe` output are saved and attached to the result
(chartkit.cluster.smoke_diagnostics).

Releases that share a namespace run in the order of their needs (schedule.order_by_needs);
namespaces run in parallel. A line per release step gives its outcome and duration; the long
helm and kubectl commands' output and the Rollouts' states come as they happen, each line
prefixed with the release (schedule.Progress). `session` prepares the cluster (kind created
when chosen, prerequisites installed where absent) and `SmokeRun` runs the releases on it.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chartkit.checks import podsecurity
from chartkit.cluster import prereqs, schedule
from chartkit.cluster.choice import ClusterChoice
from chartkit.cluster.kind import KIND_CONFIG, KindCluster, kind_pins
from chartkit.cluster.prereq_config import load_config
from chartkit.cluster.release_run import ReleaseRun
from chartkit.cluster.smoke_config import load_plan
from chartkit.cluster.smoke_context import OUT_DIR, SmokeContext
from chartkit.cluster.smoke_objects import MANAGED_BY, rollouts_of
from chartkit.cluster.smoke_results import SmokeError, SmokeResult, StepResult
from chartkit.cluster.smoke_upgrade import INSTALL_BASE
from chartkit.releases.inventory import Inventory, Release
from chartkit.releases.render import Renderer
from chartkit.tools.helm import Helm, HelmError
from chartkit.tools.kubectl import Kubectl
from chartkit.tools.streaming import LineOutput

KIND_CLUSTER_NAME = "chartkit-smoke"


class SmokeRun:
    """The smoke tests of a set of releases against one prepared cluster."""

    def __init__(self, ctx: SmokeContext) -> None:
        self.ctx = ctx

    def namespace_of(self, release: Release) -> str:
        return f"{self.ctx.namespace_prefix}{release.namespace}"

    def run(self, releases: Sequence[Release], parallel: int) -> dict[str, SmokeResult]:
        namespaces = {r.name: self.namespace_of(r) for r in releases}
        by_name = {r.name: r for r in releases}
        groups = schedule.group_by_namespace(namespaces)
        self.ctx.progress.note(
            f"{len(releases)} release(s) in {len(groups)} namespace(s), "
            f"{min(parallel, len(groups))} at a time"
        )
        results: dict[str, SmokeResult] = {}
        for group_results in schedule.run_parallel(
            groups, lambda g: self.run_group(g, by_name), parallel
        ):
            results.update(group_results)
        return results

    def start(
        self, group: schedule.Group, releases: Mapping[str, Release]
    ) -> tuple[dict[str, ReleaseRun], dict[str, SmokeResult]]:
        """A run for each release of the group that renders; a failed result for the rest."""
        runs: dict[str, ReleaseRun] = {}
        failed: dict[str, SmokeResult] = {}
        for name in group.releases:
            try:
                runs[name] = ReleaseRun(self.ctx, releases[name], group.namespace)
            except (HelmError, SmokeError) as error:
                result = SmokeResult(name, group.namespace)
                result.steps.append(StepResult("render", False, 0.0, str(error)))
                self.ctx.progress.step(name, "render", False, 0.0, str(error))
                failed[name] = result
        return runs, failed

    def run_group(
        self, group: schedule.Group, releases: Mapping[str, Release]
    ) -> dict[str, SmokeResult]:
        runs, results = self.start(group, releases)
        order = schedule.order_by_needs(list(runs), {n: releases[n].needs for n in runs})
        objects = [o for run in runs.values() for o in (*run.manifest, *run.base_manifest)]
        level, why = podsecurity.required_level(objects)
        for name in order:
            run = runs[name]
            prepare = functools.partial(
                self.prepare_namespace, group.namespace, level, why, run.output
            )
            run.step("namespace", prepare)
        for name in order:
            self.start_from_base(runs[name])
            runs[name].step("install", runs[name].install)
        for name in order:
            self.exercise(runs[name])
        for name in reversed(order):
            self.uninstall(runs[name])
        if not self.ctx.keep_namespaces:
            self.ctx.kubectl.attempt(
                ["delete", "namespace", group.namespace, "--wait=false", "--ignore-not-found"]
            )
        results.update({name: runs[name].result for name in order})
        return results

    def start_from_base(self, run: ReleaseRun) -> None:
        """Install the base commit's chart first, when the run upgrades from it."""
        source = run.upgrade_from
        if source is None:
            return
        if source.chart is None:
            run.skip(INSTALL_BASE, source.reason)
            return
        run.step(INSTALL_BASE, run.install_base)

    def exercise(self, run: ReleaseRun) -> None:
        """An installed release: test, upgrade (with its canary), rollback."""
        run.step("test", run.test)
        shared = run.shared()
        if shared:
            run.step("shared-volume", shared.write)
        run.step("upgrade", run.upgrade)
        if run.chart_plan.canary and rollouts_of(run.manifest):
            run.step("canary", run.canary)
        if shared:
            run.step("shared-volume-upgraded", shared.read)
        run.step("rollback", run.rollback)

    def uninstall(self, run: ReleaseRun) -> None:
        """Uninstall even after a failed step; the claim check only after a clean run."""
        if not run.installed:
            return
        was_failed, run.failed = run.failed, False
        run.step("uninstall", run.uninstall)
        shared = run.shared()
        if shared and not was_failed:
            run.step("claim-kept", shared.claim_kept)
        run.failed = run.failed or was_failed

    def prepare_namespace(
        self, name: str, level: podsecurity.Level, why: list[str], output: LineOutput
    ) -> str:
        kubectl = self.ctx.kubectl
        if kubectl.exists("namespace", name):
            namespace = kubectl.get_json("namespace", name)
            labels = namespace["metadata"].get("labels") or {}
            if (
                labels.get("app.kubernetes.io/managed-by")
                != MANAGED_BY["app.kubernetes.io/managed-by"]
            ):
                raise SmokeError(
                    f"namespace {name} exists and was not created by the smoke tests: use a "
                    f"scratch cluster or --namespace-prefix"
                )
            if (namespace.get("status") or {}).get("phase") == "Terminating":
                # left by an earlier run on a kept cluster
                kubectl.run(
                    ["wait", f"namespace/{name}", "--for=delete", "--timeout=300s"],
                    timeout=330,
                    output=output,
                )
        kubectl.apply([podsecurity.namespace_manifest(name, level, dict(MANAGED_BY))])
        if level == "restricted":
            return "enforces restricted"
        return f"enforces {level} because {'; '.join(why[:3])}"


# -- session ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmokeOptions:
    kube_context: str | None = None
    keep_cluster: bool = False
    kube_version: str | None = None
    releases: tuple[str, ...] = ()
    parallel: int = 4
    namespace_prefix: str = ""
    rwx_storage_class: str | None = None
    helm_version: str | None = None


def _kind_cluster(root: Path, kube_version: str | None, progress: schedule.Progress) -> KindCluster:
    """The smoke tests' kind cluster: created, or reused when an earlier run kept it."""
    kind = KindCluster(
        name=KIND_CLUSTER_NAME,
        config=root / KIND_CONFIG,
        image=kind_pins(root).image(kube_version),
        kubeconfig=root / OUT_DIR / "kubeconfig",
    )
    if kind.exists():
        progress.note(f"kind cluster {kind.name} exists (--keep-cluster): using it")
        kind.export_kubeconfig()
    else:
        progress.note(f"creating kind cluster {kind.name} ({kind.image})")
        kind.create()
    return kind


@contextlib.contextmanager
def session(
    root: Path,
    inventory: Inventory,
    choice: ClusterChoice,
    options: SmokeOptions,
    write: Callable[[str], Any],
) -> Iterator[SmokeContext]:
    """A cluster ready for smoke runs: kind created (and deleted afterwards unless
    keep_cluster) when chosen, prerequisites installed where absent."""
    progress = schedule.Progress(write)
    renderer = Renderer(root)
    toolbox = renderer.toolbox
    helm_version = options.helm_version or toolbox.default_helm_version()
    kind = _kind_cluster(root, options.kube_version, progress) if choice.mode == "kind" else None
    kubeconfig, context = (kind.kubeconfig, None) if kind else (choice.kubeconfig, choice.context)
    kubectl = Kubectl(toolbox.kubectl(), kubeconfig=kubeconfig, context=context)
    helm = Helm(toolbox.helm(helm_version), kubeconfig=kubeconfig, kube_context=context)
    try:
        version = kubectl.server_version()
        progress.note(f"cluster: {choice.reason}; Kubernetes {version}; helm {helm_version}")
        config = load_config(root)
        present = prereqs.probe(kubectl, config)
        actions = prereqs.PrereqActions(config, kubectl, helm)
        steps = prereqs.plan(
            config, present, actions, kind=kind is not None, rwx_copy_of=options.rwx_storage_class
        )
        prereqs.install(steps, progress.note)
        yield SmokeContext(
            root=root,
            inventory=inventory,
            renderer=renderer,
            kubectl=kubectl,
            helm=helm,
            helm_version=helm_version,
            plan=load_plan(root),
            prereq_config=config,
            progress=progress,
            kind=kind,
            namespace_prefix=options.namespace_prefix,
            keep_namespaces=options.keep_cluster,
        )
    finally:
        if kind is not None and not options.keep_cluster:
            progress.note(f"deleting kind cluster {kind.name}")
            kind.delete()
