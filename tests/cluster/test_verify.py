"""`chartkit verify --server` against a fake kubectl: the calls it makes, how it reads the
answers, what it reports."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from chartkit.cli.verify_command import format_result, kubeconfig_hint
from chartkit.cluster import verify
from chartkit.releases.inventory import Inventory
from chartkit.releases.render import Renderer
from chartkit.tools.kubectl import Kubectl

ROOT = Path(__file__).resolve().parents[2]

FAKE_KUBECTL = '''#!{python}
"""A kubectl that knows a few namespaces and rejects the objects named in REJECT."""
import json, os, sys

raw = args = sys.argv[1:]
if args[:1] == ["--context"]:
    args = args[2:]
log = os.environ["FAKE_LOG"]
if os.environ.get("FAKE_NO_CLUSTER"):
    sys.stderr.write("E1120 memcache.go:265] couldn't get current server API group list\\n")
    sys.stderr.write("The connection to the server 127.0.0.1:6443 was refused\\n")
    sys.exit(1)
if args[:3] == ["get", "--raw", "/version"]:
    print(json.dumps({{"gitVersion": "v1.34.0"}}))
    sys.exit(0)
if args[:2] == ["get", "namespace"]:
    if args[2] in os.environ["NAMESPACES"].split(","):
        print("namespace/" + args[2])
    sys.exit(0)
if args[0] == "apply":
    obj = json.loads(sys.stdin.read())
    with open(log, "a") as stream:
        stream.write(json.dumps({{"args": raw, "object": obj}}) + "\\n")
    kind, name = obj["kind"], obj["metadata"]["name"]
    if kind + "/" + name in os.environ.get("REJECT", "").split(","):
        sys.stderr.write(
            'Error from server (Forbidden): error when creating "STDIN": ' + kind.lower()
            + ' "' + name + '" is forbidden: violates PodSecurity "restricted:latest": '
            + "runAsNonRoot != true\\n"
        )
        sys.exit(1)
    print(kind.lower() + "/" + name)
    sys.exit(0)
sys.exit(3)
'''


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Kubectl, Path]:
    binary = tmp_path / "kubectl"
    binary.write_text(FAKE_KUBECTL.format(python=sys.executable))
    binary.chmod(binary.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("FAKE_LOG", str(log))
    monkeypatch.setenv("NAMESPACES", "eventstorming,ecp-tenants")
    monkeypatch.setenv("REJECT", "Deployment/eventstorming-generator")
    return Kubectl(binary, context="prod"), log


def calls(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_every_object_is_dry_run_and_each_rejection_reported(
    fake: tuple[Kubectl, Path], renderer: Renderer, inventory: Inventory
) -> None:
    kubectl, log = fake
    release = inventory.release("eventstorming")
    [result] = verify.verify(kubectl, renderer, [release], parallel=4)
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


def test_objects_of_a_missing_namespace_are_not_verified(
    fake: tuple[Kubectl, Path], renderer: Renderer, inventory: Inventory
) -> None:
    kubectl, log = fake
    # an ECP tenant's release record lives in ecp-tenants; its objects in ecp-ai-<tenant>,
    # a namespace the release itself creates
    release = next(r for r in inventory.releases if r.chart_name == "ecp-tenant")
    [result] = verify.verify(kubectl, renderer, [release])
    outcomes = {o.object: o.outcome for o in result.objects}
    namespace = next(o for o in outcomes if o.startswith("Namespace/"))
    assert outcomes[namespace] == "accepted"
    others = [o for o in result.objects if not o.object.startswith("Namespace/")]
    assert others and all(o.outcome == "not-verified" for o in others)
    assert f"namespace {namespace.split('/')[1]} does not exist" in others[0].message
    assert [c["object"]["kind"] for c in calls(log)] == ["Namespace"]
    assert "not verified" in format_result(result)[0]


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
    return subprocess.run(
        [sys.executable, "-m", "chartkit.cli", "verify", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src"), "KUBECONFIG": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_verify_command_without_a_cluster(tmp_path: Path) -> None:
    result = chartkit("--server", "--kubeconfig", str(tmp_path / "missing"))
    assert result.returncode == 2
    assert result.stderr.startswith("chartkit verify: no cluster reachable through kubectl: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_verify_command_needs_server() -> None:
    result = chartkit()
    assert result.returncode == 2 and "give --server" in result.stderr
