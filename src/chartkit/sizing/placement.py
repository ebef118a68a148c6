"""Placement: do these pods fit on these nodes?

Nodes are made from the profiles of ci/nodes.yaml (`--nodes e2-medium:3,e2-standard-4:2`).
Placement is first-fit decreasing: pods are sorted by GPU, then CPU, then memory request,
largest first, and each goes to the first node, in the order the nodes were given, where

- its requests fit in what is left (allocatable minus system pods minus pods placed),
- the node's labels satisfy the pod's nodeSelector and the pod tolerates the node's taints,
- for a workload with required pod anti-affinity on kubernetes.io/hostname, no pod of the
  same workload runs yet (one pod per node).

DaemonSet pods go first, one on every node they may run on. The Kubernetes scheduler scores
nodes differently (by default it spreads pods), so a placement found here shows that the
pods can fit, and a pod reported as not fitting would at best fit after a different
arrangement; node affinity other than nodeSelector is not modelled.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from chartkit.sizing.amount import Amount
from chartkit.sizing.nodes import CapacityError, NodeProfile, NodeProfiles
from chartkit.sizing.pods import PodRequest


@dataclass
class Node:
    name: str
    profile: NodeProfile
    pods: list[PodRequest] = field(default_factory=list)

    @property
    def used(self) -> Amount:
        used = self.profile.system
        for pod in self.pods:
            used = used + pod.requests
        return used

    @property
    def left(self) -> Amount:
        return self.profile.allocatable - self.used

    def eligible(self, pod: PodRequest) -> str | None:
        """Why the pod may never run here (labels, taints), or None."""
        for key, value in pod.node_selector.items():
            if self.profile.labels.get(key) != str(value):
                return f"nodeSelector {key}={value}"
        for taint in self.profile.taints:
            if not pod.tolerates(taint):
                return f"taint {taint.key}={taint.value}:{taint.effect}"
        return None

    def runs_group_of(self, pod: PodRequest) -> bool:
        return any(other.group == pod.group for other in self.pods)

    def accepts(self, pod: PodRequest) -> bool:
        if self.eligible(pod) is not None:
            return False
        if pod.anti_affinity and self.runs_group_of(pod):
            return False
        return self.left.covers(pod.requests)


# More nodes than a --nodes spec may describe: a typo, not a cluster (first-fit over them
# would take the machine's memory).
MAX_NODES = 1000


def parse_nodes(spec: str, profiles: NodeProfiles) -> list[Node]:
    """Nodes from "e2-medium:3,e2-standard-4:2" (count defaults to 1), named
    "<profile>-<n>"."""
    nodes: list[Node] = []
    counters: dict[str, int] = {}
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        name, _, count_text = part.partition(":")
        profile = profiles.get(name.strip())
        try:
            count = int(count_text) if count_text else 1
        except ValueError:
            count = -1
        if count < 1:
            raise CapacityError(
                f"--nodes {spec!r}: {part!r} must be <profile>:<count> with a count of at least 1"
            )
        if len(nodes) + count > MAX_NODES:
            raise CapacityError(
                f"--nodes {spec!r}: {part!r} makes more than {MAX_NODES} nodes; give the "
                "cluster's node pools as they are (e.g. e2-standard-4:12)"
            )
        for _ in range(count):
            counters[profile.name] = counters.get(profile.name, 0) + 1
            nodes.append(Node(f"{profile.name}-{counters[profile.name]}", profile))
    if not nodes:
        raise CapacityError(f"--nodes {spec!r}: no nodes given (e.g. e2-medium:3)")
    return nodes


@dataclass(frozen=True)
class Unplaced:
    pod: PodRequest
    reason: str

    def __str__(self) -> str:
        return f"{self.pod.label} ({self.pod.requests.describe()}): {self.reason}"


@dataclass
class Placement:
    nodes: list[Node]
    unplaced: list[Unplaced]

    @property
    def fits(self) -> bool:
        return not self.unplaced

    def as_dict(self) -> dict[str, Any]:
        return {
            "fits": self.fits,
            "nodes": [
                {
                    "name": node.name,
                    "profile": node.profile.name,
                    "pods": [pod.label for pod in node.pods],
                    "allocatable": node.profile.allocatable.as_dict(),
                    "system": node.profile.system.as_dict(),
                    "used": node.used.as_dict(),
                    "left": node.left.as_dict(),
                }
                for node in self.nodes
            ],
            "unplaced": [
                {"pod": u.pod.label, "requests": u.pod.requests.as_dict(), "reason": u.reason}
                for u in self.unplaced
            ],
        }


def _size_key(pod: PodRequest) -> tuple[int, int, int]:
    return (pod.requests.gpu, pod.requests.cpu, pod.requests.memory)


def _why_not(pod: PodRequest, nodes: Sequence[Node]) -> str:
    if not nodes:
        return "no nodes"
    eligible = [n for n in nodes if n.eligible(pod) is None]
    if not eligible:
        reasons = sorted({str(n.eligible(pod)) for n in nodes})
        return "no node it may run on: " + "; ".join(
            f"{r} ({'not on any node' if r.startswith('nodeSelector') else 'not tolerated'})"
            for r in reasons
        )
    free = [n for n in eligible if not (pod.anti_affinity and n.runs_group_of(pod))]
    if not free:
        return (
            f"required pod anti-affinity: each of the {len(eligible)} node(s) it may run on "
            "already runs a pod of this workload"
        )
    roomiest = sorted(free, key=lambda n: (n.left.gpu, n.left.cpu, n.left.memory), reverse=True)
    details = "; ".join(
        f"{n.name}: {', '.join(n.left.shortfalls(pod.requests))}" for n in roomiest[:3]
    )
    more = f" (and {len(roomiest) - 3} more)" if len(roomiest) > 3 else ""
    return f"does not fit in what is left on any node: {details}{more}"


def place(pods: Iterable[PodRequest], nodes: list[Node]) -> Placement:
    """First-fit decreasing placement of pods onto nodes (which keep what they hold)."""
    pods = list(pods)
    unplaced: list[Unplaced] = []
    for pod in (p for p in pods if p.daemon):
        targets = [n for n in nodes if n.eligible(pod) is None]
        for node in targets:
            if node.left.covers(pod.requests):
                node.pods.append(pod)
            else:
                unplaced.append(
                    Unplaced(
                        pod, f"on {node.name}: " + ", ".join(node.left.shortfalls(pod.requests))
                    )
                )
    ordered = sorted((p for p in pods if not p.daemon), key=_size_key, reverse=True)
    for pod in ordered:
        for node in nodes:
            if node.accepts(pod):
                node.pods.append(pod)
                break
        else:
            unplaced.append(Unplaced(pod, _why_not(pod, nodes)))
    return Placement(nodes=nodes, unplaced=unplaced)


def nodes_needed(pods: Sequence[PodRequest], profile: NodeProfile, limit: int = 1000) -> int | None:
    """How many fresh nodes of one profile first-fit decreasing needs for the pods, or None
    when some pod can never run on that profile (too large, nodeSelector, taints)."""
    nodes: list[Node] = []
    for pod in sorted(pods, key=_size_key, reverse=True):
        probe = Node("probe", profile)
        if not probe.accepts(pod):
            return None
        target = next((n for n in nodes if n.accepts(pod)), None)
        if target is None:
            if len(nodes) >= limit:
                return None
            target = Node(f"{profile.name}-{len(nodes) + 1}", profile)
            nodes.append(target)
        target.pods.append(pod)
    return len(nodes)
