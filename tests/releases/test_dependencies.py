"""What rendered objects show one release needs from another, and `needs:` covering it."""

from __future__ import annotations

from chartkit.releases.inventory import Inventory
from chartkit.releases.render import Renderer
from helpers.dependencies import (
    secrets_made,
    secrets_read,
    services_called,
    services_made,
    shown_needs,
)


def deployment(name: str, env_secret: str | None = None, volume_secret: str | None = None) -> dict:
    container: dict = {"name": "c", "image": "x:1"}
    if env_secret:
        container["env"] = [
            {"name": "T", "valueFrom": {"secretKeyRef": {"name": env_secret, "key": "k"}}}
        ]
    spec: dict = {"containers": [container]}
    if volume_secret:
        spec["volumes"] = [{"name": "v", "secret": {"secretName": volume_secret}}]
    return {
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {"template": {"spec": spec}},
    }


def secret(name: str) -> dict:
    return {"kind": "Secret", "metadata": {"name": name}}


def service(name: str, namespace: str | None = None) -> dict:
    metadata = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {"kind": "Service", "metadata": metadata}


def caller(address: str) -> dict:
    obj = deployment("caller")
    obj["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "URL", "value": address}]
    return obj


def test_secrets_read_and_made_through_env_volumes_and_external_secrets() -> None:
    external = {
        "kind": "ExternalSecret",
        "metadata": {"name": "es"},
        "spec": {"target": {"name": "made-by-eso"}},
    }
    assert secrets_made([secret("s"), external], "ns") == {("ns", "s"), ("ns", "made-by-eso")}
    objects = [deployment("a", env_secret="one"), deployment("b", volume_secret="two")]
    assert secrets_read(objects, "ns") == {("ns", "one"), ("ns", "two")}


def test_optional_secret_references_are_not_needs() -> None:
    reader = deployment("r", env_secret="s")
    reader["spec"]["template"]["spec"]["containers"][0]["env"][0]["valueFrom"]["secretKeyRef"][
        "optional"
    ] = True
    assert secrets_read([reader], "ns") == set()


def test_service_addresses_name_namespace_and_service() -> None:
    objects = [caller("http://r-analytics.seedtest.svc.cluster.local:80/x")]
    assert services_called(objects) == {("seedtest", "r-analytics")}
    assert services_called([caller("http://example.com")]) == set()
    assert services_made([service("web"), service("db", "data")], "shop") == {
        ("shop", "web"),
        ("data", "db"),
    }


def test_shown_needs_from_secrets_and_services() -> None:
    manifests = {
        "api": [deployment("api", env_secret="db-password"), caller("http://cache.kv.svc")],
        "db": [secret("db-password"), service("db")],
        "cache": [service("cache")],
        "lonely": [deployment("lonely")],
    }
    namespaces = {"api": "shop", "db": "shop", "cache": "kv", "lonely": "shop"}
    assert shown_needs(manifests, namespaces) == {
        "api": {"db", "cache"},
        "db": set(),
        "cache": set(),
        "lonely": set(),
    }


def test_needs_cover_every_dependency_the_manifests_show(
    renderer: Renderer, inventory: Inventory
) -> None:
    """A release reading another's Secret or calling its Service declares it in `needs:`,
    in every environment (seedtest-api reads r-analytics' token and calls its Service)."""
    namespaces = {r.name: r.namespace for r in inventory.releases}
    for environment in inventory.environments:
        overlay = inventory.environment_overlay(environment)
        manifests = {
            r.name: list(renderer.render_release(r, overlay).objects) for r in inventory.releases
        }
        shown = shown_needs(manifests, namespaces)
        missing = {
            release: sorted(others - set(inventory.release(release).needs))
            for release, others in shown.items()
            if others - set(inventory.release(release).needs)
        }
        assert not missing, f"{environment}: add to needs: in helmfile.yaml: {missing}"
        assert shown["seedtest-api"] == {"r-analytics"}
