"""chartkit plan: an ECP AI tenant's replicas, totals, cost and warnings, read from the
rendered objects and checked here against numbers computed independently from the values."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from chartkit.cli.main import build_parser
from chartkit.cli.plan_text import format_plan
from chartkit.releases.inventory import find_root
from chartkit.releases.manifest import Manifest, containers, name_of
from chartkit.sizing.nodes import load_profiles
from chartkit.sizing.plan.build import build_plan, plan_values_file
from chartkit.sizing.plan.model import TenantPlan
from chartkit.sizing.quantity import cpu_millis, memory_bytes
from chartkit.sizing.workloads import GPU_RESOURCE

ROOT = find_root()
CHART_VALUES = yaml.safe_load((ROOT / "charts" / "ecp-tenant" / "values.yaml").read_text())
CATALOG = CHART_VALUES["catalog"]
LIMITS = {name: entry["resources"]["limits"] for name, entry in CATALOG.items()}
PRICING = CHART_VALUES["pricing"]
TENANTS = ["values/tenants/ai-call-center-prod.yaml", "values/tenants/global-call-center.yaml"]


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    args = build_parser().parse_args(argv)
    code = args.handler(args, ROOT)
    out, err = capsys.readouterr()
    return code, out, err


def expected_replicas(values: dict[str, Any]) -> dict[str, int]:
    availability = values["tenant"]["sla"]["availability"]
    floor = 2 if availability >= 99.9 else 1
    return {
        name: max(floor, math.ceil(req["sessions"] / CATALOG[name]["sessionsPerReplica"]))
        for name, req in values["services"].items()
        if req["sessions"] > 0
    }


def rendered_sums(manifest: Manifest) -> dict[str, int]:
    """Requests summed over the rendered Deployments' containers, by hand."""
    sums = {"cpu": 0, "memory": 0, "gpu": 0}
    for deployment in manifest.all("Deployment"):
        replicas = deployment["spec"]["replicas"]
        for item in containers(deployment):
            requests = item["resources"]["requests"]
            sums["cpu"] += replicas * cpu_millis(requests["cpu"])
            sums["memory"] += replicas * memory_bytes(requests["memory"])
            sums["gpu"] += replicas * int(requests.get(GPU_RESOURCE, 0))
    return sums


@pytest.fixture(scope="session")
def plans(renderer) -> dict[str, TenantPlan]:
    return {path: plan_values_file(renderer, Path(path)) for path in TENANTS}


@pytest.mark.parametrize("path", TENANTS)
def test_plan_replicas_follow_the_sessions(plans, path):
    values = yaml.safe_load((ROOT / path).read_text())
    plan = plans[path]
    assert {s.name: s.replicas for s in plan.services} == expected_replicas(values)
    assert {s.name: s.sessions for s in plan.services} == {
        name: req["sessions"] for name, req in values["services"].items()
    }


@pytest.mark.parametrize("path", TENANTS)
def test_plan_totals_equal_the_sums_over_the_rendered_objects(plans, render_release, path):
    values = yaml.safe_load((ROOT / path).read_text())
    plan = plans[path]
    manifest = render_release(plan.release)
    by_hand = rendered_sums(manifest)
    replicas = expected_replicas(values)
    independent = {
        "cpu": sum(n * cpu_millis(LIMITS[s]["cpu"]) for s, n in replicas.items()),
        "memory": sum(n * memory_bytes(LIMITS[s]["memory"]) for s, n in replicas.items()),
        "gpu": sum(n * LIMITS[s].get(GPU_RESOURCE, 0) for s, n in replicas.items()),
    }
    ours = {
        "cpu": plan.totals.requests.cpu,
        "memory": plan.totals.requests.memory,
        "gpu": plan.totals.requests.gpu,
    }
    assert ours == by_hand == independent
    # requests = limits in the catalog
    assert (plan.totals.limits.cpu, plan.totals.limits.memory, plan.totals.limits.gpu) == (
        independent["cpu"],
        independent["memory"],
        independent["gpu"],
    )
    assert (
        plan.pods
        == sum(replicas.values())
        == sum(d["spec"]["replicas"] for d in manifest.all("Deployment"))
    )


