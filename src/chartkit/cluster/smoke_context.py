"""Everything a smoke run needs to talk to the cluster, made once per session."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from chartkit.cluster import schedule
from chartkit.cluster.kind import KindCluster
from chartkit.cluster.prereq_config import PrereqConfig
from chartkit.cluster.smoke_config import SmokePlan
from chartkit.cluster.smoke_upgrade import UpgradeFrom
from chartkit.releases.inventory import Inventory
from chartkit.releases.render import Renderer
from chartkit.tools.helm import Helm
from chartkit.tools.kubectl import Kubectl

OUT_DIR = Path("build") / "smoke"


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
    prereq_config: PrereqConfig
    progress: schedule.Progress
    kind: KindCluster | None = None
    namespace_prefix: str = ""
    keep_namespaces: bool = False
    out_dir: Path = OUT_DIR
    poll_seconds: float = 3.0  # between reads of a Rollout's status
    # release -> the base commit's chart it is first installed from (smoke_upgrade)
    upgrade_from: Mapping[str, UpgradeFrom] = field(default_factory=dict)
