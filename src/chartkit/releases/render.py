"""Render releases and charts with a pinned helm, caching each distinct render.

One Renderer serves a whole run (a CLI call or a test session): the same chart, values and
options are rendered once, whoever asks. Renders run in a pool of helm processes, one per
core by default: `prefetch` starts renders that are asked for later, so a caller checking
releases one after the other keeps every core busy and still sees them in its own order.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chartkit.releases.crds import crd_catalog, crd_catalog_key
from chartkit.releases.inventory import Overlay, Release
from chartkit.releases.manifest import Manifest
from chartkit.tools.disk_cache import DiskCache
from chartkit.tools.go_runtime import short_run_env
from chartkit.tools.head_start import HeadStart, available_cores
from chartkit.tools.helm import Helm, HelmError, parse_objects
from chartkit.tools.toolbox import Toolbox
from chartkit.tools.worker_pool import Pending, WorkerPool

if TYPE_CHECKING:  # the tests' cache: the commands never load it
    from chartkit.releases.render_cache import RenderCache

ReleaseRender = tuple[Release, Overlay | None, str | None]  # release, overlay, helm version


@dataclass(frozen=True)
class RenderRequest:
    chart: Path
    release: str
    namespace: str = "default"
    values_files: tuple[Path, ...] = ()
    set_values_json: str = "{}"  # JSON, so the request is hashable
    api_versions: tuple[str, ...] = ()
    helm_version: str = ""


def crd_api_versions(crd_dir: Path, cache: DiskCache | None = None) -> tuple[str, ...]:
    """API versions ("group/version" and "group/version/Kind") the CRDs in crd_dir serve
    (an entry of its own in the disk cache: every render needs them before helm starts)."""
    cache = cache or DiskCache(None)
    key = crd_catalog_key(crd_dir, cache)

    def build() -> list[str]:
        found: set[str] = set()
        for served in crd_catalog(crd_dir, cache, key):
            found.add(served.api_version)
            found.add(f"{served.api_version}/{served.kind}")
        return sorted(found)

    return tuple(cache.json("crd-api-versions", key, build))


def default_workers() -> int:
    """One helm process per core this process may run on."""
    return available_cores()


class Renderer:
    """Renders charts and inventory releases, once per distinct request."""

    def __init__(
        self,
        root: Path,
        toolbox: Toolbox | None = None,
        disk_cache: DiskCache | None = None,
        workers: int | None = None,
        render_cache: RenderCache | None = None,
        head_start: HeadStart | None = None,
    ) -> None:
        """render_cache: keep helm's answers on disk between runs (the test suite's choice;
        chartkit's commands render anew every time). head_start: the helm runs the program
        started early (chartkit.tools.head_start), each used when a render is that run."""
        self.root = root
        self.render_cache = render_cache
        self.head_start = head_start
        self.toolbox = toolbox or Toolbox(root)
        self.disk_cache = disk_cache or DiskCache.of_repository(root)
        self.workers = workers or default_workers()
        if head_start is not None:
            head_start.plan_at_most(self.workers)
        self._helms: dict[str, Helm] = {}
        self._renders: dict[RenderRequest, Pending[Manifest | HelmError]] = {}
        self._lock = threading.Lock()
        self._pool: WorkerPool | None = None
        self._platform_api_versions: tuple[str, ...] | None = None
        self._default_helm_version: str | None = None

    def helm(self, version: str | None = None) -> Helm:
        version = version or self.default_helm_version
        with self._lock:
            if version not in self._helms:
                # template and lint: short runs (chartkit.tools.go_runtime)
                binary = self.toolbox.helm(version)
                self._helms[version] = Helm(
                    binary, extra_env=short_run_env(), head_start=self.head_start
                )
            return self._helms[version]

    @property
    def default_helm_version(self) -> str:
        if self._default_helm_version is None:
            self._default_helm_version = self.toolbox.default_helm_version()
        return self._default_helm_version

    @property
    def platform_api_versions(self) -> tuple[str, ...]:
        """API versions of the operators the platform runs (the CRDs in ci/crds)."""
        if self._platform_api_versions is None:
            self._platform_api_versions = crd_api_versions(
                self.root / "ci" / "crds", self.disk_cache
            )
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
            helm_version=helm_version or self.default_helm_version,
        )
        return self._result(request)

    def render_release(
        self, release: Release, overlay: Overlay | None = None, helm_version: str | None = None
    ) -> Manifest:
        """Render an inventory release as `helm upgrade --install` would, on the platform."""
        return self._result(self._release_request(release, overlay, helm_version))

    def prefetch(self, renders: Iterable[ReleaseRender]) -> None:
        """Start rendering these releases in the pool, in order; render_release returns
        each when it is done."""
        for release, overlay, helm_version in renders:
            self._pending(self._release_request(release, overlay, helm_version))

    def close(self) -> None:
        """Stop the pool: renders not started are dropped, running ones finish."""
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown()
                self._pool = None

    def rendered(
        self, release: Release, overlay: Overlay | None = None, helm_version: str | None = None
    ) -> bool:
        """Whether render_release would return at once (starting the render if need be)."""
        return self._pending(self._release_request(release, overlay, helm_version)).done()

    def _release_request(
        self, release: Release, overlay: Overlay | None, helm_version: str | None
    ) -> RenderRequest:
        values = list(release.values) + ([overlay.path] if overlay else [])
        return RenderRequest(
            chart=self.chart_path(release.chart),
            release=release.name,
            namespace=release.namespace,
            values_files=tuple(self._values_path(v) for v in values),
            api_versions=self.platform_api_versions,
            helm_version=helm_version or self.default_helm_version,
        )

    def _pending(self, request: RenderRequest) -> Pending[Manifest | HelmError]:
        with self._lock:
            if request not in self._renders:
                if self._pool is None:
                    self._pool = WorkerPool(self.workers, name="helm")
                self._renders[request] = self._pool.submit(lambda: self._render(request))
            return self._renders[request]

    def _result(self, request: RenderRequest) -> Manifest:
        result = self._pending(request).result()
        if isinstance(result, HelmError):
            raise result
        return result

    def _values_path(self, path: str | Path) -> Path:
        candidate = Path(path)
        return (candidate if candidate.is_absolute() else self.root / candidate).resolve()

    def _render(self, request: RenderRequest) -> Manifest | HelmError:
        helm = self.helm(request.helm_version)
        key = self._cache_key(helm, request)
        answer = self._cached_answer(key, helm, request) if key else self._answer(helm, request)
        if isinstance(answer, HelmError):
            return answer
        return Manifest(objects=tuple(parse_objects(answer)))

    def _answer(self, helm: Helm, request: RenderRequest) -> str | HelmError:
        """helm's stdout, or its refusal."""
        try:
            return helm.template_text(
                request.chart,
                request.release,
                namespace=request.namespace,
                values_files=request.values_files,
                set_values=json.loads(request.set_values_json),
                api_versions=request.api_versions,
            )
        except HelmError as error:
            return error

    def _cached_answer(self, key: str, helm: Helm, request: RenderRequest) -> str | HelmError:
        """helm's answer through the render cache (a killed or timed-out helm says nothing
        of the chart, so it is not kept)."""
        from chartkit.releases.render_cache import CachedRefusal

        assert self.render_cache is not None
        answer = self.render_cache.read(key)
        if answer is None:
            answer = self._answer(helm, request)
            if isinstance(answer, HelmError):
                if answer.returncode < 0:
                    return answer
                answer = CachedRefusal(tuple(answer.command), answer.returncode, answer.stderr)
            self.render_cache.write(key, answer)
        if isinstance(answer, CachedRefusal):
            return HelmError(answer.command, answer.returncode, answer.stderr)
        return answer

    def _cache_key(self, helm: Helm, request: RenderRequest) -> str | None:
        """The render cache's key for the request; None without a cache, for a chart or
        values file outside the repository (a test's temporary file, written anew by every
        run), or when a file it reads is gone (helm then says what is missing)."""
        if self.render_cache is None:
            return None
        root = self.root.resolve()
        if not all(path.is_relative_to(root) for path in (request.chart, *request.values_files)):
            return None
        try:
            return self.render_cache.key(
                helm.binary,
                request.chart,
                request.values_files,
                request.release,
                request.namespace,
                request.set_values_json,
                "\n".join(request.api_versions),
                request.helm_version,
            )
        except OSError:
            return None
