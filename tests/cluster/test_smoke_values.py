"""ci/smoke/: smoke values for every release, proven offline.

Each release renders with its own values plus its chart's ci/smoke/charts/<chart>.yaml,
ci/smoke/<release>.yaml where it has one and the plan's fromRelease values (and with the
plan's upgrade values on top), with both pinned helm versions, and passes strict schema
validation and every policy rule; the stand-in image listens where the probes look; the
settings a smoke cluster cannot honour (load balancers, Prometheus analysis, GPUs) are off.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from chartkit.checks import policy
from chartkit.checks.schema import SchemaValidator
from chartkit.cluster.smoke_config import (
    CHART_VALUES_DIR,
    SMOKE_DIR,
    copied_values,
    load_plan,
    release_values,
)
from chartkit.cluster.smoke_results import SmokeError
from chartkit.releases.inventory import Release, find_root, load
from chartkit.releases.manifest import Manifest, containers, name_of
from chartkit.releases.render import Renderer
from chartkit.tools.toolbox import Toolbox
from helpers.repository import share_tools_and_cache

ROOT = find_root()
INVENTORY = load(ROOT)
RELEASES = [r.name for r in INVENTORY.releases]
HELM_VERSIONS = Toolbox(ROOT).helm_versions()
SMOKE_IMAGE = "docker.io/ealen/echo-server:"
TEST_IMAGE = "curlimages/curl:"


@pytest.fixture(scope="module")
def validator() -> SchemaValidator:
    return SchemaValidator(Toolbox(ROOT).pins["validate_kubernetes"], ROOT / "ci" / "crds")


def render(
    renderer: Renderer, name: str, helm: str | None = None, upgrade: bool = False
) -> Manifest:
    release = INVENTORY.release(name)
    plan = load_plan(ROOT)
    return renderer.render(
        release.chart,
        release=release.name,
        namespace=release.namespace,
        values_files=release_values(ROOT, release),
        set_values=plan.chart(release.chart_name).upgrade if upgrade else None,
        api_versions=renderer.platform_api_versions,
        helm_version=helm,
    )


@pytest.mark.inventory_wide
def test_every_chart_has_smoke_values_and_a_release_only_what_it_needs() -> None:
    charts = {p.stem for p in (ROOT / CHART_VALUES_DIR).glob("*.yaml")}
    assert charts == {r.chart_name for r in INVENTORY.releases}
    own = {p.stem for p in (ROOT / SMOKE_DIR).glob("*.yaml")} - {"plan"}
    assert own <= set(RELEASES), f"smoke values of no release: {own - set(RELEASES)}"


@pytest.mark.inventory_wide
def test_every_chart_has_a_smoke_plan() -> None:
    plan = load_plan(ROOT)
    charts = {r.chart_name for r in INVENTORY.releases}
    assert charts <= set(plan.charts), f"add to ci/smoke/plan.yaml: {charts - set(plan.charts)}"
    for chart in charts:
        assert plan.chart(chart).upgrade, f"{chart}: the upgrade step must change a value"
    for step in ("install", "test", "upgrade", "rollback", "uninstall"):
        assert step in plan.timeouts


@pytest.mark.parametrize("helm", HELM_VERSIONS)
@pytest.mark.parametrize("upgrade", [False, True], ids=["install", "upgrade"])
@pytest.mark.parametrize("release", RELEASES)
def test_smoke_render_validates_and_passes_policy(
    renderer: Renderer, validator: SchemaValidator, release: str, upgrade: bool, helm: str
) -> None:
    manifest = render(renderer, release, helm, upgrade)
    objects = list(manifest.objects)
    problems = [str(p) for p in validator.validate_all(objects)]
    problems += [str(v) for v in policy.check(objects)]
    assert not problems, "\n".join(problems)


def images(manifest: Manifest) -> list[tuple[str, str]]:
    return [
        (name_of(obj), str(c["image"]))
        for obj in manifest.workloads()
        for c in containers(obj, include_init=True)
    ]


@pytest.mark.parametrize("release", RELEASES)
def test_every_container_runs_a_public_stand_in(renderer: Renderer, release: str) -> None:
    for workload, image in images(render(renderer, release)):
        assert image.startswith((SMOKE_IMAGE, TEST_IMAGE)), f"{workload}: {image}"


def env_of(container: dict[str, Any], manifest: Manifest) -> dict[str, str]:
    """A container's plain environment, its ConfigMap envFrom sources included."""
    env: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        ref = source.get("configMapRef")
        if ref:
            env.update(manifest.get("ConfigMap", ref["name"]).get("data") or {})
    for item in container.get("env") or []:
        if "value" in item:
            env[item["name"]] = str(item["value"])
    return env


