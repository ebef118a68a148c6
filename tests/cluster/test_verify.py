"""`chartkit verify --server` against a fake kubectl: the calls it makes, how it reads the
answers, what it reports."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from chartkit.cli.main import build_parser
from chartkit.cli.verify_command import format_result, kubeconfig_hint
from chartkit.cluster import verify
from chartkit.cluster.verify_namespaces import enforced_levels, pod_security_problems
from chartkit.releases.inventory import Inventory, Release
from chartkit.releases.manifest import describe
from chartkit.releases.render import Renderer
from chartkit.tools.kubectl import Kubectl
from chartkit.tools.toolbox import Toolbox
from helpers.repository import run_chartkit

ROOT = Path(__file__).resolve().parents[2]

FAKE_KUBECTL = """#!{python}
\"\"\"A kubectl that knows a few namespaces (NAMESPACES: name or name=enforce level, and the
ones it was asked to create, kept in FAKE_STATE) and rejects the objects named in REJECT.\"\"\"
import json, os, sys

raw = args = sys.argv[1:]
if args[:1] == ["--context"]:
    args = args[2:]
log, state_file = os.environ["FAKE_LOG"], os.environ["FAKE_STATE"]
state = json.load(open(state_file)) if os.path.exists(state_file) else {{}}
known = dict(state)
for entry in os.environ["NAMESPACES"].split(","):
    name, _, level = entry.partition("=")
    labels = {{"pod-security.kubernetes.io/enforce": level}} if level else {{}}
    known[name] = {{"metadata": {{"name": name, "labels": labels}}}}


def record(**extra):
    with open(log, "a") as stream:
        stream.write(json.dumps({{"args": raw, **extra}}) + "\\n")


def fail(message):
    sys.stderr.write(message + "\\n")
    sys.exit(1)


if os.environ.get("FAKE_NO_CLUSTER"):
    sys.stderr.write("E1120 memcache.go:265] couldn't get current server API group list\\n")
    fail("The connection to the server 127.0.0.1:6443 was refused")
if args[:3] == ["get", "--raw", "/version"]:
    print(json.dumps({{"gitVersion": "v1.36.0"}}))
    sys.exit(0)
if args[:2] == ["get", "namespace"]:
    if args[2] in known:
        print(json.dumps(known[args[2]]) if "json" in args else "namespace/" + args[2])
    sys.exit(0)
if args[:1] == ["create"]:
    obj = json.loads(sys.stdin.read())
    record(object=obj)
    name = obj["metadata"]["name"]
    if name in known:
        fail('Error from server (AlreadyExists): namespaces "' + name + '" already exists')
    state[name] = {{"metadata": obj["metadata"]}}
    json.dump(state, open(state_file, "w"))
    print("namespace/" + name)
    sys.exit(0)
if args[:2] == ["delete", "namespace"]:
    record()
    state.pop(args[2], None)
    json.dump(state, open(state_file, "w"))
    sys.exit(0)
if args[0] == "apply":
    obj = json.loads(sys.stdin.read())
    record(object=obj)
    kind, name = obj["kind"], obj["metadata"]["name"]
    namespace = obj["metadata"].get("namespace") or args[args.index("--namespace") + 1]
    if kind != "Namespace" and namespace not in known:
        fail('Error from server (NotFound): error when creating "STDIN": namespaces "'
             + namespace + '" not found')
    if kind + "/" + name in os.environ.get("REJECT", "").split(","):
        fail(
            'Error from server (Forbidden): error when creating "STDIN": ' + kind.lower()
            + ' "' + name + '" is forbidden: violates PodSecurity "restricted:latest": '
            + "runAsNonRoot != true"
        )
    print(kind.lower() + "/" + name)
    sys.exit(0)
