"""The kubectl wrapper: flags on every call, errors that name the verb, timeouts."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from chartkit.tools.kubectl import Kubectl, KubectlError


def fake(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "kubectl"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_every_call_carries_the_kubeconfig_and_context(tmp_path: Path) -> None:
    kubectl = Kubectl(fake(tmp_path, 'echo "$@"; cat'), Path("/k/config"), "staging")
    out = kubectl.run(["get", "pods", "-o", "name"], stdin="from stdin")
    assert out == "--kubeconfig /k/config --context staging get pods -o name\nfrom stdin"


def test_a_failure_names_the_verb_and_keeps_stderr(tmp_path: Path) -> None:
    kubectl = Kubectl(fake(tmp_path, 'echo "Error from server (NotFound): nope" >&2; exit 1'))
    with pytest.raises(KubectlError) as raised:
        kubectl.run(["get", "namespace", "x"])
    assert str(raised.value) == (
        "kubectl get namespace failed (exit 1): Error from server (NotFound): nope"
    )
    assert raised.value.stderr == "Error from server (NotFound): nope"
    assert kubectl.attempt(["get", "namespace", "x"]) == (
        False,
        "Error from server (NotFound): nope",
    )


def test_a_hung_call_times_out(tmp_path: Path) -> None:
    kubectl = Kubectl(fake(tmp_path, "sleep 5"))
    with pytest.raises(KubectlError, match=r"timed out after 0\.2s"):
        kubectl.run(["wait", "pod/x"], timeout=0.2)


def test_apply_is_server_side_with_a_field_manager(tmp_path: Path) -> None:
    kubectl = Kubectl(fake(tmp_path, 'echo "$@"; cat'))
    out = kubectl.apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}}])
    args, manifest = out.split("\n", 1)
    assert args == "apply --server-side --force-conflicts --field-manager=chartkit -f -"
    assert manifest.startswith("---\napiVersion: v1\nkind: Namespace\n")


def test_exists_and_server_version(tmp_path: Path) -> None:
    script = (
        'if [ "$3" = /version ]; then echo \'{"gitVersion": "v1.34.0"}\'; '
        'elif [ "$2 $3" = "namespace there" ]; then echo namespace/there; fi'
    )
    kubectl = Kubectl(fake(tmp_path, script))
    assert kubectl.server_version() == "v1.34.0"
    assert kubectl.exists("namespace", "there")
    assert not kubectl.exists("namespace", "gone")


def test_a_long_call_streams_each_line_and_keeps_its_failure(tmp_path: Path) -> None:
    script = 'for i in 1 2; do echo "pod/reader waiting $i"; done; echo "timed out" >&2; exit 1'
    kubectl = Kubectl(fake(tmp_path, script), context="kind")
    lines: list[str] = []
    with pytest.raises(KubectlError, match=r"kubectl wait pod/reader failed .*timed out"):
        kubectl.run(["wait", "pod/reader", "--for=delete"], output=lines.append)
    assert lines == [
        "$ kubectl --context kind wait pod/reader --for=delete",
        "pod/reader waiting 1",
        "pod/reader waiting 2",
        "timed out",
    ]


def test_a_long_streamed_call_times_out(tmp_path: Path) -> None:
    kubectl = Kubectl(fake(tmp_path, "sleep 5"))
    with pytest.raises(KubectlError, match="timed out after 1s"):
        kubectl.run(["wait", "x"], timeout=1, output=lambda line: None)
