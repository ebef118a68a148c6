"""Install smoke tests: every release through its whole life in a real cluster.

Per release, with its values files plus ci/smoke/<release>.yaml (the service image swapped
for a small public HTTP server): a namespace of its own enforcing the Pod Security
Standard its pods need (restricted unless an annotated exception needs more), install and
wait, `helm test`, upgrade with the chart's `upgrade` values from ci/smoke/plan.yaml and
wait, `helm rollback` to the first revision and wait, uninstall. Charts with a canary
(Argo Rollouts) must pause on the upgrade and are promoted through the Rollouts API;
charts with a shared ReadWriteMany volume must show a file written by one component to
the other, after the upgrade, and in the claim kept after uninstall. When a step fails,
the namespace's events, the release's pod logs and `kubectl describe` output are saved
and attached to the result.

Releases that share a namespace run in order (schedule.order_by_secrets); namespaces run
in parallel. Progress lines give the run's elapsed time, the release, the step and its
duration.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from chartkit import prereqs, schedule
from chartkit.checks import podsecurity
from chartkit.cluster import ClusterChoice, KindCluster, kind_pins
from chartkit.releases.inventory import Inventory, Release
from chartkit.releases.manifest import Object, containers, name_of, pod_spec
from chartkit.releases.render import Renderer
from chartkit.rollouts import RolloutError, Rollouts
from chartkit.tools.helm import Helm, HelmError, seconds
from chartkit.tools.kubectl import Kubectl, KubectlError

SMOKE_DIR = Path("ci") / "smoke"
PLAN_FILE = SMOKE_DIR / "plan.yaml"
KIND_CONFIG = Path("ci") / "kind-config.yaml"
OUT_DIR = Path("build") / "smoke"
MANAGED_BY = {"app.kubernetes.io/managed-by": "chartkit-smoke"}
KIND_CLUSTER_NAME = "chartkit-smoke"


class SmokeError(Exception):
    """A smoke step found the cluster in a state it should not be in."""


# -- plan -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SharedVolume:
    writer: str  # app.kubernetes.io/component of the writing workload
    reader: str


@dataclass(frozen=True)
class ChartPlan:
    upgrade: dict[str, Any]  # --set-json values of the upgrade step
    canary: bool = False
    shared_volume: SharedVolume | None = None


@dataclass(frozen=True)
class SmokePlan:
    timeouts: dict[str, str]
    charts: dict[str, ChartPlan]

    def chart(self, name: str) -> ChartPlan:
        if name not in self.charts:
            raise SmokeError(f"{PLAN_FILE} has no entry for chart {name!r}")
        return self.charts[name]


def load_plan(root: Path) -> SmokePlan:
    document = yaml.safe_load((root / PLAN_FILE).read_text())
    charts: dict[str, ChartPlan] = {}
    for name, entry in (document.get("charts") or {}).items():
        shared = entry.get("sharedVolume")
        charts[str(name)] = ChartPlan(
            upgrade=dict(entry.get("upgrade") or {}),
            canary=bool(entry.get("canary", False)),
            shared_volume=SharedVolume(str(shared["writer"]), str(shared["reader"]))
            if shared
            else None,
        )
    return SmokePlan(timeouts={k: str(v) for k, v in document["timeouts"].items()}, charts=charts)


def smoke_values_file(root: Path, release: Release) -> Path:
    return root / SMOKE_DIR / f"{release.name}.yaml"


def release_values(root: Path, release: Release) -> list[Path]:
    """The files a smoke install uses: the release's own, then its smoke values."""
    return [*release.values, smoke_values_file(root, release)]


# -- results --------------------------------------------------------------------------------


@dataclass
class StepResult:
    name: str
    ok: bool
    seconds: float
    detail: str = ""


@dataclass
class ReleaseResult:
    release: str
    namespace: str
    steps: list[StepResult] = field(default_factory=list)
    diagnostics: Path | None = None

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(step.ok for step in self.steps)

    def step(self, name: str) -> StepResult | None:
        return next((s for s in self.steps if s.name == name), None)

    def summary(self) -> str:
        lines = [f"{self.release} (namespace {self.namespace}):"]
        for step in self.steps:
            mark = "ok  " if step.ok else "FAIL"
            lines.append(
                f"  {mark} {step.name} ({step.seconds:.1f}s){': ' if step.detail else ''}"
                f"{step.detail}"
            )
        if self.diagnostics:
            lines.append(f"  diagnostics: {self.diagnostics}")
            text = self.diagnostics.read_text() if self.diagnostics.exists() else ""
            tail = text.splitlines()[-60:]
            lines += [f"    {line}" for line in tail]
        return "\n".join(lines)