sys.exit(3)
"""


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Kubectl, Path]:
    binary = tmp_path / "kubectl"
    binary.write_text(FAKE_KUBECTL.format(python=sys.executable))
    binary.chmod(binary.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("FAKE_LOG", str(log))
    monkeypatch.setenv("FAKE_STATE", str(tmp_path / "namespaces.json"))
    monkeypatch.setenv("NAMESPACES", "eventstorming,ecp-tenants")
    monkeypatch.setenv("REJECT", "Deployment/eventstorming-generator")
    return Kubectl(binary, context="prod"), log


def calls(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_every_object_is_dry_run_and_each_rejection_reported(
    fake: tuple[Kubectl, Path], renderer: Renderer, inventory: Inventory
) -> None:
    kubectl, log = fake
    release = inventory.release("eventstorming")
    [result] = verify.verify(kubectl, renderer, [release], verify.VerifyOptions(parallel=4))
    manifest = renderer.render_release(release)
    sent = calls(log)
    assert len(sent) == len(manifest)
    assert sorted(json.dumps(c["object"], sort_keys=True) for c in sent) == sorted(
        json.dumps(o, sort_keys=True) for o in manifest.objects
    )
    for call in sent:
        assert call["args"] == [
            "--context",
            "prod",
            *verify.dry_run_args("eventstorming"),
        ]
    assert "--dry-run=server" in call["args"] and "--validate=strict" in call["args"]
    rejected = [o for o in result.objects if o.outcome == "rejected"]
    assert [(o.object, o.message) for o in rejected] == [
        (
            "Deployment/eventstorming-generator",
            'deployment "eventstorming-generator" is forbidden: violates PodSecurity '
            '"restricted:latest": runAsNonRoot != true',
        )
    ]
    assert not result.ok
    lines = format_result(result)
    accepted = len(manifest) - 1
    assert (
        lines[0] == f"FAIL eventstorming (namespace eventstorming): {accepted} accepted, 1 rejected"
    )
    assert lines[1].startswith("     Deployment/eventstorming-generator rejected: deployment ")


def tenant(inventory: Inventory) -> Release:
    """An ECP tenant: its release record lives in ecp-tenants, its objects in
    ecp-ai-<tenant>, a namespace the release itself creates (restricted)."""
    return next(r for r in inventory.releases if r.chart_name == "ecp-tenant")


def own_namespace(renderer: Renderer, release: Release) -> dict:
    return renderer.render_release(release).get("Namespace")


def test_objects_of_the_namespace_the_release_creates_wait_for_it(
    fake: tuple[Kubectl, Path], renderer: Renderer, inventory: Inventory
) -> None:
    kubectl, log = fake
    release = tenant(inventory)
    namespace = own_namespace(renderer, release)["metadata"]["name"]
    [result] = verify.verify(kubectl, renderer, [release])
    outcomes = {o.object: o.outcome for o in result.objects}
    assert outcomes.pop(f"Namespace/{namespace}") == "accepted"
    assert len(outcomes) > 20 and set(outcomes.values()) == {"after-namespace"}
    assert result.ok and result.pod_security == []
    # only the Namespace was sent, and nothing was created
    assert [(c["args"][2], c["object"]["kind"]) for c in calls(log)] == [("apply", "Namespace")]
    lines = format_result(result)
    assert lines[0] == (
        f"ok   {release.name} (namespace ecp-tenants): 1 accepted, 0 rejected, "
        f"{len(outcomes)} checked after the release's Namespace is created"
    )
    assert "--allow-temporary-namespaces" in lines[1] and "Deployment" in lines[1]


def test_a_temporary_namespace_is_made_for_the_check_and_deleted(
    fake: tuple[Kubectl, Path], renderer: Renderer, inventory: Inventory
) -> None:
    kubectl, log = fake
    release = tenant(inventory)
    rendered = own_namespace(renderer, release)
    namespace = rendered["metadata"]["name"]
    options = verify.VerifyOptions(temporary_namespaces=True)
    [result] = verify.verify(kubectl, renderer, [release], options)
    assert result.ok, format_result(result)
    assert {o.outcome for o in result.objects} == {"accepted"}
    verbs = [c["args"][2] for c in calls(log)]
    assert verbs[:2] == ["apply", "create"] and verbs[-1] == "delete"
    assert verbs.count("apply") == len(renderer.render_release(release))
    created = calls(log)[1]["object"]
    assert created["metadata"]["name"] == namespace
    assert created["metadata"]["labels"] == rendered["metadata"]["labels"]
    assert created["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert "verify.chartkit.io/temporary" in created["metadata"]["annotations"]
    assert calls(log)[-1]["args"][2:6] == ["delete", "namespace", namespace, "--ignore-not-found"]
    applied = [
        c for c in calls(log) if c["args"][2] == "apply" and c["object"]["kind"] != "Namespace"
    ]
    assert {c["args"][c["args"].index("--namespace") + 1] for c in applied} == {namespace}


def test_a_rejection_in_the_temporary_namespace_fails(
    fake: tuple[Kubectl, Path],
    renderer: Renderer,
    inventory: Inventory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kubectl, log = fake
    release = tenant(inventory)
    deployment = renderer.render_release(release).all("Deployment")[0]["metadata"]["name"]
    monkeypatch.setenv("REJECT", f"Deployment/{deployment}")
    options = verify.VerifyOptions(temporary_namespaces=True)
    [result] = verify.verify(kubectl, renderer, [release], options)
    assert not result.ok
    rejected = [o for o in result.objects if o.outcome == "rejected"]
    assert [o.object for o in rejected] == [f"Deployment/{deployment}"]
    assert "violates PodSecurity" in rejected[0].message
    assert calls(log)[-1]["args"][2:4] == ["delete", "namespace"]


def test_a_rejected_namespace_fails_and_nothing_is_created(
    fake: tuple[Kubectl, Path],
    renderer: Renderer,
    inventory: Inventory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kubectl, log = fake
    release = tenant(inventory)
    namespace = own_namespace(renderer, release)["metadata"]["name"]
    monkeypatch.setenv("REJECT", f"Namespace/{namespace}")
    for options in (verify.VerifyOptions(), verify.VerifyOptions(temporary_namespaces=True)):
        [result] = verify.verify(kubectl, renderer, [release], options)
        assert not result.ok
        outcomes = {o.object: o for o in result.objects}
        assert outcomes.pop(f"Namespace/{namespace}").outcome == "rejected"
        assert {o.outcome for o in outcomes.values()} == {"not-verified"}
        assert (
            f"the release's Namespace {namespace} was rejected"
            in next(iter(outcomes.values())).message
        )
    assert {c["args"][2] for c in calls(log)} == {"apply"}


class InterruptedKubectl(Kubectl):
    """The fake kubectl, interrupted (Ctrl-C) at the first dry run inside `namespace`."""

    def attempt(self, args, stdin=None, timeout=None):  # type: ignore[no-untyped-def]
        if args[0] == "apply" and object.__getattribute__(self, "namespace") in args:
            raise KeyboardInterrupt
        return super().attempt(args, stdin=stdin, timeout=timeout)


def test_the_temporary_namespace_is_deleted_when_interrupted(
    fake: tuple[Kubectl, Path], renderer: Renderer, inventory: Inventory
) -> None:
    kubectl, log = fake
    release = tenant(inventory)
    namespace = own_namespace(renderer, release)["metadata"]["name"]
    interrupted = InterruptedKubectl(kubectl.binary, context=kubectl.context)
    object.__setattr__(interrupted, "namespace", namespace)
    options = verify.VerifyOptions(temporary_namespaces=True, parallel=1)
    with pytest.raises(KeyboardInterrupt):
        verify.verify(interrupted, renderer, [release], options)
    assert [c["args"][2:5] for c in calls(log)][-1] == ["delete", "namespace", namespace]


# the docker-socket worker (a hostPath volume) runs in a namespace of its own
WORKER_NAMESPACE = "codebeaker-worker"
WORKER_PROBLEM = (
    "codebeaker: Deployment/codebeaker-worker needs Pod Security level privileged "
    "(HostPath Volumes: volume 'docker-socket' is a hostPath volume) but namespace "
    f"{WORKER_NAMESPACE} enforces {{level}}: its pods would be refused; label the namespace "
    "pod-security.kubernetes.io/enforce=privileged"
)


def test_a_namespace_stricter_than_the_pods_need_is_named_with_the_label_to_set(
    fake: tuple[Kubectl, Path],
    renderer: Renderer,
    inventory: Inventory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kubectl, _ = fake
    release = inventory.release("codebeaker")  # the docker-socket worker: a hostPath volume
    monkeypatch.setenv("NAMESPACES", f"codebeaker=restricted,{WORKER_NAMESPACE}=baseline")
    [result] = verify.verify(kubectl, renderer, [release])
    assert {o.outcome for o in result.objects} == {"accepted"}  # workloads pass dry runs
    assert not result.ok
    assert result.pod_security == [WORKER_PROBLEM.format(level="baseline")]
    assert format_result(result)[-1] == f"     Pod Security: {result.pod_security[0]}"


@pytest.mark.parametrize(
    ("labels", "problems"),
    [
        ({"pod-security.kubernetes.io/enforce": "restricted"}, 1),
        ({"pod-security.kubernetes.io/enforce": "baseline"}, 1),
        ({"pod-security.kubernetes.io/enforce": "privileged"}, 0),
        ({}, 0),
    ],
)
def test_the_level_each_workload_needs_against_its_namespace_label(
    renderer: Renderer, inventory: Inventory, labels: dict[str, str], problems: int
) -> None:
    objects = renderer.render_release(inventory.release("codebeaker")).objects
    namespace_of = {describe(o): WORKER_NAMESPACE for o in objects}
    levels = enforced_levels({WORKER_NAMESPACE: labels}, {})
    found = pod_security_problems("codebeaker", objects, namespace_of, levels)
    level = labels.get("pod-security.kubernetes.io/enforce")
    assert found == [WORKER_PROBLEM.format(level=level)] * problems


def test_a_namespace_the_release_creates_enforces_its_own_label() -> None:
    rendered = {"t": {"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "baseline"}}}}
    assert enforced_levels({}, rendered) == {"t": "baseline"}
    on_cluster = {"t": {"pod-security.kubernetes.io/enforce": "restricted"}}
    assert enforced_levels(on_cluster, rendered) == {"t": "restricted"}
    assert enforced_levels({"t": {}}, rendered) == {}


def test_restricted_pods_in_a_restricted_namespace_are_fine(
    fake: tuple[Kubectl, Path],
    renderer: Renderer,
    monkeypatch: pytest.MonkeyPatch,
    inventory: Inventory,
) -> None:
    kubectl, _ = fake
    monkeypatch.setenv("NAMESPACES", "eventstorming=restricted")
    monkeypatch.setenv("REJECT", "")
    [result] = verify.verify(kubectl, renderer, [inventory.release("eventstorming")])
    assert result.ok and result.pod_security == []


def test_no_cluster_is_one_line(
    fake: tuple[Kubectl, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    kubectl, _ = fake
    monkeypatch.setenv("FAKE_NO_CLUSTER", "1")
    with pytest.raises(verify.NoClusterError) as raised:
        verify.check_cluster(kubectl)
    assert str(raised.value) == (
        "no cluster reachable through kubectl: E1120 memcache.go:265] couldn't get current "
        "server API group list"
    )


def test_server_messages_lose_kubectl_boilerplate() -> None:
    assert (
        verify.clean_message(
            'Error from server (Invalid): error when creating "STDIN": Service "x" is invalid: '
            "spec.ports[0].port: Invalid value: 0\n"
        )
        == 'Service "x" is invalid: spec.ports[0].port: Invalid value: 0'
    )
    assert verify.clean_message("error: unable to recognize: no matches for kind\n\n") == (
        "error: unable to recognize: no matches for kind"
    )


def test_object_namespaces() -> None:
    assert verify.object_namespace({"kind": "Namespace", "metadata": {"name": "x"}}, "d") is None
    assert verify.object_namespace({"kind": "Service", "metadata": {"name": "x"}}, "d") == "d"
    assert verify.object_namespace({"kind": "Service", "metadata": {"namespace": "o"}}, "d") == "o"


def test_kubeconfig_hint() -> None:
    home = Path("/nonexistent-home")
    assert kubeconfig_hint(None, None, {}, home) == (
        " (KUBECONFIG is unset and ~/.kube/config does not exist)"
    )
    assert kubeconfig_hint(None, "ctx", {}, home) == ""
    assert kubeconfig_hint(None, None, {"KUBECONFIG": "/k"}, home) == ""


def chartkit(*args: str) -> subprocess.CompletedProcess[str]:
    return run_chartkit(ROOT, "verify", *args, env={"KUBECONFIG": ""}, timeout=120)


def test_verify_command_without_a_cluster(tmp_path: Path) -> None:
    result = chartkit("--server", "--kubeconfig", str(tmp_path / "missing"))
    assert result.returncode == 2
    assert result.stderr.startswith("chartkit verify: no cluster reachable through kubectl: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_verify_command_needs_server() -> None:
    result = chartkit()
    assert result.returncode == 2 and "give --server" in result.stderr


def verify_command(kubectl: Kubectl, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    """`chartkit verify` in this process, talking to the fake kubectl."""
    monkeypatch.setattr(Toolbox, "kubectl", lambda self: kubectl.binary)
    parsed = build_parser().parse_args(["verify", "--server", "--kube-context", "prod", *args])
    return int(parsed.handler(parsed, ROOT))


def test_the_command_passes_a_tenant_that_would_install_and_fails_a_real_rejection(
    fake: tuple[Kubectl, Path],
    renderer: Renderer,
    inventory: Inventory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    kubectl, _ = fake
    release = tenant(inventory)
    assert verify_command(kubectl, monkeypatch, release.name) == 0
    out = capsys.readouterr().out
    assert f"ok   {release.name} (namespace ecp-tenants): 1 accepted, 0 rejected, " in out
    assert "1 release(s) checked: 1 accepted, 0 with rejections" in out
    deployment = renderer.render_release(release).all("Deployment")[0]["metadata"]["name"]
    monkeypatch.setenv("REJECT", f"Deployment/{deployment}")
    assert verify_command(kubectl, monkeypatch, release.name) == 0  # not checked by default
    code = verify_command(kubectl, monkeypatch, release.name, "--allow-temporary-namespaces")
    assert code == 1
    assert f"Deployment/{deployment} rejected: deployment " in capsys.readouterr().out
