"""The smoke flow against a simulated cluster: every step, in order, with the right helm and
kubectl calls; canary pause and promotion; the shared volume; failures and diagnostics."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from kubefake import FakeKubectl, failure

from chartkit.cluster import schedule
from chartkit.cluster.prereq_config import load_config
from chartkit.cluster.release_run import ReleaseRun
from chartkit.cluster.smoke import SmokeRun
from chartkit.cluster.smoke_config import load_plan
from chartkit.cluster.smoke_context import SmokeContext
from chartkit.cluster.smoke_results import SmokeResult
from chartkit.cluster.smoke_upgrade import UpgradeFrom
from chartkit.releases.inventory import Inventory
from chartkit.releases.render import Renderer
from chartkit.tools.helm import Helm, HelmError

OLD_TAG, NEW_TAG = "0.9.2", "0.9.1"


class FakeCluster:
    """Just enough of a cluster and of helm for the smoke flow."""

    def __init__(self) -> None:
        self.namespaces: dict[str, dict[str, str]] = {}
        self.revisions: dict[str, int] = {}
        self.rollouts: dict[str, dict[str, Any]] = {}  # name -> status fields
        self.files: dict[str, str] = {}
        self.reader_pods: dict[str, str] = {}  # pod -> file it cats
        self.helm_calls: list[list[str]] = []
        self.fail_helm: dict[tuple[str, str], str] = {}  # (verb, release) -> stderr
        self.kubectl = FakeKubectl(
            {
                "get namespace": self.get_namespace,
                "apply": self.apply,
                "get rollouts.argoproj.io": self.get_rollout,
                "patch rollouts.argoproj.io": self.patch_rollout,
                "get pods": self.get_pods,
                "exec": self.exec,
                "get persistentvolumeclaim": lambda a, s: f"persistentvolumeclaim/{a[2]}",
                "logs": self.logs,
                "get events": lambda a, s: "LAST SEEN   TYPE      REASON    OBJECT",
                "get secrets": self.release_secrets,
            }
        )

    # -- kubectl

    def get_namespace(self, args: list[str], stdin: str | None) -> str:
        name = args[2]
        if name not in self.namespaces:
            return ""
        if "json" in args:
            return json.dumps({"metadata": {"name": name, "labels": self.namespaces[name]}})
        return f"namespace/{name}"

    def apply(self, args: list[str], stdin: str | None) -> str:
        import yaml

        for obj in yaml.safe_load_all(stdin or ""):
            if obj and obj["kind"] == "Namespace":
                self.namespaces[obj["metadata"]["name"]] = obj["metadata"]["labels"]
            if obj and obj["kind"] == "Pod":
                self.reader_pods[obj["metadata"]["name"]] = obj["spec"]["containers"][0]["command"][
                    1
                ]
        return ""

    def release_secrets(self, args: list[str], stdin: str | None) -> str:
        """helm's release records, found by kubectl get secrets -l owner=helm,name=..."""
        release = args[args.index("-l") + 1].split("name=")[1]
        revision = self.revisions.get(release)
        return f"secret/sh.helm.release.v1.{release}.v{revision}" if revision else ""

    def rollout_object(self, name: str) -> dict[str, Any]:
        status = self.rollouts[name]
        return {
            "metadata": {"name": name, "generation": status["generation"]},
            "spec": {"strategy": {"canary": {"steps": [{"setWeight": 50}, {"pause": {}}]}}},
            "status": {k: v for k, v in status.items() if k != "generation"},
        }

    def get_rollout(self, args: list[str], stdin: str | None) -> str:
        return json.dumps(self.rollout_object(args[2]))

    def patch_rollout(self, args: list[str], stdin: str | None) -> str:
        status = self.rollouts[args[2]]
        assert "--subresource=status" in args
        assert json.loads(args[args.index("--patch") + 1]) == {"status": {"pauseConditions": None}}
        status.update(phase="Healthy", stableRS=status["currentPodHash"], currentStepIndex=2)
        status.pop("pauseConditions", None)
        return ""

    def get_pods(self, args: list[str], stdin: str | None) -> str:
        pods = []
        for status in self.rollouts.values():
            for pod_hash, tag in status["images"].items():
                pods.append(
                    {
                        "metadata": {"labels": {"rollouts-pod-template-hash": pod_hash}},
                        "spec": {
                            "containers": [
                                {"name": "api", "image": f"docker.io/ealen/echo-server:{tag}"},
                                {"name": "sidecar", "image": "docker.io/ealen/echo-server:0.9.2"},
                            ]
                        },
                    }
                )
        return json.dumps({"items": pods})

    def exec(self, args: list[str], stdin: str | None) -> str:
        script, rest = args[args.index("-c", args.index("--")) + 1], args[args.index("--") :]
        values = rest[rest.index("sh", 2) + 1 :] if "sh" in rest[2:] else []
        if script.startswith("printf"):
            self.files[values[1]] = values[0]
            return ""
        return self.files.get(values[0], "")

    def logs(self, args: list[str], stdin: str | None) -> str:
        pod = args[1]
        return self.files.get(self.reader_pods.get(pod, ""), "")

    # -- helm

    def helm_run(self, args: list[str], timeout: float | None = None, **_: Any) -> str:
        self.helm_calls.append(list(args))
        verb, release = args[0], args[2] if args[:2] == ["upgrade", "--install"] else args[1]
        if (verb, release) in self.fail_helm:
            raise HelmError(["helm", *args], 1, self.fail_helm[(verb, release)])
        if verb == "upgrade":
            self.revisions[release] = self.revisions.get(release, 0) + 1
            self.deploy_rollouts(release, args, first=self.revisions[release] == 1)
        elif verb == "rollback":
            self.revisions[release] += 1
            self.deploy_rollouts(release, ["--set-json", f'image.tag="{OLD_TAG}"'], first=False)
        elif verb == "uninstall":
            self.revisions.pop(release)
        elif verb == "get" and args[1] == "manifest":
            return "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n"
        return ""

    def deploy_rollouts(self, release: str, args: list[str], first: bool) -> None:
        if not release.endswith("-api"):
            return
        tag = OLD_TAG
        for index, arg in enumerate(args):
            if arg == "--set-json" and args[index + 1].startswith("image.tag="):
                tag = json.loads(args[index + 1].split("=", 1)[1])
        name = release
        if first:
            self.rollouts[name] = {
                "generation": 1,
                "observedGeneration": "1",
                "phase": "Healthy",
                "stableRS": "h1",
                "currentPodHash": "h1",
                "images": {"h1": tag},
            }
            return
        status = self.rollouts[name]
        new_hash = f"h{status['generation'] + 1}"
        status["generation"] += 1
        status.update(
            observedGeneration=str(status["generation"]),
            phase="Paused",
            currentStepIndex=1,
            currentPodHash=new_hash,
            pauseConditions=[{"reason": "CanaryPauseStep", "startTime": "2025-01-01T00:00:00Z"}],
        )
        status["images"][new_hash] = tag

    def printed(self, args: list[str]) -> str:
        """What helm prints while a cluster command runs (its stdout is "" here)."""
        release = args[2] if args[:2] == ["upgrade", "--install"] else args[1]
        said = {
            "upgrade": f'Release "{release}" has been upgraded. Happy Helming!\nSTATUS: deployed\n',
            "test": f"NAME: {release}\nPhase: Succeeded\n",
            "rollback": "Rollback was a success! Happy Helming!\n",
            "uninstall": f'release "{release}" uninstalled\n',
        }
        return said.get(args[0], "")

    def history(self, release: str, namespace: str) -> list[dict[str, Any]]:
        return [{"revision": self.revisions[release], "status": "deployed", "description": ""}]