def test_the_call_center_plan_in_numbers(plans):
    plan = plans[TENANTS[0]]
    assert plan.tenant == "ai-call-center-prod"
    assert plan.namespace == "ecp-ai-ai-call-center-prod"
    assert plan.preset == "large"
    assert (plan.totals.requests.cpu, plan.totals.requests.memory, plan.totals.requests.gpu) == (
        66_000,
        196 * 2**30,
        8,
    )
    assert plan.quota == {"cpu": 128_000, "memory": 512 * 2**30, "gpu": 24, "storage": 2 * 2**40}


@pytest.mark.parametrize("path", TENANTS)
def test_monthly_cost_is_requests_times_the_price_table(plans, path):
    plan = plans[path]
    gpu_type = yaml.safe_load((ROOT / path).read_text())["tenant"]["gpuType"]
    hours = Decimal(str(PRICING["hoursPerMonth"]))
    expected = hours * (
        Decimal(plan.totals.requests.cpu) / 1000 * Decimal(str(PRICING["cpuCoreHour"]))
        + Decimal(plan.totals.requests.memory) / 2**30 * Decimal(str(PRICING["memoryGiBHour"]))
        + plan.totals.requests.gpu * Decimal(str(PRICING["gpuHour"][gpu_type]))
    )
    assert plan.cost.total == expected
    assert sum(s.monthly_cost for s in plan.services) == expected


def test_call_center_cost_by_hand(plans):
    cost = plans[TENANTS[0]].cost
    assert cost.cpu == Decimal("66") * Decimal("0.0445") * 730
    assert cost.memory == Decimal("196") * Decimal("0.0049") * 730
    assert cost.gpu == Decimal("8") * Decimal("0.71") * 730
    assert f"{cost.total:.2f}" == "6991.50"


def test_gpu_total_beyond_one_node_is_a_warning_with_the_node_count(plans):
    plan = plans[TENANTS[1]]
    assert plan.totals.requests.gpu == 12
    assert (
        "GPU total 12 exceeds the capacity of one g2-standard-8 node (1 x nvidia-l4): the GPU "
        "services need at least 12 g2-standard-8 nodes" in plan.warnings
    )
    gpu_nodes = [n for n in plan.nodes if n.gpu_type == "nvidia-l4"]
    assert [(n.profile, n.pods, n.nodes) for n in gpu_nodes] == [("g2-standard-8", 12, 12)]
    cpu_nodes = [n for n in plan.nodes if n.gpu_type is None]
    assert [n.profile for n in cpu_nodes] == ["e2-standard-4"]
    assert cpu_nodes[0].pods == plan.pods - 12


def test_plan_warns_about_missing_gpu_profiles_and_prices(renderer, tmp_path: Path):
    values = yaml.safe_load((ROOT / TENANTS[0]).read_text())
    values["tenant"]["gpuType"] = "nvidia-h100-80gb"
    path = tmp_path / "h100-tenant.yaml"
    path.write_text(yaml.safe_dump(values))
    plan = plan_values_file(renderer, path)
    assert plan.release == "h100-tenant"
    text = "\n".join(plan.warnings)
    assert "no node profile in ci/nodes.yaml offers GPU type 'nvidia-h100-80gb'" in text
    assert "pricing.gpuHour has no price for GPU type 'nvidia-h100-80gb'" in text
    assert plan.cost.gpu == 0


def test_plan_warns_when_the_quota_is_nearly_used(renderer, tmp_path: Path):
    values = {
        "tenant": {
            "id": "busy",
            "preset": "small",
            "sla": {"availability": 99.5, "responseTimeMs": 300},
        },
        "services": {"chatbot": {"sessions": 750}},  # 15 of 16 CPUs
        "updateStrategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}},
        "tests": {"enabled": False},
    }
    path = tmp_path / "busy.yaml"
    path.write_text(yaml.safe_dump(values))
    plan = plan_values_file(renderer, path)
    assert plan.warnings == ("cpu uses 93% of preset small's quota: little room to grow",)


