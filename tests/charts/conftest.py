"""Fixtures of the chart tests: what a module's tests take from the release it declares as
`chart_under_test` (chart_fixtures.chart_release_fixture), and the one schema validator.

The release's fixtures are module-scoped: each test module has its own `chart_under_test`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from refusals import renamed_keys

from chartkit.checks.schema import SchemaValidator
from chartkit.releases.manifest import Manifest
from chartkit.releases.render import Renderer


@pytest.fixture(scope="module")
def render(chart_under_test) -> Callable[..., Manifest]:
    """render(*overlays, set_values={...}, helm=...): the module's release rendered."""
    return chart_under_test.render


@pytest.fixture(scope="module")
def refuse(chart_under_test) -> Callable[..., str]:
    """refuse(set_values, *overlays, helm=...): helm's error; fails the test if it renders."""
    return chart_under_test.refuse


@pytest.fixture(scope="module")
def chart_values(chart_under_test) -> Callable[..., dict[str, Any]]:
    """chart_values(*overlays, set_values={...}): `.Values` as helm computes them."""
    return chart_under_test.values


@pytest.fixture(scope="module")
def renamed(chart_under_test, repo_root) -> list[dict[str, Any]]:
    """The entries of the module's chart's renamed-keys.yaml."""
    return renamed_keys(repo_root / "charts" / chart_under_test.chart)


@pytest.fixture(scope="session")
def validator(renderer: Renderer) -> SchemaValidator:
    """Strict validation against the pinned Kubernetes versions' schemas and ci/crds."""
    return SchemaValidator(renderer.toolbox.pins["validate_kubernetes"], renderer.root / "ci/crds")
