"""The release a chart test module renders, declared once as a pytest fixture:

    chart_under_test = chart_release_fixture("api", "values/univprepai.yaml",
                                             release="univprepai-api", namespace="univprepai")

tests/charts/conftest.py gives that module's tests `render`, `refuse`, `chart_values` and
`renamed` (its chart's renamed-keys.yaml) of it.

Imported by the tests in this directory as `chart_fixtures` (pytest puts it on sys.path)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


def chart_release_fixture(chart: str, *values_files: str, release: str, namespace: str) -> Any:
    """A session fixture, the chart rendered as `release` in `namespace` from the values files
    (the `ChartRelease` of tests/conftest.py); assign it to `chart_under_test`."""

    @pytest.fixture(scope="session")
    def chart_under_test(chart_release: Callable[..., Any]) -> Any:
        return chart_release(chart, *values_files, release=release, namespace=namespace)

    return chart_under_test
