"""Shared fixtures: one Renderer per test session, so every distinct render happens once."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chartkit.releases.inventory import Inventory, find_root, load
from chartkit.releases.manifest import Manifest
from chartkit.releases.render import Renderer
from chartkit.releases.render_cache import RenderCache
from chartkit.tools.answer_store import AnswerStore
from chartkit.tools.disk_cache import CACHE_DIR
from chartkit.tools.helm import HelmError
from helpers.promtool import Promtool
from helpers.values import ComputedValues

REPO_ROOT = find_root(Path(__file__).parent)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def inventory() -> Inventory:
    return load(REPO_ROOT)


def answers_directory() -> Path | None:
    """Where helm's renders and promtool's test results are kept between sessions, keyed by
    every file they come from (chartkit.releases.render_cache, helpers.promtool):
    .cache/chartkit/, or the directory CHARTKIT_TEST_CACHE names; CHARTKIT_TEST_CACHE=off
    runs every render and promtool test anew."""
    chosen = os.environ.get("CHARTKIT_TEST_CACHE", "")
    if chosen.lower() == "off":
        return None
    return Path(chosen) if chosen else REPO_ROOT / CACHE_DIR


@pytest.fixture(scope="session")
def promtool() -> Promtool:
    directory = answers_directory()
    return Promtool(answers=AnswerStore(directory / "promtool") if directory else None)


@pytest.fixture(scope="session")
def renderer() -> Renderer:
    directory = answers_directory()
    return Renderer(
        REPO_ROOT, render_cache=RenderCache(directory / "renders") if directory else None
    )


@pytest.fixture(scope="session")
def computed_values(renderer: Renderer) -> ComputedValues:
    """computed_values.of("api", ["values/x.yaml"], set_values={...}): .Values by helm."""
    return ComputedValues(renderer)


RenderChart = Callable[..., Manifest]


@pytest.fixture(scope="session")
def render_chart(renderer: Renderer) -> RenderChart:
    """render_chart("api", "values/x.yaml", set_values={...}, release=..., namespace=...)."""

    def render(
        chart: str,
        *values_files: str,
        set_values: dict[str, Any] | None = None,
        release: str | None = None,
        namespace: str = "default",
        api_versions: tuple[str, ...] = (),
        helm: str | None = None,
    ) -> Manifest:
        return renderer.render(
            chart,
            release=release,
            namespace=namespace,
            values_files=values_files,
            set_values=set_values,
            api_versions=api_versions,
            helm_version=helm,
        )

    return render


@pytest.fixture(scope="session")
def render_release(renderer: Renderer, inventory: Inventory) -> Callable[..., Manifest]:
    """render_release("univprepai-api", overlay="prod", helm="3.18.0")."""

    def render(release: str, overlay: str | None = None, helm: str | None = None) -> Manifest:
        chosen = inventory.overlay(overlay) if overlay else None
        return renderer.render_release(inventory.release(release), chosen, helm)

    return render


@dataclass(frozen=True)
class ChartRelease:
    """One chart rendered as one release from its values files, with overlays and
    --set-json values on top: what most chart tests vary."""

    render_chart: RenderChart
    computed_values: ComputedValues
    chart: str
    values_files: tuple[str, ...]
    release: str
    namespace: str

    def render(
        self, *overlays: str, set_values: dict[str, Any] | None = None, helm: str | None = None
    ) -> Manifest:
        return self.render_chart(
            self.chart,
            *self.values_files,
            *overlays,
            set_values=set_values,
            release=self.release,
            namespace=self.namespace,
            helm=helm,
        )

    def values(
        self, *overlays: str, set_values: dict[str, Any] | None = None, helm: str | None = None
    ) -> dict[str, Any]:
        """`.Values` as helm computes them for the same files and --set-json values."""
        files = [*self.values_files, *overlays]
        return self.computed_values.of(self.chart, files, set_values=set_values, helm_version=helm)

    def refuse(self, set_values: dict[str, Any], *overlays: str, helm: str | None = None) -> str:
        """helm's error for values it must refuse; fails the test if it renders."""
        try:
            manifest = self.render(*overlays, set_values=set_values, helm=helm)
        except HelmError as error:
            return error.stderr
        kinds = dict(manifest.kinds())
        raise AssertionError(f"expected helm to refuse {set_values}, but it rendered {kinds}")


@pytest.fixture(scope="session")
def chart_release(
    render_chart: RenderChart, computed_values: ComputedValues
) -> Callable[..., ChartRelease]:
    """chart_release("api", "values/univprepai.yaml", release=..., namespace=...)."""

    def make(chart: str, *values: str, release: str, namespace: str) -> ChartRelease:
        return ChartRelease(render_chart, computed_values, chart, values, release, namespace)

    return make


@pytest.fixture(scope="session")
def chart_error(render_chart: RenderChart) -> Callable[..., str]:
    """Render expecting helm to refuse; return its error text."""

    def expect_error(chart: str, *values_files: str, **options: Any) -> str:
        try:
            manifest = render_chart(chart, *values_files, **options)
        except HelmError as error:
            return error.stderr
        kinds = dict(manifest.kinds())
        raise AssertionError(f"expected helm to refuse these values, but it rendered {kinds}")

    return expect_error
