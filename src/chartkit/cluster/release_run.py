"""One release's smoke steps: install and wait (from the base commit's chart first, when the
run upgrades from it: chartkit.cluster.smoke_upgrade), `helm test`, upgrade, the canary,
rollback to the working tree's first revision, uninstall. Each step is recorded with its
outcome and duration and reported as a progress line; the output of its long helm and
kubectl commands, and the states a Rollout goes through while waited for, are printed as
they come, prefixed with the release. After a failed step the release's diagnostics are
saved and later steps are skipped."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from chartkit.cluster.prereq_config import PrereqError
from chartkit.cluster.rollouts import RolloutError, Rollouts
from chartkit.cluster.shared_volume import (
    SharedVolumeCheck,
    prepare_rwx_volumes,
    shared_volume_check,
)
from chartkit.cluster.smoke_canary import promote_canaries
from chartkit.cluster.smoke_config import release_values
from chartkit.cluster.smoke_context import SmokeContext
from chartkit.cluster.smoke_diagnostics import collect_diagnostics
from chartkit.cluster.smoke_objects import rollouts_of
from chartkit.cluster.smoke_results import SmokeError, SmokeResult, StepResult
from chartkit.cluster.smoke_upgrade import UpgradeFrom
from chartkit.releases.inventory import Release
from chartkit.releases.manifest import Object, name_of
from chartkit.tools.durations import parse_duration
from chartkit.tools.helm import HelmError
from chartkit.tools.kubectl import KubectlError


class ReleaseRun:
    """One release's steps; each records a StepResult and a progress line."""

    def __init__(self, ctx: SmokeContext, release: Release, namespace: str) -> None:
        self.ctx = ctx
        self.release = release
        self.namespace = namespace
        self.result = SmokeResult(release.name, namespace)
        self.values = release_values(ctx.root, release, ctx.renderer.helm(ctx.helm_version))
        self.manifest = list(
            ctx.renderer.render(
                release.chart,
                release=release.name,
                namespace=namespace,
                values_files=self.values,
                api_versions=ctx.renderer.platform_api_versions,
                helm_version=ctx.helm_version,
            ).objects
        )
        self.upgrade_from = ctx.upgrade_from.get(release.name)
        self.base_manifest, self.base_problem = self.render_base(self.upgrade_from)
        self.base_installed = False
        self.first_revision = 1  # of the working tree's chart
        self.volumes_prepared = False
        self.chart_plan = ctx.plan.chart(release.chart_name)
        self.output = ctx.progress.output(release.name)
        self.rollouts = Rollouts(ctx.kubectl, namespace, poll=ctx.poll_seconds, output=self.output)
        self.token = uuid.uuid4().hex
        self.installed = False
        self.failed = False

    # -- plumbing

    def render_base(self, source: UpgradeFrom | None) -> tuple[list[Object], str | None]:
        """The base chart's objects with this run's values, or why it does not render."""
        if source is None or source.chart is None:
            return [], None
        try:
            manifest = self.ctx.renderer.render(
                source.chart,
                release=self.release.name,
                namespace=self.namespace,
                values_files=self.values,
                api_versions=self.ctx.renderer.platform_api_versions,
                helm_version=self.ctx.helm_version,
            )
        except HelmError as error:
            return [], (
                f"the base chart ({source.reason}) does not render with the working tree's "
                f"values and smoke values, which a minor or patch version must accept: {error}"
            )
        return list(manifest.objects), None

    def skip(self, name: str, reason: str) -> None:
        """Record a step that does not apply, with the reason."""
        self.result.steps.append(StepResult(name, True, 0.0, f"skipped: {reason}"))
        self.output(f"{name} skipped: {reason}")

    def step(self, name: str, action: Callable[[], str | None]) -> bool:
        """Run one step unless an earlier one failed; record and report it."""
        if self.failed:
            return False
        started = time.monotonic()
        try:
            detail = action() or ""
            ok = True
        except (HelmError, KubectlError, RolloutError, SmokeError, PrereqError) as error:
            detail, ok = str(error).strip(), False
        except Exception as error:  # a step must not take its namespace's other steps down
            detail, ok = f"{type(error).__name__}: {error}", False
        took = time.monotonic() - started
        self.result.steps.append(StepResult(name, ok, took, detail))
        self.ctx.progress.step(self.release.name, name, ok, took, detail)
        if not ok:
            self.failed = True
            self.result.diagnostics = collect_diagnostics(
                self.ctx.kubectl,
                self.ctx.helm,
                self.release.name,
                self.namespace,
                self.manifest,
                self.ctx.root / self.ctx.out_dir / f"{self.release.name}.log",
            )
        return ok

    @property
    def wait_strategy(self) -> str:
        # kstatus cannot judge a Rollout (see chartkit.cluster.rollouts); the Rollout is
        # waited for separately and everything else through helm's legacy wait.
        return "legacy" if rollouts_of(self.manifest) else "watcher"

    def timeout(self, step: str) -> str:
        return self.ctx.plan.timeouts[step]

    def wait_rollouts_healthy(
        self, step: str, promote_pauses: bool = False, manifest: list[Object] | None = None
    ) -> None:
        """Every Rollout of the release (of `manifest`, default the working tree's) healthy
        within the step's timeout."""
        for rollout in rollouts_of(self.manifest if manifest is None else manifest):
            self.rollouts.wait(
                name_of(rollout),
                lambda s: s.healthy,
                parse_duration(self.timeout(step)),
                f"healthy after {step}",
                promote_pauses=promote_pauses,
            )

    def shared(self) -> SharedVolumeCheck | None:
        """The shared-volume check, when the chart's releases share a ReadWriteMany claim."""
        return shared_volume_check(
            self.ctx.kubectl,
            self.namespace,
            self.release.name,
            self.token,
            self.manifest,
            self.chart_plan.shared_volume,
            self.ctx.prereq_config.rwx["storageClassName"],
            output=self.output,
        )

    # -- steps

    def prepare_volumes(self, manifest: list[Object]) -> None:
        """On kind, a volume for each ReadWriteMany claim (once per run)."""
        if self.ctx.kind is not None and not self.volumes_prepared:
            prepare_rwx_volumes(
                self.ctx.kind, self.ctx.kubectl, self.ctx.prereq_config, self.namespace, manifest
            )
        self.volumes_prepared = True

    def install_base(self) -> str:
        """Install the base commit's chart, to upgrade from it."""
        source = self.upgrade_from
        if source is None or source.chart is None or self.base_problem:
            raise SmokeError(self.base_problem or "no base chart to install")
        self.prepare_volumes(self.base_manifest)
        self.installed = True
        self.ctx.helm.upgrade_install(
            self.release.name,
            source.chart,
            self.namespace,
            self.values,
            timeout=self.timeout("install"),
            wait_strategy="legacy" if rollouts_of(self.base_manifest) else "watcher",
            output=self.output,
        )
        self.wait_rollouts_healthy("install", manifest=self.base_manifest)
        self.base_installed = True
        return f"revision {self.revision()} from {source.reason}"

    def install(self) -> str:
        self.prepare_volumes(self.manifest)
        self.installed = True  # from here on, uninstall cleans up even a failed install
        self.ctx.helm.upgrade_install(
            self.release.name,
            self.release.chart,
            self.namespace,
            self.values,
            timeout=self.timeout("install"),
            wait_strategy=self.wait_strategy,
            output=self.output,
        )
        # upgrading from the base rolls a canary out: its pauses are promoted
        self.wait_rollouts_healthy("install", promote_pauses=self.base_installed)
        self.first_revision = self.revision()
        if self.base_installed and self.upgrade_from is not None:
            return f"revision {self.first_revision}, upgraded from {self.upgrade_from.reason}"
        return f"revision {self.first_revision}"

    def test(self) -> str:
        self.ctx.helm.test(
            self.release.name, self.namespace, timeout=self.timeout("test"), output=self.output
        )
        return ""

    def upgrade(self) -> str:
        changes = self.chart_plan.upgrade
        self.ctx.helm.upgrade_install(
            self.release.name,
            self.release.chart,
            self.namespace,
            self.values,
            set_values=changes,
            timeout=self.timeout("upgrade"),
            wait_strategy=self.wait_strategy,
            output=self.output,
        )
        if not self.chart_plan.canary:
            self.wait_rollouts_healthy("upgrade", promote_pauses=True)
        revision, expected = self.revision(), self.first_revision + 1
        if revision != expected:
            raise SmokeError(
                f"expected revision {expected} after the upgrade, helm reports {revision}"
            )
        return f"revision {expected} with {', '.join(sorted(changes))}"

    def canary(self) -> str:
        """After the upgrade to a new image tag: paused at the first pause step with the
        canary on the new tag; promoted through the API; the new tag becomes stable."""
        tag = str(self.chart_plan.upgrade.get("image.tag", ""))
        limit = parse_duration(self.timeout("upgrade"))
        return promote_canaries(self.rollouts, self.ctx.kubectl, self.manifest, tag, limit)

    def rollback(self) -> str:
        self.ctx.helm.rollback(
            self.release.name,
            self.namespace,
            revision=self.first_revision,
            timeout=self.timeout("rollback"),
            wait_strategy=self.wait_strategy,
            output=self.output,
        )
        # Going back is a new rollout of the old template: its pauses are promoted.
        self.wait_rollouts_healthy("rollback", promote_pauses=True)
        current = self.manifest_of_revision(None)
        first = self.manifest_of_revision(self.first_revision)
        if current != first:
            raise SmokeError(
                f"after the rollback the release's manifest differs from revision "
                f"{self.first_revision}"
            )
        return f"revision {self.revision()} = revision {self.first_revision}"

    def uninstall(self) -> str:
        history = self.ctx.kubectl.attempt(
            [
                "get",
                "secrets",
                "--namespace",
                self.namespace,
                "-o",
                "name",
                "-l",
                f"owner=helm,name={self.release.name}",
            ]
        )
        if history[0] and not history[1].strip():
            self.installed = False
            return "nothing installed"
        self.ctx.helm.uninstall(
            self.release.name,
            self.namespace,
            timeout=self.timeout("uninstall"),
            output=self.output,
        )
        self.installed = False
        return ""

    # -- inspection

    def revision(self) -> int:
        history = self.ctx.helm.history(self.release.name, self.namespace)
        last = history[-1]
        if last.get("status") != "deployed":
            raise SmokeError(f"release status is {last.get('status')}: {last.get('description')}")
        return int(last["revision"])

    def manifest_of_revision(self, revision: int | None) -> list[Object]:
        return self.ctx.helm.get_manifest(self.release.name, self.namespace, revision)
