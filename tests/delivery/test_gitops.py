"""chartkit gitops: the Argo CD and Flux objects generated from helmfile.yaml, validated
strictly against the upstream CRDs in ci/crds/gitops, and the values, needs and namespaces
they carry checked against the inventory."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import celpy
import pytest
import yaml

from chartkit.checks.schema import SchemaValidator
from chartkit.delivery.argocd import (
    SYNC_OPTIONS,
    TENANT_NAMESPACES,
    ArgoSettings,
    argocd_objects,
    install_waves,
    platform_namespaces,
)
from chartkit.delivery.flux import ROLLOUT_HEALTH, FluxSettings, flux_objects
from chartkit.delivery.gitops_plan import EnvironmentPlan, GitOpsError, PlannedRelease, plan
from chartkit.releases.inventory import Inventory, load
from chartkit.releases.render import Renderer
from chartkit.tools.toolbox import Toolbox

ROOT = Path(__file__).resolve().parents[2]
RELEASES = len(load(ROOT).releases)
REPO_URL = "https://git.example.com/platform/chart-suite.git"
ARGO = ArgoSettings(name="chart-suite", repo_url=REPO_URL, revision="main")
CLUSTERS = [
    {"name": "prod-eu-1", "server": "https://10.0.0.1", "labels": {"environment": "prod"}},
    {"name": "prod-us-1", "server": "https://10.0.0.2", "labels": {"environment": "prod"}},
    {"name": "dev-1", "server": "https://10.0.1.1", "labels": {"environment": "dev"}},
    {"name": "in-cluster", "server": "https://kubernetes.default.svc", "labels": {}},
]


@pytest.fixture(scope="module")
def plans(inventory: Inventory, renderer: Renderer) -> dict[str, EnvironmentPlan]:
    return {env: plan(inventory, renderer, env) for env in inventory.environments}


@pytest.fixture(scope="module")
def validator() -> SchemaValidator:
    versions = Toolbox(ROOT).pins["validate_kubernetes"]
    return SchemaValidator(versions, ROOT / "ci" / "crds" / "gitops")


@pytest.fixture(scope="module")
def argo(plans: dict[str, EnvironmentPlan]) -> list[dict[str, Any]]:
    return argocd_objects(ARGO, list(plans.values()))


def problems(validator: SchemaValidator, objects: list[dict[str, Any]]) -> list[str]:
    return [str(p) for p in validator.validate_all(objects)]


# -- what an ApplicationSet generates, the way Argo CD's goTemplate mode does -------------

_PARAMETER = re.compile(r"\{\{ (toJson )?\.(\w+) \}\}")


def substitute(node: Any, params: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        return {key: substitute(value, params) for key, value in node.items()}
    if isinstance(node, list):
        return [substitute(item, params) for item in node]
    if isinstance(node, str):
        text = _PARAMETER.sub(
            lambda m: json.dumps(params[m[2]]) if m[1] else str(params[m[2]]), node
        )
        assert "{{" not in text, f"unknown template expression in {node!r}"  # missingkey=error
        return text
    return node


def merged(base: Any, patch: Any) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        result = dict(base)
        for key, value in patch.items():
            result[key] = merged(base.get(key), value)
        return result
    return patch


def applications(appset: dict[str, Any]) -> Iterator[dict[str, Any]]:
    spec = appset["spec"]
    (matrix,) = spec["generators"]
    clusters_generator, list_generator = matrix["matrix"]["generators"]
    selector = clusters_generator["clusters"]["selector"]["matchLabels"]
    for cluster in CLUSTERS:
        if not selector.items() <= cluster["labels"].items():
            continue
        for element in list_generator["list"]["elements"]:
            params = {**element, "name": cluster["name"], "server": cluster["server"]}
            params["nameNormalized"] = cluster["name"]
            app = substitute(copy.deepcopy(spec["template"]), params)
            app = merged(app, yaml.safe_load(substitute(spec["templatePatch"], params)))
            app["metadata"]["namespace"] = appset["metadata"]["namespace"]
            yield {"apiVersion": appset["apiVersion"], "kind": "Application", **app}


def by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [obj for obj in objects if obj["kind"] == kind]


# -- Argo CD --------------------------------------------------------------------------------


def test_argocd_objects_and_the_applications_they_generate_validate_strictly(
    argo: list[dict[str, Any]], validator: SchemaValidator
) -> None:
    generated = [app for appset in by_kind(argo, "ApplicationSet") for app in applications(appset)]
    # every release to each prod cluster and the dev one
    assert len(generated) == RELEASES * 2 + RELEASES
    assert problems(validator, [*argo, *generated]) == []


def test_validation_catches_a_wrong_field_in_each_kind(
    argo: list[dict[str, Any]], flux: dict[str, list[dict[str, Any]]], validator: SchemaValidator
) -> None:
    project, appset = copy.deepcopy(argo[:2])
    project["spec"]["clusterResourceWhitelist"][0]["kinds"] = "Namespace"
    appset["spec"]["template"]["spec"]["syncPolicy"]["automated"]["selfheal"] = True
    app = next(applications(argo[-1]))
    app["spec"]["source"]["helm"]["valueFiles"] = "values.yaml"
    helm_release = copy.deepcopy(by_kind(flux["prod"], "HelmRelease")[0])
    helm_release["spec"]["driftDetection"]["mode"] = "on"
    source = copy.deepcopy(flux["prod"][0])
    source["spec"]["url"] = "git@example.com:x.git"
    found = problems(validator, [project, appset, app, helm_release, source])
    assert len(found) == 5 * len(validator.kube_versions), found
    assert any("kinds" in f for f in found) and any("selfheal" in f for f in found)


def test_one_applicationset_per_environment_selects_clusters_by_label(
    argo: list[dict[str, Any]], inventory: Inventory
) -> None:
    appsets = by_kind(argo, "ApplicationSet")
    assert [a["metadata"]["name"] for a in appsets] == [
        f"chart-suite-{env}" for env in inventory.environments
    ]
    for appset in appsets:
        environment = appset["metadata"]["labels"]["chartkit.io/environment"]
        clusters = {app["spec"]["destination"]["server"] for app in applications(appset)}
        expected = {c["server"] for c in CLUSTERS if c["labels"].get("environment") == environment}
        assert clusters == expected


def test_applications_take_the_release_values_and_the_environment_overlay(
    argo: list[dict[str, Any]], inventory: Inventory
) -> None:
    for appset in by_kind(argo, "ApplicationSet"):
        environment = appset["metadata"]["labels"]["chartkit.io/environment"]
        overlay = inventory.environment_overlay(environment)
        for app in applications(appset):
            source = app["spec"]["source"]
            release = inventory.release(source["helm"]["releaseName"])
            chart_dir = ROOT / source["path"]
            files = [(chart_dir / f).resolve() for f in source["helm"]["valueFiles"]]
            assert files == [*release.values, *([overlay.path] if overlay else [])]
            assert chart_dir.resolve() == release.chart
            assert app["spec"]["destination"]["namespace"] == release.namespace
            assert source["repoURL"] == REPO_URL and source["targetRevision"] == "main"
            assert source["helm"]["skipTests"] is True


WORKER_NAMESPACES = {"codebeaker-worker", "codebeaker-dev-worker"}  # worker.namespace


def test_the_project_allows_the_inventory_namespaces_and_namespaces_only(
    argo: list[dict[str, Any]], inventory: Inventory
) -> None:
    project = by_kind(argo, "AppProject")[0]["spec"]
    namespaces = {r.namespace for r in inventory.releases}
    assert {d["namespace"] for d in project["destinations"]} == {
        *namespaces,
        *WORKER_NAMESPACES,
        TENANT_NAMESPACES,
    }
    assert {d["server"] for d in project["destinations"]} == {"*"}
    assert project["sourceRepos"] == [REPO_URL]
    whitelist = project["clusterResourceWhitelist"]
    assert {(w["group"], w["kind"]) for w in whitelist} == {("", "Namespace")}
    assert {w["name"] for w in whitelist} == {*namespaces, TENANT_NAMESPACES}
    assert "namespaceResourceWhitelist" not in project  # every namespaced kind


def test_sync_options_and_the_namespace_pod_security_labels(
    argo: list[dict[str, Any]], plans: dict[str, EnvironmentPlan]
) -> None:
    prod = next(
        a for a in by_kind(argo, "ApplicationSet") if a["metadata"]["name"].endswith("prod")
    )
    apps = {a["spec"]["source"]["helm"]["releaseName"]: a for a in applications(prod)}
    policy = apps["codebeaker"]["spec"]["syncPolicy"]
    assert policy["syncOptions"] == list(SYNC_OPTIONS)
    assert {"ServerSideApply=true", "CreateNamespace=true"} <= set(policy["syncOptions"])
    labels = policy["managedNamespaceMetadata"]["labels"]
    # the docker-socket worker runs in codebeaker-worker: the API's namespace stays restricted
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    restricted = apps["seedtest-api"]["spec"]["syncPolicy"]["managedNamespaceMetadata"]
    assert restricted["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert plans["prod"].pod_security["codebeaker"] == "restricted"
    assert plans["prod"].pod_security["codebeaker-worker"] == "privileged"


@pytest.mark.parametrize("environment", ["default", "prod"])
def test_every_rendered_object_goes_to_a_project_destination(
    argo: list[dict[str, Any]], inventory: Inventory, renderer: Renderer, environment: str
) -> None:
    project = by_kind(argo, "AppProject")[0]["spec"]
    allowed = [d["namespace"] for d in project["destinations"]]
    overlay = inventory.environment_overlay(environment)
    for release in inventory.releases:
        for obj in renderer.render_release(release, overlay).objects:
            if obj["kind"] == "Namespace":
                continue
            namespace = obj["metadata"].get("namespace", release.namespace)
            assert any(fnmatch(namespace, pattern) for pattern in allowed), (
                f"{release.name}: {obj['kind']}/{obj['metadata']['name']} in {namespace}"
            )


def test_argo_cd_gets_the_namespaces_it_does_not_create_with_their_pods_level(
    plans: dict[str, EnvironmentPlan], validator: SchemaValidator
) -> None:
    for environment, environment_plan in plans.items():
        namespaces = platform_namespaces(ARGO, environment_plan)
        assert {n["metadata"]["name"] for n in namespaces} == WORKER_NAMESPACES, environment
        for namespace in namespaces:
            labels = namespace["metadata"]["labels"]
            assert labels["pod-security.kubernetes.io/enforce"] == "privileged"
            assert labels["chartkit.io/environment"] == environment
        assert problems(validator, namespaces) == []


def ignored(app: dict[str, Any]) -> list[tuple[str, str, str, tuple[str, ...]]]:
    return [
        (d["group"], d["kind"], d["name"], tuple(d["jsonPointers"]))
        for d in app["spec"].get("ignoreDifferences", [])
    ]


def test_replicas_are_ignored_exactly_where_an_hpa_scales(argo: list[dict[str, Any]]) -> None:
    appsets = {a["metadata"]["labels"]["chartkit.io/environment"]: a for a in argo[1:]}
    prod = {a["spec"]["source"]["helm"]["releaseName"]: a for a in applications(appsets["prod"])}
    assert ignored(prod["seedtest-api"]) == [
        ("argoproj.io", "Rollout", "seedtest-api", ("/spec/replicas",))
    ]
    assert ignored(prod["r-analytics"]) == [
        ("apps", "Deployment", "r-analytics", ("/spec/replicas",))
    ]
    assert ignored(prod["eventstorming"]) == []  # a single consumer, no HPA
    dev = {a["spec"]["source"]["helm"]["releaseName"]: a for a in applications(appsets["dev"])}
    assert all(ignored(app) == [] for app in dev.values())  # dev turns autoscaling off


def test_install_waves_follow_needs(plans: dict[str, EnvironmentPlan]) -> None:
    waves = install_waves(plans["prod"])
    assert waves["r-analytics"] == 0 and waves["seedtest-api"] == 1
    assert {w for name, w in waves.items() if name != "seedtest-api"} == {0}


def test_a_namespace_created_outside_the_tenant_pattern_is_refused(
    plans: dict[str, EnvironmentPlan],
) -> None:
    prod = plans["prod"]
    tenant = next(r for r in prod.releases if r.namespaces_created)
    bad = EnvironmentPlan(
        prod.environment,
        prod.overlay,
        (dataclasses.replace(tenant, namespaces_created=("kube-system",)),),
        prod.pod_security,
    )
    with pytest.raises(GitOpsError, match=r"renders Namespace kube-system.*ecp-ai-\*"):
        argocd_objects(ARGO, [bad])


def test_an_unknown_environment_is_refused(inventory: Inventory, renderer: Renderer) -> None:
    with pytest.raises(GitOpsError, match=r"no environment 'staging'.*known: default, dev, prod"):
        plan(inventory, renderer, "staging")


# -- Flux ------------------------------------------------------------------------------------

GIT = FluxSettings(name="chart-suite", source="git", url=REPO_URL)
OCI = FluxSettings(name="chart-suite", source="oci", url="oci://registry.example.com/charts")


@pytest.fixture(scope="module")
def flux(plans: dict[str, EnvironmentPlan]) -> dict[str, list[dict[str, Any]]]:
    return {env: flux_objects(GIT, p, ROOT) for env, p in plans.items()}


def releases_of(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in by_kind(objects, "HelmRelease")}


@pytest.mark.parametrize("settings", [GIT, OCI], ids=["git", "oci"])
def test_flux_objects_validate_strictly(
    settings: FluxSettings, plans: dict[str, EnvironmentPlan], validator: SchemaValidator
) -> None:
    for environment, environment_plan in plans.items():
        objects = flux_objects(settings, environment_plan, ROOT)
        assert problems(validator, objects) == [], environment
        kinds = [o["kind"] for o in objects]
        source = "GitRepository" if settings.source == "git" else "OCIRepository"
        assert kinds[0] == source and kinds.count("HelmRelease") == RELEASES


def test_helmreleases_take_the_release_values_and_the_overlay_from_git(
    flux: dict[str, list[dict[str, Any]]], inventory: Inventory
) -> None:
    for environment, objects in flux.items():
        overlay = inventory.environment_overlay(environment)
        for name, helm_release in releases_of(objects).items():
            release = inventory.release(name)
            spec = helm_release["spec"]
            chart = spec["chart"]["spec"]
            assert (ROOT / chart["chart"]).resolve() == release.chart
            assert chart["sourceRef"] == {"kind": "GitRepository", "name": "chart-suite"}
            files = [(ROOT / f).resolve() for f in chart["valuesFiles"]]
            assert files == [*release.values, *([overlay.path] if overlay else [])]
            assert spec["releaseName"] == name
            assert spec["targetNamespace"] == spec["storageNamespace"] == release.namespace


def test_depends_on_comes_from_needs(
    flux: dict[str, list[dict[str, Any]]], inventory: Inventory
) -> None:
    for objects in flux.values():
        helm_releases = releases_of(objects)
        for name, helm_release in helm_releases.items():
            depends = [d["name"] for d in helm_release["spec"].get("dependsOn", [])]
            assert depends == list(inventory.release(name).needs)
            assert list(helm_releases).index(name) > max(
                (list(helm_releases).index(d) for d in depends), default=-1
            )
        assert helm_releases["seedtest-api"]["spec"]["dependsOn"] == [{"name": "r-analytics"}]


def test_drift_detection_ignores_the_replicas_an_hpa_owns(
    flux: dict[str, list[dict[str, Any]]],
) -> None:
    prod = releases_of(flux["prod"])
    for helm_release in prod.values():
        assert helm_release["spec"]["driftDetection"]["mode"] == "enabled"
    assert prod["seedtest-api"]["spec"]["driftDetection"]["ignore"] == [
        {
            "paths": ["/spec/replicas"],
            "target": {"group": "argoproj.io", "kind": "Rollout", "name": "seedtest-api"},
        }
    ]
    assert prod["eventstorming"]["spec"]["driftDetection"]["ignore"] == []


def test_rollout_releases_wait_with_the_poller_and_cel_health_checks(
    flux: dict[str, list[dict[str, Any]]], plans: dict[str, EnvironmentPlan]
) -> None:
    with_rollouts = {r.name for r in plans["prod"].releases if r.has_rollouts}
    assert "seedtest-api" in with_rollouts and "r-analytics" not in with_rollouts
    for name, helm_release in releases_of(flux["prod"]).items():
        spec = helm_release["spec"]
        if name in with_rollouts:
            assert spec["waitStrategy"] == {"name": "poller"}
            assert spec["healthCheckExprs"] == [ROLLOUT_HEALTH]
        else:
            assert "healthCheckExprs" not in spec and "waitStrategy" not in spec
    legacy = FluxSettings(name="chart-suite", source="git", url=REPO_URL, rollout_wait="legacy")
    seedtest = releases_of(flux_objects(legacy, plans["prod"], ROOT))["seedtest-api"]["spec"]
    assert seedtest["waitStrategy"] == {"name": "legacy"} and "healthCheckExprs" not in seedtest


def test_namespaces_enforce_the_pod_security_level_their_pods_need(
    flux: dict[str, list[dict[str, Any]]], inventory: Inventory
) -> None:
    namespaces = {o["metadata"]["name"]: o for o in by_kind(flux["prod"], "Namespace")}
    assert set(namespaces) == {r.namespace for r in inventory.releases} | WORKER_NAMESPACES
    enforce = {
        n: o["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]
        for n, o in namespaces.items()
    }
    assert enforce["codebeaker"] == "restricted" and enforce["seedtest"] == "restricted"
    assert enforce["codebeaker-worker"] == enforce["codebeaker-dev-worker"] == "privileged"
    # the namespaces the ecp-tenant chart renders are the chart's
    assert not [n for n in namespaces if fnmatch(n, TENANT_NAMESPACES)]


def planned(name: str, namespace: str, used: tuple[str, ...]) -> PlannedRelease:
    return PlannedRelease(
        name, namespace, "charts/x", "x", "1.0.0", (), (), {}, (), False, (), used
    )


def test_a_namespace_another_release_is_deployed_to_is_not_the_platforms() -> None:
    releases = (planned("a", "a", ("a", "shared")), planned("b", "shared", ("shared", "c")))
    environment_plan = EnvironmentPlan("prod", None, releases, {"shared": "baseline"})
    assert environment_plan.namespaces_used == ["a", "shared", "c"]
    assert environment_plan.platform_namespaces == ["c"]
    flux_namespaces = namespaces_of(environment_plan)
    assert flux_namespaces == {"a": "restricted", "shared": "baseline", "c": "restricted"}


def test_oci_releases_take_the_chart_from_its_repository_and_the_merged_values(
    plans: dict[str, EnvironmentPlan], inventory: Inventory, renderer: Renderer, tmp_path: Path
) -> None:
    objects = flux_objects(OCI, plans["prod"], ROOT)
    sources = {o["metadata"]["name"]: o["spec"] for o in by_kind(objects, "OCIRepository")}
    assert sources["chart-suite-api"]["url"] == "oci://registry.example.com/charts/api"
    chart_version = yaml.safe_load((ROOT / "charts/api/Chart.yaml").read_text())["version"]
    assert sources["chart-suite-api"]["ref"] == {"tag": chart_version}
    seedtest = releases_of(objects)["seedtest-api"]["spec"]
    assert seedtest["chartRef"] == {"kind": "OCIRepository", "name": "chart-suite-api"}
    release = inventory.release("seedtest-api")
    files = [*release.values, inventory.overlay("prod").path]
    assert seedtest["values"]["global"]["environment"] == "prod"
    # the inline values render the chart exactly as its values files do
    inline = tmp_path / "inline.yaml"
    inline.write_text(yaml.safe_dump(seedtest["values"]))
    options = {"release": release.name, "namespace": release.namespace}
    assert renderer.render(release.chart, values_files=[inline], **options) == renderer.render(
        release.chart, values_files=files, **options
    )


def namespaces_of(environment_plan: EnvironmentPlan) -> dict[str, str]:
    objects = by_kind(flux_objects(GIT, environment_plan, ROOT), "Namespace")
    return {
        o["metadata"]["name"]: o["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]
        for o in objects
    }


def rollout(phase: str | None, observed: str = "4", generation: int = 4) -> dict[str, Any]:
    status = {"observedGeneration": observed, **({"phase": phase} if phase else {})}
    return {"metadata": {"generation": generation}, "status": status}


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(rollout("Healthy"), "current", id="healthy"),
        pytest.param(rollout("Paused"), "current", id="paused-at-a-manual-step"),
        pytest.param(rollout("Progressing"), "inProgress", id="progressing"),
        pytest.param(rollout("Degraded"), "failed", id="degraded"),
        pytest.param(rollout("Healthy", observed="3"), None, id="status-of-an-older-spec"),
        pytest.param(rollout(None), None, id="no-phase-yet"),
    ],
)
def test_rollout_health_expressions(obj: dict[str, Any], expected: str | None) -> None:
    """The expressions in the order helm-controller evaluates them (inProgress, failed,
    current; none true is in progress)."""
    environment = celpy.Environment()
    activation = {key: celpy.json_to_cel(value) for key, value in obj.items()}
    verdict = None
    for field in ("inProgress", "failed", "current"):
        program = environment.program(environment.compile(ROLLOUT_HEALTH[field]))
        if bool(program.evaluate(activation)):
            verdict = field
            break
    assert verdict == expected


# -- fields controllers set after install -----------------------------------------------------


@pytest.fixture(scope="module")
def gateway_plan(inventory: Inventory, renderer: Renderer) -> EnvironmentPlan:
    """seedtest-api with its canary split by the Gateway API plugin (charts/api/ci)."""
    seedtest = next(r for r in inventory.releases if r.name == "seedtest-api")
    routed = dataclasses.replace(
        seedtest,
        values=(*seedtest.values, ROOT / "charts/api/ci/gateway-api-values.yaml"),
        needs=(),
    )
    return plan(dataclasses.replace(inventory, releases=(routed,)), renderer, "prod")


def test_the_plugins_httproute_weights_are_left_to_argo_rollouts(
    gateway_plan: EnvironmentPlan,
) -> None:
    """Argo Rollouts' Gateway API plugin rewrites the HTTPRoute's backend weights at every
    canary step; a sync or a drift correction putting them back to 100/0 would end the
    canary's traffic share mid-rollout."""
    assert len(gateway_plan.releases) == 1
    weights = ("/spec/rules/0/backendRefs/0/weight", "/spec/rules/0/backendRefs/1/weight")
    apps = [
        app for appset in argocd_objects(ARGO, [gateway_plan])[1:] for app in applications(appset)
    ]
    assert apps
    for app in apps:  # one per prod cluster
        assert ("gateway.networking.k8s.io", "HTTPRoute", "seedtest-api", weights) in ignored(app)
    (helm_release,) = by_kind(flux_objects(GIT, gateway_plan, ROOT), "HelmRelease")
    assert {
        "paths": list(weights),
        "target": {
            "group": "gateway.networking.k8s.io",
            "kind": "HTTPRoute",
            "name": "seedtest-api",
        },
    } in helm_release["spec"]["driftDetection"]["ignore"]


def test_no_weights_are_ignored_without_the_plugin(plans: dict[str, EnvironmentPlan]) -> None:
    for release in plans["prod"].releases:
        assert all(fields.kind != "HTTPRoute" for fields in release.controller_fields)
