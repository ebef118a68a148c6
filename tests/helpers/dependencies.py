"""What one release's rendered objects need from another's: the Secrets its pods read and the
Services it calls (a `<service>.<namespace>.svc` address in its objects), against the
Secrets and Services the other creates.

`needs:` in helmfile.yaml must cover every such dependency (tests/releases/test_dependencies.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence

from chartkit.releases.manifest import Object, containers, is_workload, pod_spec

# <service>.<namespace>.svc, as in http://r-analytics.seedtest.svc.cluster.local:80
_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
_SERVICE_ADDRESS = re.compile(rf"\b({_LABEL})\.({_LABEL})\.svc\b")


def _namespace(obj: Object, default: str) -> str:
    return str((obj.get("metadata") or {}).get("namespace") or default)


def secrets_made(objects: Iterable[Object], namespace: str) -> set[tuple[str, str]]:
    """(namespace, name) of Secrets the objects create, directly or via ExternalSecrets."""
    made: set[tuple[str, str]] = set()
    for obj in objects:
        name = (obj.get("metadata") or {}).get("name")
        if obj.get("kind") == "Secret" and name:
            made.add((_namespace(obj, namespace), str(name)))
        elif obj.get("kind") == "ExternalSecret":
            target = ((obj.get("spec") or {}).get("target") or {}).get("name") or name
            if target:
                made.add((_namespace(obj, namespace), str(target)))
    return made


def secrets_read(objects: Iterable[Object], namespace: str) -> set[tuple[str, str]]:
    """(namespace, name) of Secrets the objects' pods read (env, envFrom, volumes)."""
    read: set[tuple[str, str]] = set()
    for obj in objects:
        if not is_workload(obj):
            continue
        where = _namespace(obj, namespace)
        spec = pod_spec(obj)
        for volume in spec.get("volumes") or []:
            if "secret" in volume:
                read.add((where, str(volume["secret"].get("secretName"))))
            for source in (volume.get("projected") or {}).get("sources") or []:
                if "secret" in source:
                    read.add((where, str(source["secret"].get("name"))))
        for container in containers(obj, include_init=True):
            for item in container.get("env") or []:
                ref = (item.get("valueFrom") or {}).get("secretKeyRef")
                if ref and not ref.get("optional"):
                    read.add((where, str(ref.get("name"))))
            for item in container.get("envFrom") or []:
                ref = item.get("secretRef")
                if ref and not ref.get("optional"):
                    read.add((where, str(ref.get("name"))))
    return read


def services_made(objects: Iterable[Object], namespace: str) -> set[tuple[str, str]]:
    return {
        (_namespace(obj, namespace), str(obj["metadata"]["name"]))
        for obj in objects
        if obj.get("kind") == "Service" and (obj.get("metadata") or {}).get("name")
    }


def services_called(objects: Iterable[Object]) -> set[tuple[str, str]]:
    """(namespace, name) of every `<name>.<namespace>.svc` address in the objects."""
    text = json.dumps(list(objects))
    return {(namespace, name) for name, namespace in _SERVICE_ADDRESS.findall(text)}


def shown_needs(
    manifests: Mapping[str, Sequence[Object]], namespaces: Mapping[str, str]
) -> dict[str, set[str]]:
    """release -> the other releases whose Secrets it reads or whose Services it calls."""
    made = {
        r: secrets_made(objects, namespaces[r]) | services_made(objects, namespaces[r])
        for r, objects in manifests.items()
    }
    needs: dict[str, set[str]] = {}
    for release, objects in manifests.items():
        wanted = secrets_read(objects, namespaces[release]) | services_called(objects)
        needs[release] = {other for other in manifests if other != release and wanted & made[other]}
    return needs