class FakeHelm(Helm):
    """The real wrapper, with the helm binary replaced by the fake cluster: every argument
    list the smoke run builds goes through chartkit.tools.helm as it would against a cluster."""

    def __init__(self, fake: FakeCluster) -> None:
        super().__init__(binary=Path("/fake/helm"), kube_context="smoke")
        object.__setattr__(self, "fake", fake)

    def run(self, args, timeout=None, stdout_in_error=False, output=None):  # type: ignore[override]
        """helm's answer from the fake cluster; with `output`, what helm prints on its way,
        line by line, as the real wrapper streams it."""
        args = list(args)
        if args[0] == "version":
            return "v4.1.4"
        if args[0] == "history":
            if args[1] not in self.fake.revisions:
                raise HelmError(["helm", *args], 1, "Error: release: not found")
            rows = self.fake.history(args[1], args[args.index("--namespace") + 1])
            if args[args.index("--output") + 1] == "json":
                return json.dumps(rows)
            return "\n".join(f"{r['revision']} {r['status']}" for r in rows)
        out = self.fake.helm_run(args, timeout)
        if output is not None:
            for line in (self.fake.printed(args) + out).splitlines():
                output(line)
        return out


def context(
    repo_root: Path, inventory: Inventory, renderer: Renderer, fake: FakeCluster, tmp_path: Path
) -> tuple[SmokeContext, list[str]]:
    lines: list[str] = []
    ctx = SmokeContext(
        root=repo_root,
        inventory=inventory,
        renderer=renderer,
        kubectl=fake.kubectl,  # type: ignore[arg-type]
        helm=FakeHelm(fake),  # type: ignore[arg-type]
        helm_version="4.1.4",
        plan=load_plan(repo_root),
        prereq_config=load_config(repo_root),
        progress=schedule.Progress(lines.append),
        out_dir=tmp_path / "smoke",
        poll_seconds=0.01,
    )
    return ctx, lines