# -- the release's objects ------------------------------------------------------------------


def rollouts_of(objects: Sequence[Object]) -> list[Object]:
    return [o for o in objects if o.get("kind") == "Rollout"]


def first_pause_step(rollout: Object) -> int | None:
    steps = (((rollout.get("spec") or {}).get("strategy") or {}).get("canary") or {}).get(
        "steps"
    ) or []
    return next((i for i, step in enumerate(steps) if "pause" in step), None)


def rwx_claims(objects: Sequence[Object], storage_class: str) -> list[Object]:
    return [
        o
        for o in objects
        if o.get("kind") == "PersistentVolumeClaim"
        and (o.get("spec") or {}).get("storageClassName") == storage_class
        and "ReadWriteMany" in ((o.get("spec") or {}).get("accessModes") or [])
    ]


@dataclass(frozen=True)
class Mount:
    workload: str  # Deployment name
    kind: str
    container: str
    image: str
    path: str  # where the claim is mounted


def claim_mount(objects: Sequence[Object], claim: str, component: str) -> Mount:
    """The workload of a component that mounts a claim, with its container and path."""
    for obj in objects:
        labels = ((obj.get("metadata") or {}).get("labels")) or {}
        if (
            obj.get("kind") not in ("Deployment", "StatefulSet")
            or labels.get("app.kubernetes.io/component") != component
        ):
            continue
        volumes = {
            v["name"]
            for v in pod_spec(obj).get("volumes") or []
            if (v.get("persistentVolumeClaim") or {}).get("claimName") == claim
        }
        for container in containers(obj):
            for mount in container.get("volumeMounts") or []:
                if mount.get("name") in volumes:
                    return Mount(
                        name_of(obj),
                        str(obj["kind"]).lower(),
                        str(container["name"]),
                        str(container["image"]),
                        str(mount["mountPath"]).rstrip("/"),
                    )
    raise SmokeError(f"no {component} workload mounts claim {claim}")


