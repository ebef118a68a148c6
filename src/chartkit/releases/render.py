"""Render releases and charts with a pinned helm, caching each distinct render.

One Renderer serves a whole run (a CLI call or a test session): the same chart, values and
options are rendered once, whoever asks.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chartkit.releases.crds import read_crds, served_versions
from chartkit.releases.inventory import Overlay, Release
from chartkit.releases.manifest import Manifest
from chartkit.tools.helm import Helm, HelmError
from chartkit.tools.toolbox import Toolbox


@dataclass(frozen=True)
class RenderRequest:
    chart: Path
    release: str
    namespace: str = "default"
    values_files: tuple[Path, ...] = ()
    set_values_json: str = "{}"  # JSON, so the request is hashable
    api_versions: tuple[str, ...] = ()
    helm_version: str = ""


def crd_api_versions(crd_dir: Path) -> tuple[str, ...]:
    """API versions ("group/version" and "group/version/Kind") the CRDs in crd_dir serve."""
    found: set[str] = set()
    for crd in read_crds(crd_dir):
        spec = crd["spec"]
        for version in served_versions(crd):
            group_version = f"{spec['group']}/{version['name']}"
            found.add(group_version)
            found.add(f"{group_version}/{spec['names']['kind']}")
    return tuple(sorted(found))


class Renderer:
    """Renders charts and inventory releases, once per distinct request."""

    def __init__(self, root: Path, toolbox: Toolbox | None = None) -> None:
        self.root = root
        self.toolbox = toolbox or Toolbox(root)
        self._helms: dict[str, Helm] = {}
        self._cache: dict[RenderRequest, Manifest | HelmError] = {}
        self._platform_api_versions: tuple[str, ...] | None = None

    def helm(self, version: str | None = None) -> Helm:
        version = version or self.toolbox.default_helm_version()
        if version not in self._helms:
            self._helms[version] = Helm(self.toolbox.helm(version))
        return self._helms[version]

    @property
    def platform_api_versions(self) -> tuple[str, ...]:
        """API versions of the operators the platform runs (the CRDs in ci/crds)."""
        if self._platform_api_versions is None:
            self._platform_api_versions = crd_api_versions(self.root / "ci" / "crds")
        return self._platform_api_versions

    def chart_path(self, chart: str | Path) -> Path:
        path = Path(chart)
        if not path.is_absolute():
            path = self.root / "charts" / path if len(path.parts) == 1 else self.root / path
        return path.resolve()

    def render(
        self,
        chart: str | Path,
        release: str | None = None,
        namespace: str = "default",
        values_files: Iterable[str | Path] = (),
        set_values: Mapping[str, Any] | None = None,
        api_versions: Iterable[str] = (),
        helm_version: str | None = None,
    ) -> Manifest:
        """Render a chart; raise HelmError when helm refuses (failures are cached too)."""
        chart_path = self.chart_path(chart)
        request = RenderRequest(
            chart=chart_path,
            release=release or chart_path.name,
            namespace=namespace,
            values_files=tuple(self._values_path(v) for v in values_files),
            set_values_json=json.dumps(dict(set_values or {}), sort_keys=True),
            api_versions=tuple(api_versions),
            helm_version=helm_version or self.toolbox.default_helm_version(),
        )
        if request not in self._cache:
            self._cache[request] = self._render(request)
        result = self._cache[request]
        if isinstance(result, HelmError):
            raise result
        return result

    def render_release(
        self, release: Release, overlay: Overlay | None = None, helm_version: str | None = None
    ) -> Manifest:
        """Render an inventory release as `helm upgrade --install` would, on the platform."""
        values = list(release.values) + ([overlay.path] if overlay else [])
        return self.render(
            release.chart,
            release=release.name,
            namespace=release.namespace,
            values_files=values,
            api_versions=self.platform_api_versions,
            helm_version=helm_version,
        )

    def _values_path(self, path: str | Path) -> Path:
        candidate = Path(path)
        return (candidate if candidate.is_absolute() else self.root / candidate).resolve()

    def _render(self, request: RenderRequest) -> Manifest | HelmError:
        try:
            objects = self.helm(request.helm_version).template(
                request.chart,
                request.release,
                namespace=request.namespace,
                values_files=request.values_files,
                set_values=json.loads(request.set_values_json),
                api_versions=request.api_versions,
            )
        except HelmError as error:
            return error
        return Manifest(objects=tuple(objects))