@pytest.fixture
def fake() -> FakeCluster:
    return FakeCluster()


RELEASES = ["seedtest-api", "r-analytics", "codebeaker", "eventstorming"]


def run_smoke(
    repo_root: Path,
    inventory: Inventory,
    renderer: Renderer,
    fake: FakeCluster,
    tmp_path: Path,
    names: list[str] = RELEASES,
    upgrade_from: dict[str, UpgradeFrom] | None = None,
    parallel: int = 3,
) -> tuple[dict[str, SmokeResult], list[str]]:
    """The smoke run of `names` against the fake cluster (installing each release named in
    upgrade_from from its base chart first); the results and the lines it printed."""
    ctx, lines = context(repo_root, inventory, renderer, fake, tmp_path)
    ctx.upgrade_from = upgrade_from or {}
    results = SmokeRun(ctx).run([inventory.release(n) for n in names], parallel=parallel)
    return results, lines


def steps(result: SmokeResult) -> list[str]:
    return [step.name for step in result.steps]


def test_every_release_goes_through_every_step(
    repo_root: Path, inventory: Inventory, renderer: Renderer, fake: FakeCluster, tmp_path: Path
) -> None:
    results, lines = run_smoke(repo_root, inventory, renderer, fake, tmp_path)
    for result in results.values():
        assert result.ok, result.summary()
    common = ["namespace", "install", "test", "upgrade", "rollback", "uninstall"]
    assert steps(results["r-analytics"]) == common
    assert steps(results["eventstorming"]) == common
    assert steps(results["seedtest-api"]) == [
        "namespace",
        "install",
        "test",
        "upgrade",
        "canary",
        "rollback",
        "uninstall",
    ]
    assert steps(results["codebeaker"]) == [
        "namespace",
        "install",
        "test",
        "shared-volume",
        "upgrade",
        "shared-volume-upgraded",
        "rollback",
        "uninstall",
        "claim-kept",
    ]
    assert not fake.revisions  # everything uninstalled
    # a progress line per step, with the release and its duration
    for name, result in results.items():
        for step in result.steps:
            done = [line for line in lines if line.startswith(f"[{name}] {step.name} done in ")]
            assert len(done) == 1, (name, step.name, done)
    assert any(
        re.fullmatch(r"\[seedtest-api\] canary done in \d+\.\ds: seedtest-api paused .*", line)
        for line in lines
    )
    assert lines[0].endswith("4 release(s) in 3 namespace(s), 3 at a time")


