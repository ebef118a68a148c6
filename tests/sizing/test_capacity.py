"""chartkit capacity: node profiles, demand per release and namespace, first-fit placement."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chartkit.cli.main import build_parser
from chartkit.releases.inventory import find_root
from chartkit.sizing.amount import Amount
from chartkit.sizing.capacity import build_report
from chartkit.sizing.nodes import CapacityError, Taint, load_profiles
from chartkit.sizing.placement import Node, nodes_needed, parse_nodes, place
from chartkit.sizing.pods import PodRequest, release_pods
from chartkit.sizing.quantity import cpu_millis, memory_bytes
from chartkit.sizing.workloads import POD_SLOT

ROOT = find_root()
PROFILES = load_profiles(ROOT)


def synthetic_pod(
    name: str,
    cpu: str | int = 0,
    memory: str | int = 0,
    gpu: int = 0,
    count: int = 1,
    namespace: str = "default",
    anti_affinity: bool = False,
) -> list[PodRequest]:
    """Pods of a made-up workload."""
    requests = Amount(cpu_millis(cpu), memory_bytes(memory), gpu) + POD_SLOT
    return [
        PodRequest(name, namespace, "Pod", name, i, count, requests, anti_affinity=anti_affinity)
        for i in range(1, count + 1)
    ]


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    args = build_parser().parse_args(argv)
    code = args.handler(args, ROOT)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="session")
def eventstorming_pods(render_release) -> list[PodRequest]:
    return release_pods("eventstorming", "eventstorming", render_release("eventstorming"))


# -- node profiles ------------------------------------------------------------------------


def test_profiles_cover_small_standard_and_gpu_machines():
    assert {"e2-medium", "e2-standard-4"} <= set(PROFILES.profiles)
    gpu = [p for p in PROFILES.profiles.values() if p.allocatable.gpu]
    assert gpu and all(p.gpu_type and p.taints for p in gpu)
    assert PROFILES.default_cpu_profile == "e2-standard-4"


def test_a_fresh_e2_medium_has_227m_cpu_left():
    medium = PROFILES.get("e2-medium")
    assert medium.allocatable.cpu == 940
    assert medium.system.cpu == 713
    assert medium.free.cpu == 227
    assert 2 * 2**30 < medium.free.memory < medium.allocatable.memory < 4 * 2**30


def test_a_bad_profile_file_names_the_profile(tmp_path: Path):
    path = tmp_path / "nodes.yaml"
    path.write_text(
        "profiles:\n  tiny:\n    allocatable: {cpu: 100m, memory: 1Gi}\n    system: {cpu: 200m}\n"
    )
    with pytest.raises(CapacityError, match=r"profiles\.tiny\.system"):
        load_profiles(ROOT, path)
    path.write_text("profiles:\n  tiny:\n    allocatable: {cpu: 1, memory: 1Gi, disks: 2}\n")
    with pytest.raises(CapacityError, match=r"profiles\.tiny\.allocatable: unknown field"):
        load_profiles(ROOT, path)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("e2-medium:0", "count of at least 1"),
        ("e2-large:1", "no node profile 'e2-large'"),
        ("", "no nodes given"),
        ("e2-medium:x", "count of at least 1"),
        ("e2-medium:999999999999999999999", "more than 1000 nodes"),
        ("e2-medium:600,e2-standard-4:401", "'e2-standard-4:401' makes more than 1000 nodes"),
    ],
)
def test_bad_node_specs_are_refused(spec, message):
    with pytest.raises(CapacityError, match=message):
        parse_nodes(spec, PROFILES)


def test_node_specs_name_each_node():
    nodes = parse_nodes("e2-medium:2,e2-standard-4,e2-medium:1", PROFILES)
    assert [n.name for n in nodes] == [
        "e2-medium-1",
        "e2-medium-2",
        "e2-standard-4-1",
        "e2-medium-3",
    ]


# -- the e2-medium fact -------------------------------------------------------------------


def test_the_eventstorming_pod_requesting_200m_fits_a_fresh_e2_medium(eventstorming_pods):
    (pod,) = eventstorming_pods
    assert pod.requests.cpu == 200
    placement = place(eventstorming_pods, parse_nodes("e2-medium:1", PROFILES))
    assert placement.fits
    (node,) = placement.nodes
    assert node.pods == [pod]
    assert node.left.cpu == 27
    assert node.left.memory == PROFILES.get("e2-medium").free.memory - 128 * 2**20


def test_a_pod_requesting_250m_does_not_fit_a_fresh_e2_medium():
    placement = place(
        synthetic_pod("worker", cpu="250m", memory="128Mi"), parse_nodes("e2-medium:1", PROFILES)
    )
    assert not placement.fits
    (unplaced,) = placement.unplaced
    assert "cpu 250m > 227m left" in unplaced.reason
    assert placement.nodes[0].pods == []


def test_the_eventstorming_pod_at_250m_would_not_fit(render_chart):
    manifest = render_chart(
        "eventstorming",
        "values/eventstorming.yaml",
        set_values={"resources.requests.cpu": "250m"},
        release="eventstorming",
        namespace="eventstorming",
    )
    pods = release_pods("eventstorming", "eventstorming", manifest)
    assert [p.requests.cpu for p in pods] == [250]
    assert not place(pods, parse_nodes("e2-medium:1", PROFILES)).fits
    assert place(pods, parse_nodes("e2-medium:1,e2-standard-4:1", PROFILES)).fits


# -- placement rules ----------------------------------------------------------------------


def test_first_fit_places_the_largest_pods_first():
    pods = [
        *synthetic_pod("small", cpu="200m", memory="64Mi"),
        *synthetic_pod("medium", cpu="1", memory="1Gi"),
        *synthetic_pod("large", cpu="2500m", memory="1Gi"),
    ]
    placement = place(pods, parse_nodes("e2-standard-4:2", PROFILES))
    assert placement.fits
    first, second = placement.nodes
    assert [p.workload for p in first.pods] == ["large", "small"]  # 3207m - 2500m = 707m
    assert [p.workload for p in second.pods] == ["medium"]


def test_required_anti_affinity_puts_one_pod_of_a_workload_per_node():
    pods = synthetic_pod("api", cpu="100m", memory="64Mi", count=3, anti_affinity=True)
    placement = place(pods, parse_nodes("e2-standard-4:2", PROFILES))
    assert [len(n.pods) for n in placement.nodes] == [1, 1]
    (unplaced,) = placement.unplaced
    assert "anti-affinity" in unplaced.reason
    without = synthetic_pod("api", cpu="100m", memory="64Mi", count=3)
    assert [
        len(n.pods) for n in place(without, parse_nodes("e2-standard-4:2", PROFILES)).nodes
    ] == [3, 0]


def test_required_anti_affinity_is_read_from_the_rendered_workload(render_chart):
    manifest = render_chart(
        "r-analytics",
        "values/r-analytics.yaml",
        set_values={"podAntiAffinityPreset": "hard"},
        release="r-analytics",
        namespace="seedtest",
    )
    pods = release_pods("r-analytics", "seedtest", manifest)
    assert len(pods) == 2 and all(p.anti_affinity for p in pods)
    placement = place(pods, parse_nodes("e2-standard-4:1", PROFILES))
    assert len(placement.nodes[0].pods) == 1 and len(placement.unplaced) == 1
    assert place(pods, parse_nodes("e2-standard-4:2", PROFILES)).fits


def test_gpu_pods_need_gpu_nodes_and_other_pods_stay_off_them():
    gpu_pod = PodRequest(
        "t",
        "ns",
        "Deployment",
        "stt",
        1,
        1,
        Amount(4000, 16 * 2**30, 1, 1),
        node_selector={"cloud.google.com/gke-accelerator": "nvidia-l4"},
        tolerations=({"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},),
    )
    cpu_pod = synthetic_pod("web", cpu="100m", memory="64Mi")[0]
    placement = place([gpu_pod, cpu_pod], parse_nodes("g2-standard-8:1", PROFILES))
    assert placement.nodes[0].pods == [gpu_pod]
    (unplaced,) = placement.unplaced
    assert unplaced.pod is cpu_pod and "taint nvidia.com/gpu=present:NoSchedule" in unplaced.reason
    on_cpu_nodes = place([gpu_pod], parse_nodes("e2-standard-4:1", PROFILES))
    assert (
        "nodeSelector cloud.google.com/gke-accelerator=nvidia-l4" in on_cpu_nodes.unplaced[0].reason
    )
    on_a100 = place([gpu_pod], parse_nodes("a2-highgpu-1g:1", PROFILES))
    assert not on_a100.fits  # the wrong GPU model


def test_tolerations_match_like_the_scheduler():
    taint = Taint("nvidia.com/gpu", "present", "NoSchedule")
    pod = synthetic_pod("x")[0]
    assert not pod.tolerates(taint)
    for toleration in (
        {"operator": "Exists"},
        {"key": "nvidia.com/gpu", "operator": "Exists"},
        {"key": "nvidia.com/gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"},
    ):
        assert PodRequest(
            "r", "n", "Pod", "x", 1, 1, Amount(), tolerations=(toleration,)
        ).tolerates(taint)
    wrong = PodRequest(
        "r",
        "n",
        "Pod",
        "x",
        1,
        1,
        Amount(),
        tolerations=({"key": "nvidia.com/gpu", "value": "absent"},),
    )
    assert not wrong.tolerates(taint)
    assert pod.tolerates(Taint("soft", "", "PreferNoSchedule"))


def test_daemonset_pods_go_on_every_node():
    daemon = PodRequest(
        "agent", "ns", "DaemonSet", "agent", 1, 1, Amount(50, 64 * 2**20, 0, 1), daemon=True
    )
    placement = place([daemon], parse_nodes("e2-medium:3", PROFILES))
    assert placement.fits and all(n.pods == [daemon] for n in placement.nodes)


def test_nodes_needed_counts_fresh_nodes_first_fit():
    pods = synthetic_pod("callbot", cpu="2", memory="4Gi", count=5)
    assert nodes_needed(pods, PROFILES.get("e2-standard-4")) == 5  # 3207m free: one each
    assert (
        nodes_needed(synthetic_pod("tiny", cpu="100m", count=30), PROFILES.get("e2-standard-4"))
        == 1
    )
    assert nodes_needed(pods, PROFILES.get("e2-medium")) is None


# -- demand per release and namespace -----------------------------------------------------


@pytest.fixture(scope="session")
def inventory_report(renderer, inventory):
    return build_report(renderer, list(inventory.releases))


def test_namespace_demand_sums_the_releases_in_it(inventory_report):
    releases = {d.name: d for d in inventory_report.releases}
    seedtest = {d.name: d for d in inventory_report.namespaces}["seedtest"]
    assert seedtest.releases == ("r-analytics", "seedtest-api")
    parts = [releases["r-analytics"], releases["seedtest-api"]]
    assert seedtest.declared == parts[0].declared + parts[1].declared
    assert seedtest.at_max == parts[0].at_max + parts[1].at_max
    assert seedtest.pods == sum(p.pods for p in parts)


def test_demand_counts_limits_and_hpa_maximum(inventory_report, render_release):
    r_analytics = {d.name: d for d in inventory_report.releases}["r-analytics"]
    manifest = render_release("r-analytics")
    hpa = manifest.get("HorizontalPodAutoscaler")["spec"]
    resources = manifest.get("Deployment")["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert r_analytics.pods == hpa["minReplicas"]
    assert r_analytics.pods_at_max == hpa["maxReplicas"]
    assert r_analytics.declared.limits.cpu == hpa["minReplicas"] * cpu_millis(
        resources["limits"]["cpu"]
    )
    assert r_analytics.at_max.requests.memory == hpa["maxReplicas"] * memory_bytes(
        resources["requests"]["memory"]
    )


def test_a_tenant_counts_in_its_own_namespace_with_its_gpus(inventory_report):
    tenant = {d.name: d for d in inventory_report.releases}["ai-call-center-prod"]
    assert tenant.namespaces == ("ecp-ai-ai-call-center-prod",)
    namespaces = {d.name for d in inventory_report.namespaces}
    assert "ecp-ai-ai-call-center-prod" in namespaces and "ecp-tenants" not in namespaces
    assert tenant.declared.requests.gpu == tenant.declared.limits.gpu == 8


def test_the_total_is_the_sum_of_every_release(inventory_report):
    total = inventory_report.releases[0].declared
    for demand in inventory_report.releases[1:]:
        total = total + demand.declared
    assert inventory_report.total.declared == total
    assert inventory_report.total.pods == sum(d.pods for d in inventory_report.releases)


def test_a_tenant_fits_the_nodes_its_plan_counts(renderer, inventory):
    release = inventory.release("ai-call-center-prod")
    fits = build_report(
        renderer, [release], nodes=parse_nodes("g2-standard-8:8,e2-standard-4:15", PROFILES)
    )
    assert fits.ok and fits.placement is not None and fits.placement.fits
    short = build_report(
        renderer, [release], nodes=parse_nodes("g2-standard-8:7,e2-standard-4:15", PROFILES)
    )
    assert not short.ok
    assert {u.pod.workload for u in short.placement.unplaced} <= {"stt", "tts"}


# -- the command --------------------------------------------------------------------------


def test_capacity_command_exits_0_when_everything_fits(capsys):
    code, out, _ = run_cli(["capacity", "eventstorming", "--nodes", "e2-medium:1"], capsys)
    assert code == 0
    assert "Everything fits." in out
    assert "e2-medium-1" in out and "27m/" in out  # what is left on the node


def test_capacity_command_exits_1_and_names_the_pods_that_do_not_fit(capsys):
    code, out, _ = run_cli(["capacity", "--all", "--nodes", "e2-medium:2"], capsys)
    assert code == 1
    assert "Does not fit:" in out
    assert "r-analytics/Deployment/r-analytics pod 1/2" in out
    assert "Demand per namespace:" in out and "ecp-ai-global-call-center" in out


def test_capacity_command_filters_by_namespace_and_prints_json(capsys):
    code, out, _ = run_cli(["capacity", "-n", "seedtest", "--json", "--at-max"], capsys)
    assert code == 0
    report = json.loads(out)
    assert [r["name"] for r in report["releases"]] == ["seedtest-api", "r-analytics"]
    assert [n["name"] for n in report["namespaces"]] == ["seedtest"]
    assert report["atMax"] is True and report["placement"] is None


def test_capacity_command_refuses_bad_arguments(capsys):
    code, _, err = run_cli(["capacity", "--nodes", "n1-standard-1:2"], capsys)
    assert code == 2 and "no node profile 'n1-standard-1'" in err
    code, _, err = run_cli(["capacity", "-n", "nowhere"], capsys)
    assert code == 2 and "no release runs workloads in nowhere" in err


def test_capacity_command_lists_profiles(capsys):
    code, out, _ = run_cli(["capacity", "--list-profiles"], capsys)
    assert code == 0 and "227m/" in out and "nvidia-l4" in out


def test_the_node_capacity_model_is_consistent():
    node = Node("n", PROFILES.get("e2-medium"))
    assert node.used == node.profile.system
    assert node.left == node.profile.free
