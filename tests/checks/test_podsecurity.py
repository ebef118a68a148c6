"""The Pod Security Standard level each smoke namespace enforces."""

from __future__ import annotations

import copy
from typing import Any

import kubernetes_validate
import pytest

from chartkit.checks import podsecurity
from chartkit.cluster.smoke_config import release_values
from chartkit.releases.inventory import Inventory
from chartkit.releases.render import Renderer


def render(renderer: Renderer, inventory: Inventory, name: str, smoke: bool) -> list[Any]:
    release = inventory.release(name)
    values = release_values(renderer.root, release) if smoke else list(release.values)
    return list(
        renderer.render(
            release.chart,
            release=release.name,
            namespace=release.namespace,
            values_files=values,
            api_versions=renderer.platform_api_versions,
        ).objects
    )


@pytest.mark.inventory_wide
def test_every_release_with_its_smoke_values_runs_under_restricted(
    renderer: Renderer, inventory: Inventory
) -> None:
    for release in inventory.releases:
        objects = render(renderer, inventory, release.name, smoke=True)
        level, why = podsecurity.required_level(objects)
        assert level == "restricted", f"{release.name}: {why}"


def test_codebeaker_docker_socket_worker_needs_a_privileged_namespace(
    renderer: Renderer, inventory: Inventory
) -> None:
    # The release's own values (docker-socket mode): the exception is annotated for the
    # policy rules, but admission still needs the namespace to allow the hostPath volume.
    for name in ("codebeaker", "codebeaker-dev"):
        level, why = podsecurity.required_level(render(renderer, inventory, name, smoke=False))
        assert level == "privileged"
        assert why == ["Deployment/codebeaker-worker: hostPath volume docker-socket"]


def test_restricted_only_findings_need_baseline(renderer: Renderer, inventory: Inventory) -> None:
    objects = copy.deepcopy(render(renderer, inventory, "r-analytics", smoke=True))
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] = False
    deployment["spec"]["template"]["spec"]["securityContext"]["runAsUser"] = 0
    level, why = podsecurity.required_level(objects)
    assert level == "baseline"
    assert any("pss-run-as-non-root" in line for line in why)


def test_baseline_findings() -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {
            "hostNetwork": True,
            "volumes": [{"name": "sock", "hostPath": {"path": "/run/x.sock"}}],
            "containers": [
                {
                    "name": "c",
                    "image": "x:1",
                    "ports": [{"containerPort": 80, "hostPort": 80}],
                    "securityContext": {
                        "privileged": True,
                        "capabilities": {"add": ["NET_ADMIN", "CHOWN"]},
                    },
                }
            ],
        },
    }
    assert podsecurity.baseline_findings([pod]) == [
        "Pod/p: hostNetwork",
        "Pod/p: hostPath volume sock",
        "Pod/p: container c is privileged",
        "Pod/p: container c adds ['CHOWN', 'NET_ADMIN']",
        "Pod/p: container c uses hostPort 80",
    ]
    # adding a capability baseline allows is not a baseline finding
    allowed = {"name": "c", "securityContext": {"capabilities": {"add": ["CHOWN"]}}}
    pod["spec"] = {"containers": [allowed]}
    assert podsecurity.baseline_findings([pod]) == []


def test_a_shared_namespace_allows_what_its_most_permissive_release_needs() -> None:
    assert podsecurity.strictest(["restricted", "baseline", "restricted"]) == "baseline"
    assert podsecurity.strictest(["privileged", "baseline"]) == "privileged"
    assert podsecurity.strictest([]) == "restricted"


def test_namespace_labels() -> None:
    namespace = podsecurity.namespace_manifest(
        "seedtest", "restricted", {"app.kubernetes.io/managed-by": "chartkit-smoke"}
    )
    for version in ("1.30", "1.36"):
        kubernetes_validate.validate(namespace, version, strict=True)
    assert namespace["metadata"]["labels"] == {
        "app.kubernetes.io/managed-by": "chartkit-smoke",
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
    }