def test_namespaces_are_labelled_and_deleted(
    repo_root: Path, inventory: Inventory, renderer: Renderer, fake: FakeCluster, tmp_path: Path
) -> None:
    run_smoke(repo_root, inventory, renderer, fake, tmp_path)
    assert set(fake.namespaces) == {"seedtest", "codebeaker", "eventstorming"}
    for labels in fake.namespaces.values():
        assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
        assert labels["app.kubernetes.io/managed-by"] == "chartkit-smoke"
    deleted = [c for c in fake.kubectl.commands() if c.startswith("delete namespace")]
    assert sorted(c.split()[2] for c in deleted) == ["codebeaker", "eventstorming", "seedtest"]


def helm_calls(fake: FakeCluster, release: str) -> list[list[str]]:
    return [
        call for call in fake.helm_calls if release in call[:3] and call[:2] != ["get", "manifest"]
    ]


def test_helm_commands(
    repo_root: Path, inventory: Inventory, renderer: Renderer, fake: FakeCluster, tmp_path: Path
) -> None:
    run_smoke(repo_root, inventory, renderer, fake, tmp_path)
    install, test, upgrade, rollback, uninstall = helm_calls(fake, "eventstorming")
    assert install[:7] == [
        "upgrade",
        "--install",
        "eventstorming",
        str(repo_root / "charts" / "eventstorming"),
        "--namespace",
        "eventstorming",
        "--values",
    ]
    values = [install[i + 1] for i, a in enumerate(install) if a == "--values"]
    assert values == [
        str(repo_root / "values" / "eventstorming.yaml"),
        str(repo_root / "ci" / "smoke" / "charts" / "eventstorming.yaml"),
        str(repo_root / "build" / "smoke" / "values" / "eventstorming.yaml"),
    ]
    # helm 4's watcher wait where it works; the kube context on every call
    assert "--wait=watcher" in install and install[-2:] == ["--kube-context", "smoke"]
    assert test[:4] == ["test", "eventstorming", "--namespace", "eventstorming"]
    assert "--logs" in test
    assert "--set-json" in upgrade
    assert upgrade[upgrade.index("--set-json") + 1] == (
        'podAnnotations={"smoke.chartkit.io/upgrade": "1"}'
    )
    assert rollback[:3] == ["rollback", "eventstorming", "1"]
    assert uninstall[:2] == ["uninstall", "eventstorming"]


def test_rollout_releases_use_the_legacy_wait_and_a_new_tag(
    repo_root: Path, inventory: Inventory, renderer: Renderer, fake: FakeCluster, tmp_path: Path
) -> None:
    results, _ = run_smoke(repo_root, inventory, renderer, fake, tmp_path)
    install, _, upgrade, rollback, _ = helm_calls(fake, "seedtest-api")
    assert "--wait=legacy" in install and "--wait=legacy" in rollback
    assert upgrade[upgrade.index("--set-json") + 1] == f'image.tag="{NEW_TAG}"'
    canary = results["seedtest-api"].step("canary")
    assert canary is not None and canary.detail == (
        f"seedtest-api paused at step 1, promoted, stable on {NEW_TAG}"
    )
    patches = [c for c in fake.kubectl.calls if c[:2] == ["patch", "rollouts.argoproj.io"]]
    assert len(patches) == 2  # the canary, and the rollback's replayed pause


def test_releases_of_a_namespace_install_makers_of_secrets_first(
    repo_root: Path, inventory: Inventory, renderer: Renderer, fake: FakeCluster, tmp_path: Path
) -> None:
    run_smoke(repo_root, inventory, renderer, fake, tmp_path)
    seedtest = [
        (call[0], call[2] if call[0] == "upgrade" else call[1])
        for call in fake.helm_calls
        if {"seedtest-api", "r-analytics"} & set(call[:3]) and call[0] in ("upgrade", "uninstall")
    ]
    installs = [release for verb, release in seedtest if verb == "upgrade"]
    assert installs[:2] == ["r-analytics", "seedtest-api"]  # both installed, maker first
    uninstalls = [release for verb, release in seedtest if verb == "uninstall"]
    assert uninstalls == ["seedtest-api", "r-analytics"]  # reverse order