def reader_pod(name: str, claim: str, mount: Mount, file: str) -> Object:
    """A restricted pod that prints one file of a claim (to check it after uninstall)."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": dict(MANAGED_BY)},
        "spec": {
            "restartPolicy": "Never",
            "automountServiceAccountToken": False,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": 1001,
                "runAsGroup": 1001,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "containers": [
                {
                    "name": "read",
                    "image": mount.image,
                    "command": ["cat", f"{mount.path}/{file}"],
                    "securityContext": {
                        "allowPrivilegeEscalation": False,
                        "readOnlyRootFilesystem": True,
                        "capabilities": {"drop": ["ALL"]},
                    },
                    "resources": {
                        "requests": {"cpu": "10m", "memory": "16Mi"},
                        "limits": {"cpu": "100m", "memory": "64Mi"},
                    },
                    "volumeMounts": [{"name": "data", "mountPath": mount.path, "readOnly": True}],
                }
            ],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}],
        },
    }


# -- the run --------------------------------------------------------------------------------


@dataclass
class SmokeContext:
    """Everything a smoke run needs to talk to the cluster."""

    root: Path
    inventory: Inventory
    renderer: Renderer
    kubectl: Kubectl
    helm: Helm
    helm_version: str
    plan: SmokePlan
    prereq_config: prereqs.PrereqConfig
    progress: schedule.Progress
    kind: KindCluster | None = None
    namespace_prefix: str = ""
    keep_namespaces: bool = False
    out_dir: Path = OUT_DIR
    poll_seconds: float = 3.0  # between reads of a Rollout's status


class ReleaseRun:
    """One release's steps; each records a StepResult and a progress line."""

    def __init__(self, ctx: SmokeContext, release: Release, namespace: str) -> None:
        self.ctx = ctx
        self.release = release
        self.namespace = namespace
        self.result = ReleaseResult(release.name, namespace)
        self.values = release_values(ctx.root, release)
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
        self.chart_plan = ctx.plan.chart(release.chart_name)
        self.rollouts = Rollouts(ctx.kubectl, namespace, poll=ctx.poll_seconds)
        self.token = uuid.uuid4().hex
        self.installed = False
        self.failed = False

    # -- plumbing

    def step(self, name: str, action: Callable[[], str | None]) -> bool:
        """Run one step unless an earlier one failed; record and report it."""
        if self.failed:
            return False
        started = time.monotonic()
        try:
            detail = action() or ""
            ok = True
        except (HelmError, KubectlError, RolloutError, SmokeError, prereqs.PrereqError) as error:
            detail, ok = str(error).strip(), False
        except Exception as error:  # a step must not take its namespace's other steps down
            detail, ok = f"{type(error).__name__}: {error}", False
        took = time.monotonic() - started
        self.result.steps.append(StepResult(name, ok, took, detail))
        self.ctx.progress.report(
            self.release.name, name, "ok" if ok else f"FAILED: {_first_line(detail)}", took
        )
        if not ok:
            self.failed = True
            self.result.diagnostics = self.collect_diagnostics()
        return ok

    @property
    def wait_strategy(self) -> str:
        # kstatus cannot judge a Rollout (see chartkit.rollouts); the Rollout is waited
        # for separately and everything else through helm's legacy wait.
        return "legacy" if rollouts_of(self.manifest) else "watcher"

    def timeout(self, step: str) -> str:
        return self.ctx.plan.timeouts[step]

    def wait_rollouts_healthy(self, step: str, promote_pauses: bool = False) -> None:
        """Every Rollout of the release healthy within the step's timeout."""
        for rollout in rollouts_of(self.manifest):
            self.rollouts.wait(
                name_of(rollout),
                lambda s: s.healthy,
                seconds(self.timeout(step)),
                f"healthy after {step}",
                promote_pauses=promote_pauses,
            )

    # -- steps

    def install(self) -> str:
        self.prepare_volumes()
        self.installed = True  # from here on, uninstall cleans up even a failed install
        self.ctx.helm.upgrade_install(
            self.release.name,
            self.release.chart,
            self.namespace,
            self.values,
            timeout=self.timeout("install"),
            wait_strategy=self.wait_strategy,
            stream=False,
        )
        self.wait_rollouts_healthy("install")
        return f"revision {self.revision()}"

    def test(self) -> str:
        self.ctx.helm.test(
            self.release.name, self.namespace, timeout=self.timeout("test"), stream=False
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
            stream=False,
        )
        if not self.chart_plan.canary:
            self.wait_rollouts_healthy("upgrade", promote_pauses=True)
        revision = self.revision()
        if revision != 2:
            raise SmokeError(f"expected revision 2 after the upgrade, helm reports {revision}")
        return f"revision 2 with {', '.join(sorted(changes))}"

    def canary(self) -> str:
        """After the upgrade to a new image tag: paused at the first pause step with the
        canary on the new tag; promoted through the API; the new tag becomes stable."""
        notes = []
        tag = str(self.chart_plan.upgrade.get("image.tag", ""))
        for rollout in rollouts_of(self.manifest):
            name = name_of(rollout)
            pause_index = first_pause_step(rollout)
            if pause_index is None:
                raise SmokeError(f"Rollout {name} has no pause step to stop at")
            limit = seconds(self.timeout("upgrade"))
            paused = self.rollouts.wait(name, lambda s: s.paused, limit, "paused")
            if paused.step_index != pause_index:
                raise SmokeError(
                    f"Rollout {name} paused at step {paused.step_index}, expected the pause "
                    f"step {pause_index}"
                )
            container = str(containers(rollout)[0]["name"])
            images = self.pod_images(paused.current_hash, container)
            if tag and not all(image.endswith(f":{tag}") for image in images):
                raise SmokeError(f"canary pods of {name} run {sorted(images)}, not tag {tag}")
            self.rollouts.promote(name)
            done = self.rollouts.wait(name, lambda s: s.healthy, limit, "healthy after promote")
            stable_images = self.pod_images(done.stable_hash, container)
            if tag and not all(image.endswith(f":{tag}") for image in stable_images):
                raise SmokeError(f"stable pods of {name} run {sorted(stable_images)}")
            notes.append(f"{name} paused at step {pause_index}, promoted, stable on {tag}")
        return "; ".join(notes)

    def rollback(self) -> str:
        self.ctx.helm.rollback(
            self.release.name,
            self.namespace,
            revision=1,
            timeout=self.timeout("rollback"),
            wait_strategy=self.wait_strategy,
            stream=False,
        )
        # Going back is a new rollout of the old template: its pauses are promoted.
        self.wait_rollouts_healthy("rollback", promote_pauses=True)
        current = self.manifest_of_revision(None)
        first = self.manifest_of_revision(1)
        if current != first:
            raise SmokeError("after the rollback the release's manifest differs from revision 1")
        return f"revision {self.revision()} = revision 1"

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
            self.release.name, self.namespace, timeout=self.timeout("uninstall"), stream=False
        )
        self.installed = False
        return ""

    # -- shared volume

    def shared(self) -> tuple[Object, Mount, Mount] | None:
        spec = self.chart_plan.shared_volume
        claims = rwx_claims(self.manifest, self.ctx.prereq_config.rwx["storageClassName"])
        if spec is None or not claims:
            return None
        claim = claims[0]
        name = name_of(claim)
        return (
            claim,
            claim_mount(self.manifest, name, spec.writer),
            claim_mount(self.manifest, name, spec.reader),
        )

    @property
    def shared_file(self) -> str:
        return f"chartkit-smoke-{self.release.name}.txt"

    def exec(self, mount: Mount, script: str, *args: str) -> str:
        return self.ctx.kubectl.run(
            [
                "exec",
                "--namespace",
                self.namespace,
                f"{mount.kind}/{mount.workload}",
                "-c",
                mount.container,
                "--",
                "sh",
                "-c",
                script,
                "sh",
                *args,
            ],
            timeout=60,
        )

    def write_shared(self) -> str:
        shared = self.shared()
        assert shared is not None
        writer = shared[1]
        path = f"{writer.path}/{self.shared_file}"
        self.exec(writer, 'printf %s "$1" > "$2"', self.token, path)
        return self.read_shared(f"written by {writer.workload}, ")

    def read_shared(self, prefix: str = "") -> str:
        shared = self.shared()
        assert shared is not None
        _, _, reader = shared
        found = self.exec(reader, 'cat "$1"', f"{reader.path}/{self.shared_file}")
        if found != self.token:
            raise SmokeError(f"{reader.workload} read {found!r}, expected {self.token!r}")
        return f"{prefix}read by {reader.workload}"

    def claim_kept(self) -> str:
        shared = self.shared()
        assert shared is not None
        claim, _, reader = shared
        claim_name = name_of(claim)
        if not self.ctx.kubectl.exists("persistentvolumeclaim", claim_name, self.namespace):
            raise SmokeError(f"claim {claim_name} was deleted with the release")
        pod = f"chartkit-smoke-read-{self.token[:8]}"
        kubectl = self.ctx.kubectl
        kubectl.apply([reader_pod(pod, claim_name, reader, self.shared_file)], self.namespace)
        try:
            kubectl.run(
                [
                    "wait",
                    f"pod/{pod}",
                    "--namespace",
                    self.namespace,
                    "--for=jsonpath={.status.phase}=Succeeded",
                    "--timeout=180s",
                ],
                timeout=200,
            )
            found = kubectl.run(["logs", pod, "--namespace", self.namespace])
        finally:
            kubectl.attempt(["delete", "pod", pod, "--namespace", self.namespace, "--wait=false"])
        if found != self.token:
            raise SmokeError(f"claim {claim_name} holds {found!r} after uninstall")
        return f"claim {claim_name} kept with the file"

    def prepare_volumes(self) -> None:
        """On kind, a hostPath volume bound in advance to each RWX claim of the release."""
        kind = self.ctx.kind
        if kind is None:
            return
        config = self.ctx.prereq_config
        node = kind.nodes()[0]
        for claim in rwx_claims(self.manifest, config.rwx["storageClassName"]):
            name = name_of(claim)
            size = claim["spec"]["resources"]["requests"]["storage"]
            volume = prereqs.hostpath_volume(config, self.namespace, name, size, node)
            # A volume left by an earlier run (--keep-cluster) is bound to a claim that is
            # gone: make it afresh (the directory, and what the claim held, stay).
            self.ctx.kubectl.run(
                [
                    "delete",
                    "persistentvolume",
                    volume["metadata"]["name"],
                    "--ignore-not-found",
                    "--timeout=60s",
                ],
                timeout=90,
            )
            kind.make_directory(prereqs.hostpath_directory(config, self.namespace, name))
            self.ctx.kubectl.apply([volume])

    # -- inspection

    def revision(self) -> int:
        history = self.ctx.helm.history(self.release.name, self.namespace)
        last = history[-1]
        if last.get("status") != "deployed":
            raise SmokeError(f"release status is {last.get('status')}: {last.get('description')}")
        return int(last["revision"])

    def manifest_of_revision(self, revision: int | None) -> list[Object]:
        return self.ctx.helm.get_manifest(self.release.name, self.namespace, revision)

    def pod_images(self, pod_hash: str, container: str) -> set[str]:
        """Images of one container in the live pods of one pod-template hash."""
        pods = self.ctx.kubectl.get_json(
            "pods",
            None,
            self.namespace,
        ).get("items", [])
        images: set[str] = set()
        for pod in pods:
            labels = (pod.get("metadata") or {}).get("labels") or {}
            if labels.get("rollouts-pod-template-hash") != pod_hash:
                continue
            if (pod.get("metadata") or {}).get("deletionTimestamp"):
                continue
            for item in (pod.get("spec") or {}).get("containers") or []:
                if item.get("name") == container:
                    images.add(str(item.get("image")))
        if not images:
            raise SmokeError(f"no running pods with template hash {pod_hash}")
        return images

    def collect_diagnostics(self) -> Path:
        """Events, describe output and pod logs of every namespace the release uses."""
        kubectl = self.ctx.kubectl
        others = {
            str(o["metadata"]["namespace"])
            for o in self.manifest
            if (o.get("metadata") or {}).get("namespace")
            and o["metadata"]["namespace"] != self.namespace
        }
        namespaces = [self.namespace, *sorted(others)]
        instance = f"app.kubernetes.io/instance={self.release.name}"
        sections: list[tuple[str, list[str]]] = []
        for ns in namespaces:
            sections += [
                (
                    f"events in {ns}",
                    ["get", "events", "--namespace", ns, "--sort-by=.lastTimestamp"],
                ),
                (
                    f"objects in {ns}",
                    ["get", "all,pvc,networkpolicies", "--namespace", ns, "-o", "wide"],
                ),
                (
                    f"describe workloads in {ns}",
                    ["describe", "deployments,replicasets,pods", "--namespace", ns, "-l", instance],
                ),
                (
                    f"describe rollouts in {ns}",
                    ["describe", "rollouts.argoproj.io", "--namespace", ns],
                ),
                (
                    f"describe external secrets in {ns}",
                    ["describe", "externalsecrets.external-secrets.io", "--namespace", ns],
                ),
                (f"describe claims in {ns}", ["describe", "pvc", "--namespace", ns]),
                (
                    f"pod logs in {ns}",
                    [
                        "logs",
                        "--namespace",
                        ns,
                        "-l",
                        instance,
                        "--all-containers",
                        "--prefix",
                        "--tail=200",
                        "--ignore-errors",
                    ],
                ),
            ]
        out = [f"# smoke diagnostics: release {self.release.name}, namespace {self.namespace}"]
        for title, args in sections:
            ok, text = kubectl.attempt(args, timeout=60)
            out.append(f"\n## {title}{'' if ok else ' (failed)'}\n{text.rstrip()}")
        text = ""
        with contextlib.suppress(HelmError):
            text = self.ctx.helm.history(self.release.name, self.namespace, output="table")
        out.append(f"\n## helm history\n{text.rstrip()}")
        path = self.ctx.root / self.ctx.out_dir / f"{self.release.name}.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(out) + "\n")
        return path