@pytest.mark.parametrize("release", RELEASES)
def test_the_stand_in_listens_where_the_probes_look(renderer: Renderer, release: str) -> None:
    manifest = render(renderer, release)
    checked = 0
    for obj in manifest.workloads():
        if obj["kind"] == "Pod":
            continue  # helm test hooks
        for container in containers(obj):
            ports = {p.get("name"): p["containerPort"] for p in container.get("ports") or []}
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                http = (container.get(probe) or {}).get("httpGet")
                if not http:
                    continue
                port = http["port"]
                number = ports[port] if isinstance(port, str) else port
                listens = env_of(container, manifest).get("PORT")
                assert listens == str(number), (
                    f"{name_of(obj)}/{container['name']} {probe} on {number}, "
                    f"echo-server PORT {listens}"
                )
                checked += 1
    assert checked, f"{release}: no HTTP probe found"


@pytest.mark.parametrize("release", RELEASES)
def test_nothing_a_smoke_cluster_cannot_provide(renderer: Renderer, release: str) -> None:
    manifest = render(renderer, release)
    for service in manifest.all("Service"):
        assert service["spec"].get("type", "ClusterIP") != "LoadBalancer", name_of(service)
    assert not manifest.all("AnalysisTemplate"), "no Prometheus for canary analysis"
    for obj in manifest.workloads():
        for container in containers(obj, include_init=True):
            limits = (container.get("resources") or {}).get("limits") or {}
            assert "nvidia.com/gpu" not in limits, name_of(obj)
            assert "docker.sock" not in str(container.get("volumeMounts"))
    for claim in manifest.all("PersistentVolumeClaim"):
        if "ReadWriteMany" in claim["spec"]["accessModes"]:
            assert claim["spec"]["storageClassName"] == "chartkit-smoke-rwx"


CANARY = [r.name for r in INVENTORY.releases if load_plan(ROOT).charts[r.chart_name].canary]


def test_some_release_exercises_the_canary() -> None:
    assert CANARY, "no release exercises the canary"


@pytest.mark.parametrize("release", CANARY)
def test_canary_upgrade_changes_the_tag_and_pauses(renderer: Renderer, release: str) -> None:
    before = render(renderer, release)
    after = render(renderer, release, upgrade=True)
    rollout = before.get("Rollout")
    steps = rollout["spec"]["strategy"]["canary"]["steps"]
    assert steps[0].get("setWeight") and steps[1] == {"pause": {}}, steps
    old = containers(rollout)[0]["image"]
    new = containers(after.get("Rollout"))[0]["image"]
    assert old != new and new.startswith(SMOKE_IMAGE), (old, new)