def test_dev_overlay_plans_the_same_replicas_with_half_the_requests(renderer, plans):
    inventory_plan = plans[TENANTS[0]]
    dev = plan_values_file(renderer, Path(TENANTS[0]), overlay=_overlay("dev"))
    assert [s.replicas for s in dev.services] == [s.replicas for s in inventory_plan.services]
    assert dev.totals.requests.cpu * 2 == inventory_plan.totals.requests.cpu
    assert dev.totals.limits.cpu == inventory_plan.totals.limits.cpu
    assert dev.overlay == "dev"


def _overlay(name: str):
    from chartkit.releases.inventory import load

    return load(ROOT).overlay(name)


def test_plan_reads_only_rendered_objects(render_release):
    manifest = render_release("ai-call-center-prod")
    plan = build_plan(manifest, "ai-call-center-prod", "x.yaml", load_profiles(ROOT))
    deployments = {name_of(d): d["spec"]["replicas"] for d in manifest.all("Deployment")}
    assert {s.name: s.replicas for s in plan.services} == deployments


# -- the command --------------------------------------------------------------------------


def test_plan_command_prints_a_table(capsys):
    code, out, _ = run_cli(["plan", TENANTS[0]], capsys)
    assert code == 0
    assert "Tenant ai-call-center-prod (AI Call Center (production))" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    assert rows["callbot"][1:4] == ["100", "10", "10"]
    assert rows["total"][1:3] == ["550", "27"]
    assert "Estimated monthly cost: USD 6,991.50" in out
    assert "Warnings:" in out and "GPU total 8 exceeds" in out


def test_plan_command_prints_json(capsys):
    code, out, _ = run_cli(["plan", TENANTS[1], "--json"], capsys)
    assert code == 0
    plan = json.loads(out)
    assert plan["tenant"]["id"] == "global-call-center"
    assert {s["name"]: s["replicas"] for s in plan["services"]} == expected_replicas(
        yaml.safe_load((ROOT / TENANTS[1]).read_text())
    )
    assert plan["totals"]["requests"]["gpu"] == 12
    assert plan["totals"]["requests"]["cpuMillis"] == sum(
        s["total"]["requests"]["cpuMillis"] for s in plan["services"]
    )
    assert plan["monthlyCost"]["currency"] == "USD"
    assert plan["warnings"]


def test_plan_command_strict_fails_on_warnings(capsys):
    code, _, _ = run_cli(["plan", TENANTS[0], "--strict"], capsys)
    assert code == 1


def test_plan_command_reports_the_quota_error(capsys, tmp_path: Path):
    values = yaml.safe_load((ROOT / TENANTS[0]).read_text())
    values["tenant"]["preset"] = "medium"
    path = tmp_path / "too-big.yaml"
    path.write_text(yaml.safe_dump(values))
    code, _, err = run_cli(["plan", str(path)], capsys)
    assert code == 1
    assert f"chartkit plan: {path} cannot be planned:" in err
    assert f"  render: {path}: services: " in err
    assert 'preset "medium"' in err and "callbot 10 x 2000m" in err


def test_plan_command_refuses_what_is_not_a_tenant(capsys):
    code, _, err = run_cli(["plan", "values/nope.yaml"], capsys)
    assert code == 2 and "does not exist" in err
    code, _, err = run_cli(["plan", "values/eventstorming.yaml"], capsys)
    assert code == 2
    assert "values/eventstorming.yaml is the values file of release eventstorming" in err


def test_format_plan_lists_every_service(plans):
    text = format_plan(plans[TENANTS[1]])
    for name in ("advisor", "callbot", "chatbot", "stt", "tts"):
        assert f"\n{name} " in text
    assert "Nodes (ci/nodes.yaml, first-fit on fresh nodes): 12 x g2-standard-8" in text