def test_shared_volume_file_goes_from_the_api_to_a_worker_and_stays_in_the_claim(
    repo_root: Path, inventory: Inventory, renderer: Renderer, fake: FakeCluster, tmp_path: Path
) -> None:
    results, _ = run_smoke(repo_root, inventory, renderer, fake, tmp_path, ["codebeaker"])
    result = results["codebeaker"]
    assert result.ok, result.summary()
    execs = [c for c in fake.kubectl.calls if c[0] == "exec"]
    assert [c[3] for c in execs] == [
        "deployment/codebeaker-api",
        "deployment/codebeaker-worker",
        "deployment/codebeaker-worker",
    ]
    assert list(fake.files) == ["/data/chartkit-smoke-codebeaker.txt"]
    # after uninstall a restricted pod reads the file from the kept claim
    pod = next(o for o in fake.kubectl.applied() if o["kind"] == "Pod")
    assert pod["spec"]["volumes"] == [
        {"name": "data", "persistentVolumeClaim": {"claimName": "codebeaker-data"}}
    ]
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    assert result.step("claim-kept").detail == "claim codebeaker-data kept with the file"


def test_a_failed_step_stops_its_release_collects_diagnostics_and_still_uninstalls(
    repo_root: Path, inventory: Inventory, renderer: Renderer, fake: FakeCluster, tmp_path: Path
) -> None:
    fake.fail_helm[("test", "eventstorming")] = "Error: pod eventstorming-test-connection failed"
    results, lines = run_smoke(repo_root, inventory, renderer, fake, tmp_path)
    result = results["eventstorming"]
    assert not result.ok
    assert steps(result) == ["namespace", "install", "test", "uninstall"]
    assert [s.ok for s in result.steps] == [True, True, False, True]
    assert "pod eventstorming-test-connection failed" in result.step("test").detail
    assert result.diagnostics == tmp_path / "smoke" / "eventstorming.log"
    text = result.diagnostics.read_text()
    for section in (
        "## events in eventstorming",
        "## describe workloads in eventstorming",
        "## pod logs in eventstorming",
        "## helm history",
    ):
        assert section in text
    logs = next(c for c in fake.kubectl.calls if c[0] == "logs" and "-l" in c)
    assert "app.kubernetes.io/instance=eventstorming" in logs
    summary = result.summary()
    assert "FAIL test" in summary and "diagnostics:" in summary
    (failed,) = [line for line in lines if "FAILED" in line]
    assert re.fullmatch(
        r"\[eventstorming\] test FAILED after \d+\.\ds: helm test failed \(exit 1\): "
        r"Error: pod eventstorming-test-connection failed",
        failed,
    )
    # the other namespaces were not affected
    assert results["codebeaker"].ok and results["r-analytics"].ok


def test_a_namespace_the_smoke_tests_did_not_create_is_not_touched(
    repo_root: Path, inventory: Inventory, renderer: Renderer, fake: FakeCluster, tmp_path: Path
) -> None:
    fake.namespaces["eventstorming"] = {"team": "eventstorming"}
    results, _ = run_smoke(repo_root, inventory, renderer, fake, tmp_path, ["eventstorming"])
    step = results["eventstorming"].steps[0]
    assert (step.name, step.ok) == ("namespace", False)
    assert "exists and was not created by the smoke tests" in step.detail
    assert not any(c[0] == "upgrade" for c in fake.helm_calls)


def test_a_namespace_prefix_moves_every_release(
    repo_root: Path, inventory: Inventory, renderer: Renderer, fake: FakeCluster, tmp_path: Path
) -> None:
    ctx, _ = context(repo_root, inventory, renderer, fake, tmp_path)
    ctx.namespace_prefix = "smoke-"
    results = SmokeRun(ctx).run([inventory.release("eventstorming")], parallel=1)
    assert results["eventstorming"].namespace == "smoke-eventstorming"
    assert "smoke-eventstorming" in fake.namespaces


class FakeKind:
    def __init__(self) -> None:
        self.directories: list[str] = []

    def nodes(self) -> list[str]:
        return ["chartkit-smoke-control-plane"]

    def make_directory(self, path: str) -> None:
        self.directories.append(path)