@pytest.mark.inventory_wide
def test_shared_volume_releases_mount_the_claim_in_both_components(renderer: Renderer) -> None:
    from chartkit.cluster.smoke_objects import claim_mount, rwx_claims

    plan = load_plan(ROOT)
    for release in INVENTORY.releases:
        shared = plan.chart(release.chart_name).shared_volume
        if shared is None:
            continue
        objects = list(render(renderer, release.name).objects)
        claims = rwx_claims(objects, "chartkit-smoke-rwx")
        assert len(claims) == 1
        claim = claims[0]
        assert claim["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
        writer = claim_mount(objects, name_of(claim), shared.writer)
        reader = claim_mount(objects, name_of(claim), shared.reader)
        assert writer.workload != reader.workload
        assert writer.image.startswith(SMOKE_IMAGE)  # has a shell for kubectl exec


@pytest.mark.inventory_wide
def test_smoke_values_files_say_how_to_use_them() -> None:
    for chart in {r.chart_name for r in INVENTORY.releases}:
        text = (ROOT / CHART_VALUES_DIR / f"{chart}.yaml").read_text()
        assert f"helm upgrade --install <release> charts/{chart} " in text
        assert f"-f ci/smoke/charts/{chart}.yaml" in text
        for key in load_plan(ROOT).chart(chart).from_release:
            assert f"--set-string {key.replace('*', '<service>')}=" in text, key


def smoke_repo(tmp_path, own: str | None = None) -> tuple[Release, list[str]]:
    """A repository with charts/api's smoke values and plan, and one release of a copy of
    charts/api (its defaults, a values file setting service.port 8123)."""
    chart = tmp_path / "charts" / "api"
    chart.mkdir(parents=True)
    (chart / "values.yaml").write_text((ROOT / "charts/api/values.yaml").read_text())
    (tmp_path / CHART_VALUES_DIR).mkdir(parents=True)
    for name in ("plan.yaml", "charts/api.yaml"):
        (tmp_path / SMOKE_DIR / name).write_text((ROOT / SMOKE_DIR / name).read_text())
    (tmp_path / "ci" / "tools.json").write_text((ROOT / "ci" / "tools.json").read_text())
    share_tools_and_cache(tmp_path, ROOT)
    (tmp_path / "team.yaml").write_text("service:\n  port: 8123\n")
    if own is not None:
        (tmp_path / SMOKE_DIR / "team-api.yaml").write_text(own)
    return smoke_repo_files(tmp_path)


def smoke_repo_files(tmp_path) -> tuple[Release, list[str]]:
    release = Release("team-api", "team", tmp_path / "charts" / "api", (tmp_path / "team.yaml",))
    files = [str(p.relative_to(tmp_path)) for p in release_values(tmp_path, release)]
    return release, files


def test_a_release_gets_its_charts_smoke_values_and_its_own_port(tmp_path) -> None:
    _, files = smoke_repo(tmp_path)
    assert files == ["team.yaml", "ci/smoke/charts/api.yaml", "build/smoke/values/team-api.yaml"]
    copied = yaml.safe_load((tmp_path / files[-1]).read_text())
    # service.port from the release's file; metricsAdapter.port from the chart's default
    assert copied == {"env": {"PORT": "8123"}, "metricsAdapter": {"env": {"PORT": "9100"}}}
    (tmp_path / "team.yaml").write_text("service:\n  port: 8124\n")
    _, again = smoke_repo_files(tmp_path)
    assert yaml.safe_load((tmp_path / again[-1]).read_text())["env"] == {"PORT": "8124"}


def test_a_releases_own_smoke_values_come_after_its_charts(tmp_path) -> None:
    _, files = smoke_repo(tmp_path, own="service:\n  port: 8200\n")
    assert files[1:3] == ["ci/smoke/charts/api.yaml", "ci/smoke/team-api.yaml"]
    assert yaml.safe_load((tmp_path / files[-1]).read_text())["env"] == {"PORT": "8200"}


def test_a_chart_without_smoke_values_is_named(tmp_path) -> None:
    release = Release("x", "x", tmp_path / "charts" / "worker", ())
    with pytest.raises(SmokeError, match=r"ci/smoke/charts/worker.yaml does not exist"):
        release_values(tmp_path, release)


def test_copied_values_fill_stars_with_the_keys_they_matched() -> None:
    values = {"catalog": {"stt": {"port": 8080}, "tts": {"port": 9090}}, "on": True}
    assert copied_values(values, {"catalog.*.env.PORT": "catalog.*.port", "x": "on"}) == {
        "catalog": {"stt": {"env": {"PORT": "8080"}}, "tts": {"env": {"PORT": "9090"}}},
        "x": "true",
    }


def test_objects_the_smoke_tests_create_are_valid_and_restricted() -> None:
    import kubernetes_validate

    from chartkit.checks.podsecurity import namespace_manifest, required_level
    from chartkit.cluster import prereq_config, prereq_objects
    from chartkit.cluster.smoke_objects import Mount, reader_pod

    config = prereq_config.load_config(ROOT)
    mount = Mount("codebeaker-worker", "deployment", "worker", SMOKE_IMAGE + "0.9.2", "/data")
    pod = reader_pod("chartkit-smoke-read-1", "codebeaker-data", mount, "f.txt")
    objects = [
        pod,
        namespace_manifest("x", "restricted"),
        prereq_objects.rwx_storage_class(config),
        prereq_objects.hostpath_volume(config, "ns", "claim", "1Gi", "node"),
    ]
    for obj in objects:
        for version in Toolbox(ROOT).pins["validate_kubernetes"]:
            kubernetes_validate.validate(obj, version, strict=True)
    assert required_level([pod]) == ("restricted", [])
    rules = {v.rule for v in policy.check([pod])}
    assert rules <= {"standard-labels"}  # a throwaway pod, not a chart's object