def _first_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[0][:200] if lines else ""


class SmokeRun:
    """The smoke tests of a set of releases against one prepared cluster."""

    def __init__(self, ctx: SmokeContext) -> None:
        self.ctx = ctx

    def namespace_of(self, release: Release) -> str:
        return f"{self.ctx.namespace_prefix}{release.namespace}"

    def run(self, releases: Sequence[Release], parallel: int) -> dict[str, ReleaseResult]:
        namespaces = {r.name: self.namespace_of(r) for r in releases}
        by_name = {r.name: r for r in releases}
        groups = schedule.group_by_namespace(namespaces)
        self.ctx.progress.note(
            f"{len(releases)} release(s) in {len(groups)} namespace(s), "
            f"{min(parallel, len(groups))} at a time"
        )
        results: dict[str, ReleaseResult] = {}
        for group_results in schedule.run_parallel(
            groups, lambda g: self.run_group(g, by_name), parallel
        ):
            results.update(group_results)
        return results

    def run_group(
        self, group: schedule.Group, releases: Mapping[str, Release]
    ) -> dict[str, ReleaseResult]:
        runs: dict[str, ReleaseRun] = {}
        results: dict[str, ReleaseResult] = {}
        for name in group.releases:
            try:
                runs[name] = ReleaseRun(self.ctx, releases[name], group.namespace)
            except (HelmError, SmokeError) as error:
                result = ReleaseResult(name, group.namespace)
                result.steps.append(StepResult("render", False, 0.0, str(error)))
                self.ctx.progress.report(name, "render", f"FAILED: {_first_line(str(error))}")
                results[name] = result
        order = schedule.order_by_secrets(
            list(runs), {n: r.manifest for n, r in runs.items()}, group.namespace
        )
        level, why = podsecurity.required_level([o for run in runs.values() for o in run.manifest])
        for name in order:
            run = runs[name]
            run.step("namespace", lambda: self.prepare_namespace(group.namespace, level, why))
        for name in order:
            runs[name].step("install", runs[name].install)
        for name in order:
            run = runs[name]
            run.step("test", run.test)
            if run.shared():
                run.step("shared-volume", run.write_shared)
            run.step("upgrade", run.upgrade)
            if run.chart_plan.canary and rollouts_of(run.manifest):
                run.step("canary", run.canary)
            if run.shared():
                run.step("shared-volume-upgraded", run.read_shared)
            run.step("rollback", run.rollback)
        for name in reversed(order):
            run = runs[name]
            if run.installed:
                was_failed, run.failed = run.failed, False
                run.step("uninstall", run.uninstall)
                if run.shared() and not was_failed:
                    run.step("claim-kept", run.claim_kept)
                run.failed = run.failed or was_failed
        if not self.ctx.keep_namespaces:
            self.ctx.kubectl.attempt(
                ["delete", "namespace", group.namespace, "--wait=false", "--ignore-not-found"]
            )
        results.update({name: runs[name].result for name in order})
        return results

    def prepare_namespace(self, name: str, level: podsecurity.Level, why: list[str]) -> str:
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
    kind: KindCluster | None = None
    kubeconfig, context = choice.kubeconfig, choice.context
    if choice.mode == "kind":
        pins = kind_pins(root)
        kind = KindCluster(
            name=KIND_CLUSTER_NAME,
            config=root / KIND_CONFIG,
            image=pins.image(options.kube_version),
            kubeconfig=root / OUT_DIR / "kubeconfig",
        )
        if kind.exists():
            progress.note(f"kind cluster {kind.name} exists (--keep-cluster): using it")
            kind.export_kubeconfig()
        else:
            progress.note(f"creating kind cluster {kind.name} ({kind.image})")
            kind.create()
        kubeconfig, context = kind.kubeconfig, None
    kubectl = Kubectl(toolbox.kubectl(), kubeconfig=kubeconfig, context=context)
    helm = Helm(toolbox.helm(helm_version), kubeconfig=kubeconfig, kube_context=context)
    try:
        version = kubectl.server_version()
        progress.note(f"cluster: {choice.reason}; Kubernetes {version}; helm {helm_version}")
        config = prereqs.load_config(root)
        present = prereqs.probe(kubectl, config)
        actions = prereqs.PrereqActions(config, kubectl, str(helm.binary), helm.cluster_flags())
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