def test_on_kind_each_rwx_claim_gets_a_volume_on_the_node(
    repo_root: Path, inventory: Inventory, renderer: Renderer, fake: FakeCluster, tmp_path: Path
) -> None:
    ctx, _ = context(repo_root, inventory, renderer, fake, tmp_path)
    kind = FakeKind()
    ctx.kind = kind  # type: ignore[assignment]
    results = SmokeRun(ctx).run([inventory.release("codebeaker-dev")], parallel=1)
    assert results["codebeaker-dev"].ok, results["codebeaker-dev"].summary()
    assert kind.directories == ["/var/local/chartkit-smoke/codebeaker-dev-codebeaker-data"]
    volume = next(o for o in fake.kubectl.applied() if o["kind"] == "PersistentVolume")
    assert volume["spec"]["claimRef"] == {"namespace": "codebeaker-dev", "name": "codebeaker-data"}
    assert volume["spec"]["capacity"] == {"storage": "1Gi"}


def test_kubectl_failures_in_diagnostics_are_recorded_not_raised(
    repo_root: Path, inventory: Inventory, renderer: Renderer, fake: FakeCluster, tmp_path: Path
) -> None:
    fake.fail_helm[("upgrade", "eventstorming")] = "Error: context deadline exceeded"
    fake.kubectl.handlers["get events"] = failure("the server is currently unable to respond")
    results, _ = run_smoke(repo_root, inventory, renderer, fake, tmp_path, ["eventstorming"])
    text = results["eventstorming"].diagnostics.read_text()
    assert "## events in eventstorming (failed)" in text
    assert "the server is currently unable to respond" in text


def test_a_failed_install_is_still_uninstalled(
    repo_root: Path, inventory: Inventory, renderer: Renderer, fake: FakeCluster, tmp_path: Path
) -> None:
    # helm records the failed release before the wait times out
    def failing_install(args: list[str], timeout: float | None = None, **_: Any) -> str:
        fake.helm_calls.append(list(args))
        if args[0] == "upgrade":
            fake.revisions["eventstorming"] = 1
            raise HelmError(["helm", *args], 1, "Error: context deadline exceeded")
        if args[0] == "uninstall":
            fake.revisions.pop("eventstorming")
        return ""

    fake.helm_run = failing_install  # type: ignore[method-assign]
    results, _ = run_smoke(repo_root, inventory, renderer, fake, tmp_path, ["eventstorming"])
    result = results["eventstorming"]
    assert [(s.name, s.ok) for s in result.steps] == [
        ("namespace", True),
        ("install", False),
        ("uninstall", True),
    ]
    assert not fake.revisions


def test_nothing_to_uninstall_when_helm_recorded_nothing(
    repo_root: Path, inventory: Inventory, renderer: Renderer, fake: FakeCluster, tmp_path: Path
) -> None:
    fake.fail_helm[("upgrade", "eventstorming")] = "Error: chart requires kubeVersion >=1.30.0-0"
    fake.revisions.clear()
    real = fake.helm_run

    def no_record(args: list[str], timeout: float | None = None, **_: Any) -> str:
        out = real(args, timeout)
        fake.revisions.pop("eventstorming", None)
        return out

    fake.helm_run = no_record  # type: ignore[method-assign]
    results, _ = run_smoke(repo_root, inventory, renderer, fake, tmp_path, ["eventstorming"])
    uninstall = results["eventstorming"].step("uninstall")
    assert uninstall is not None and uninstall.ok and uninstall.detail == "nothing installed"
    assert not any(call[0] == "uninstall" for call in fake.helm_calls)


