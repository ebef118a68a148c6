"""charts/api traffic routing (rollouts.trafficRouting): the canary's requests split exactly by
ingress-nginx (Argo Rollouts' NGINX integration) or by a Gateway API HTTPRoute (the
argoproj-labs/gatewayAPI plugin), instead of by the canary's share of pods.

Each option's example values file (charts/api/ci/<option>-values.yaml, chart-testing's
convention) is layered on a team's values file (values/seedtest.yaml), bare and with each
overlay; the rendered objects are checked, validated strictly against the Kubernetes schemas
and the CRDs in ci/crds (the Gateway API's included) and against the policy, and the values
that cannot work are refused naming the field, under both pinned helm versions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from chart_fixtures import chart_release_fixture
from refusals import names

from chartkit.checks import policy
from chartkit.releases.crds import read_crds
from chartkit.releases.manifest import Manifest
from chartkit.releases.render import crd_api_versions
from helpers.helm_versions import HELMS
from helpers.monitoring.scrape_jobs import scrape_jobs, selects

CHART = "api"
TEAM = "values/seedtest.yaml"
RELEASE = NAME = "seedtest-api"
NAMESPACE = "seedtest"
NGINX = "charts/api/ci/nginx-values.yaml"
GATEWAY = "charts/api/ci/gateway-api-values.yaml"
OVERLAYS = [(), ("values/env/dev.yaml",), ("values/env/prod.yaml",)]
ROLE = "chartkit.io/traffic-role"
STABLE, CANARY = f"{NAME}-stable", f"{NAME}-canary"
PORT = 8009  # values/seedtest.yaml service.port


chart_under_test = chart_release_fixture(CHART, TEAM, release=RELEASE, namespace=NAMESPACE)


def canary_of(manifest: Manifest) -> dict[str, Any]:
    return manifest.get("Rollout", NAME)["spec"]["strategy"]["canary"]


def ids(overlays: tuple[str, ...]) -> str:
    return Path(overlays[0]).stem if overlays else "bare"


# -- the example values files ---------------------------------------------------------------


def test_each_option_has_its_example_values_file(repo_root) -> None:
    found = sorted(p.name for p in (repo_root / "charts/api/ci").glob("*-values.yaml"))
    assert found == ["gateway-api-values.yaml", "nginx-values.yaml"]
    for name in found:
        values = yaml.safe_load((repo_root / "charts/api/ci" / name).read_text())
        expected = {"nginx-values.yaml": "nginx", "gateway-api-values.yaml": "gatewayAPI"}[name]
        assert values["rollouts"]["trafficRouting"]["type"] == expected


@pytest.mark.parametrize("helm", HELMS)
@pytest.mark.parametrize("overlays", OVERLAYS, ids=ids)
@pytest.mark.parametrize("option", [NGINX, GATEWAY], ids=["nginx", "gateway-api"])
def test_every_object_validates_strictly_and_passes_policy(
    render, validator, option, overlays, helm
) -> None:
    manifest = render(option, *overlays, helm=helm)
    problems = [str(p) for p in validator.validate_all(list(manifest.objects))]
    assert problems == []
    assert [str(v) for v in policy.check(list(manifest.objects))] == []


@pytest.mark.parametrize("option", [NGINX, GATEWAY], ids=["nginx", "gateway-api"])
def test_helm_3_and_4_render_the_same_objects(render, option) -> None:
    assert render(option, helm="4.1.4").objects == render(option, helm="3.18.0").objects


# -- what each option renders ---------------------------------------------------------------


def test_without_a_router_one_service_and_no_routing(render) -> None:
    manifest = render()
    assert manifest.names("Service") == [NAME]
    canary = canary_of(manifest)
    assert not {"canaryService", "stableService", "trafficRouting"} & set(canary)
    assert not manifest.all("HTTPRoute")


def test_a_router_adds_a_stable_and_a_canary_service_for_argo_rollouts(render) -> None:
    for option in (NGINX, GATEWAY):
        manifest = render(option)
        main = manifest.get("Service", NAME)
        assert sorted(manifest.names("Service")) == sorted([NAME, STABLE, CANARY])
        canary = canary_of(manifest)
        assert (canary["stableService"], canary["canaryService"]) == (STABLE, CANARY)
        for name, role in ((STABLE, "stable"), (CANARY, "canary")):
            service = manifest.get("Service", name)
            assert service["metadata"]["labels"][ROLE] == role
            # the same pods as the release's Service; Argo Rollouts adds the pod hash
            assert service["spec"]["selector"] == main["spec"]["selector"]
            assert service["spec"]["ports"] == [
                {"name": "http", "port": PORT, "targetPort": "http", "protocol": "TCP"}
            ]
        pods = manifest.get("Rollout")["spec"]["template"]["metadata"]["labels"]
        assert selects({"matchLabels": main["spec"]["selector"]}, pods)


def test_the_service_monitor_scrapes_each_pod_once_through_the_release_service(render) -> None:
    for option in (NGINX, GATEWAY):
        manifest = render(option)
        assert scrape_jobs(manifest.objects) == {f"ServiceMonitor/{NAME}": [NAME]}


def test_nginx_splits_at_the_stable_ingress_the_controller_clones(render) -> None:
    manifest = render(NGINX, "values/env/prod.yaml")
    canary = canary_of(manifest)
    assert canary["trafficRouting"] == {
        "nginx": {
            "stableIngress": NAME,
            "additionalIngressAnnotations": {"canary-by-header": "X-Canary"},
        }
    }
    assert canary["dynamicStableScale"] is True
    assert "scaleDownDelaySeconds" not in canary
    ingress = manifest.get("Ingress", NAME)
    assert ingress["spec"]["ingressClassName"] == "nginx"
    backends = {
        p["backend"]["service"]["name"]
        for rule in ingress["spec"]["rules"]
        for p in rule["http"]["paths"]
    }
    assert backends == {STABLE}
    assert not any(
        k.startswith("nginx.ingress.kubernetes.io/canary")
        for k in ingress["metadata"].get("annotations") or {}
    )
    assert not manifest.all("HTTPRoute")


def test_gateway_api_routes_through_an_httproute_the_plugin_reweights(render) -> None:
    manifest = render(GATEWAY, "values/env/prod.yaml")
    canary = canary_of(manifest)
    assert canary["trafficRouting"] == {
        "plugins": {"argoproj-labs/gatewayAPI": {"httpRoute": NAME, "namespace": NAMESPACE}}
    }
    assert canary["scaleDownDelaySeconds"] == 60
    route = manifest.get("HTTPRoute", NAME)
    assert route["apiVersion"] == "gateway.networking.k8s.io/v1"
    assert route["metadata"]["namespace"] == NAMESPACE
    assert route["spec"]["parentRefs"] == [
        {
            "group": "gateway.networking.k8s.io",
            "kind": "Gateway",
            "name": "public",
            "namespace": "gateway",
            "sectionName": "https",
        }
    ]
    assert route["spec"]["hostnames"] == ["seedtest.example.org"]
    (rule,) = route["spec"]["rules"]
    assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": "/"}}]
    assert rule["backendRefs"] == [
        {"group": "", "kind": "Service", "name": STABLE, "port": PORT, "weight": 100},
        {"group": "", "kind": "Service", "name": CANARY, "port": PORT, "weight": 0},
    ]
    assert not manifest.all("Ingress")
    # the Gateway's proxies reach the pods
    ingress_rules = manifest.get("NetworkPolicy")["spec"]["ingress"]
    assert ingress_rules[0]["from"][0]["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "gateway"
    }


def test_gateway_api_route_takes_several_gateways_and_matches(render) -> None:
    route = render(
        GATEWAY,
        set_values={
            "rollouts.trafficRouting.gatewayAPI.parentRefs": [
                {"name": "public", "namespace": "gateway"},
                {"name": "internal"},
            ],
            "rollouts.trafficRouting.gatewayAPI.hostnames": [],
            "rollouts.trafficRouting.gatewayAPI.matches": [
                {"path": {"type": "PathPrefix", "value": "/api"}},
                {"path": {"type": "Exact", "value": "/health"}},
            ],
        },
    ).get("HTTPRoute")
    assert [p["name"] for p in route["spec"]["parentRefs"]] == ["public", "internal"]
    assert "namespace" not in route["spec"]["parentRefs"][1]
    assert "hostnames" not in route["spec"]
    assert [m["path"]["value"] for m in route["spec"]["rules"][0]["matches"]] == ["/api", "/health"]


def test_the_httproute_is_validated_against_the_gateway_api_crd(render, validator) -> None:
    bad = render(
        GATEWAY,
        set_values={"rollouts.trafficRouting.gatewayAPI.matches": [{"path": {"type": "Prefix"}}]},
    )
    problems = [str(p) for p in validator.validate(bad.get("HTTPRoute"))]
    assert problems and any("Prefix" in p for p in problems), problems


def test_the_gateway_api_crds_are_vendored_with_their_version(repo_root) -> None:
    crds = {c["spec"]["names"]["kind"]: c for c in read_crds(repo_root / "ci/crds")}
    for kind in ("HTTPRoute", "Gateway"):
        annotations = crds[kind]["metadata"]["annotations"]
        assert annotations["gateway.networking.k8s.io/bundle-version"] == "v1.6.1"
        assert annotations["gateway.networking.k8s.io/channel"] == "standard"
    readme = (repo_root / "ci/crds/README.md").read_text()
    assert "| Kubernetes Gateway API, standard channel | v1.6.1," in readme
    assert "gateway.networking.k8s.io/v1/HTTPRoute" in crd_api_versions(repo_root / "ci/crds")


# -- values that cannot work ----------------------------------------------------------------

REFUSED = [
    (
        {"rollouts.trafficRouting.type": "nginx"},
        "rollouts.trafficRouting.type",
        "ingress.enabled is false",
    ),
    (
        {"rollouts.trafficRouting.type": "gatewayAPI"},
        "rollouts.trafficRouting.gatewayAPI.parentRefs",
        "needs the Gateway",
    ),
    (
        {"rollouts.trafficRouting.type": "nginx", "rollouts.enabled": False},
        "rollouts.trafficRouting.type",
        "rollouts.enabled is false",
    ),
    ({"rollouts.dynamicStableScale": True}, "rollouts.dynamicStableScale", "traffic router"),
    ({"rollouts.scaleDownDelaySeconds": 30}, "rollouts.scaleDownDelaySeconds", "traffic router"),
]


@pytest.mark.parametrize("helm", HELMS)
@pytest.mark.parametrize(
    ("set_values", "field", "words"), REFUSED, ids=[r[1] + ":" + r[2] for r in REFUSED]
)
def test_refused_without_what_the_router_needs(refuse, helm, set_values, field, words) -> None:
    error = refuse(set_values, helm=helm)
    assert names(error, field) and words in error, error


REFUSED_WITH_A_ROUTER = [
    (
        NGINX,
        {"ingress.annotations": {"nginx.ingress.kubernetes.io/canary": "true"}},
        "ingress.annotations.nginx.ingress.kubernetes.io/canary",
        "main Ingress as a canary",
    ),
    (
        NGINX,
        {
            "rollouts.trafficRouting.nginx.additionalIngressAnnotations": {
                "nginx.ingress.kubernetes.io/canary-by-header": "X-Canary"
            }
        },
        "rollouts.trafficRouting.nginx.additionalIngressAnnotations."
        "nginx.ingress.kubernetes.io/canary-by-header",
        "give it as canary-by-header",
    ),
    (
        NGINX,
        {"rollouts.trafficRouting.nginx.additionalIngressAnnotations": {"canary-weight": "50"}},
        "rollouts.trafficRouting.nginx.additionalIngressAnnotations.canary-weight",
        "set by Argo Rollouts",
    ),
    (
        NGINX,
        {"rollouts.scaleDownDelaySeconds": 30},
        "rollouts.scaleDownDelaySeconds",
        "dynamicStableScale",
    ),
    (
        GATEWAY,
        {"ingress.enabled": True, "ingress.hosts": [{"host": "seedtest.example.org"}]},
        "ingress.enabled",
        "bypass the HTTPRoute",
    ),
    (
        GATEWAY,
        {"rollouts.trafficRouting.gatewayAPI.hostnames": ["https://seedtest.example.org"]},
        "rollouts.trafficRouting.gatewayAPI.hostnames[0]",
        "is not a DNS name",
    ),
]


@pytest.mark.parametrize("helm", HELMS)
@pytest.mark.parametrize(
    ("option", "set_values", "field", "words"),
    REFUSED_WITH_A_ROUTER,
    ids=[r[2] for r in REFUSED_WITH_A_ROUTER],
)
def test_refused_with_a_router(refuse, helm, option, set_values, field, words) -> None:
    error = refuse(set_values, option, helm=helm)
    assert names(error, field) and words in error, error


@pytest.mark.parametrize("helm", HELMS)
@pytest.mark.parametrize(
    ("set_values", "field"),
    [
        ({"rollouts.trafficRouting.type": "istio"}, "rollouts.trafficRouting.type"),
        ({"rollouts.scaleDownDelaySeconds": -5}, "rollouts.scaleDownDelaySeconds"),
        (
            {"rollouts.trafficRouting.gatewayAPI.parentRefs": [{"namespace": "gateway"}]},
            "rollouts.trafficRouting.gatewayAPI.parentRefs[0]",
        ),
    ],
    ids=["unknown router", "negative delay", "parent without a name"],
)
def test_schema_refuses(refuse, helm, set_values, field) -> None:
    error = refuse(set_values, helm=helm)
    assert names(error, field) or field.split(".")[-1].split("[")[0] in error, error


# -- NOTES ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def notes(renderer):
    """NOTES.txt as `helm install` prints it (helm 4 renders it offline with --dry-run=client)."""

    def render(*files: str) -> str:
        args = ["install", RELEASE, str(renderer.chart_path(CHART)), "-n", NAMESPACE]
        args += ["--dry-run=client", "-f", str(renderer.root / TEAM)]
        for path in files:
            args += ["-f", str(renderer.root / path)]
        output = renderer.helm("4.1.4").run(args)
        return output[output.index("NOTES:") :]

    return render


def test_notes_say_how_to_wait_for_the_rollout_and_how_traffic_is_split(notes) -> None:
    for files in ((), (NGINX,), (GATEWAY,)):
        text = notes(*files)
        assert "--wait=legacy" in text
        assert f"kubectl argo rollouts status {NAME} -n {NAMESPACE} --timeout 20m" in text
        assert "more than 2 times in a row" in text
    assert "No traffic router" in notes()
    nginx = notes(NGINX)
    assert f"the Ingress {NAME} sends requests to the Service\n{STABLE}" in nginx
    assert CANARY in nginx
    gateway = notes(GATEWAY)
    assert f"Route: seedtest.example.org (HTTPRoute {NAME})" in gateway
    assert "argoproj-labs/gatewayAPI" in gateway