def test_a_namespace_left_terminating_by_a_kept_cluster_is_waited_for(
    repo_root: Path, inventory: Inventory, renderer: Renderer, fake: FakeCluster, tmp_path: Path
) -> None:
    fake.namespaces["eventstorming"] = {"app.kubernetes.io/managed-by": "chartkit-smoke"}
    original = fake.kubectl.handlers["get namespace"]

    def terminating(args: list[str], stdin: str | None) -> str:
        out = original(args, stdin)
        if "json" in args:
            document = json.loads(out)
            document["status"] = {"phase": "Terminating"}
            return json.dumps(document)
        return out

    fake.kubectl.handlers["get namespace"] = terminating
    results, _ = run_smoke(repo_root, inventory, renderer, fake, tmp_path, ["eventstorming"])
    assert results["eventstorming"].ok
    assert "wait namespace/eventstorming --for=delete --timeout=300s" in fake.kubectl.commands()


def test_a_kept_clusters_volume_is_made_afresh(
    repo_root: Path, inventory: Inventory, renderer: Renderer, fake: FakeCluster, tmp_path: Path
) -> None:
    ctx, _ = context(repo_root, inventory, renderer, fake, tmp_path)
    ctx.kind = FakeKind()  # type: ignore[assignment]
    SmokeRun(ctx).run([inventory.release("codebeaker")], parallel=1)
    commands = fake.kubectl.commands()
    delete = commands.index(
        "delete persistentvolume chartkit-smoke-codebeaker-codebeaker-data --ignore-not-found "
        "--timeout=60s"
    )
    assert fake.kubectl.calls[delete + 1][0] == "apply"


def test_long_commands_stream_their_output_prefixed_with_the_release(
    repo_root: Path, inventory: Inventory, renderer: Renderer, fake: FakeCluster, tmp_path: Path
) -> None:
    _, lines = run_smoke(repo_root, inventory, renderer, fake, tmp_path)
    said = [
        '[eventstorming] Release "eventstorming" has been upgraded. Happy Helming!',
        "[eventstorming] NAME: eventstorming",
        "[eventstorming] Rollback was a success! Happy Helming!",
        '[eventstorming] release "eventstorming" uninstalled',
    ]
    for line in said:
        assert line in lines
    # each command's output comes before the line that ends its step
    for output, step in zip(said[1:], ("test", "rollback", "uninstall"), strict=True):
        done = next(
            i for i, line in enumerate(lines) if line.startswith(f"[eventstorming] {step} done")
        )
        assert lines.index(output) < done
    # the states a Rollout goes through while waited for, and its promotions
    assert "[seedtest-api] Rollout seedtest-api: phase Paused, step 1/2" in lines
    assert "[seedtest-api] Rollout seedtest-api: promoted" in lines
    releases = "|".join(RELEASES)
    strays = [line for line in lines if not re.match(rf"\[(\s*\d+\.\ds|{releases})\] ", line)]
    assert not strays


STREAMING_HELM = """\
#!/bin/sh
# helm test --logs as a real process: its pod's log lines come one by one
release="$2"
for i in 1 2 3 4 5 6 7 8; do
  echo "$release log line $i"
  sleep 0.02
done
echo "Phase: Succeeded" >&2
"""


def test_a_real_helm_process_streams_through_subprocess_tee_and_parallel_releases_stay_apart(
    repo_root: Path, inventory: Inventory, renderer: Renderer, fake: FakeCluster, tmp_path: Path
) -> None:
    ctx, lines = context(repo_root, inventory, renderer, fake, tmp_path)
    script = tmp_path / "helm"
    script.write_text(STREAMING_HELM)
    script.chmod(0o755)
    ctx.helm = Helm(binary=script, kube_context="smoke")
    runs = [ReleaseRun(ctx, inventory.release(n), n) for n in ("eventstorming", "r-analytics")]
    assert schedule.run_parallel(runs, lambda r: r.step("test", r.test), 2) == [True, True]
    for name in ("eventstorming", "r-analytics"):
        own = [line for line in lines if line.startswith(f"[{name}] ")]
        assert own[0] == (
            f"[{name}] $ helm test {name} --namespace {name} --timeout 3m --logs "
            "--kube-context smoke"
        )
        assert own[1:9] == [f"[{name}] {name} log line {i}" for i in range(1, 9)]
        assert own[9] == f"[{name}] Phase: Succeeded"
        assert re.fullmatch(rf"\[{name}\] test done in \d+\.\ds", own[10])
    assert len(lines) == 22
