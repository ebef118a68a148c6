"""The values a chart renders with, as helm itself computes them, for the expectations of
tests.

Helm coalesces a chart's values.yaml, each values file in order and every --set-json value
(maps merge key by key, lists and scalars are replaced, null removes a key, `global` flows
to the dependencies) and checks the result against values.schema.json. To read what it
computed, a throwaway chart is made once per chart: the chart's Chart.yaml, values.yaml,
values.schema.json and dependencies, and one template printing `.Values` as JSON. Rendering
it with `helm template` and the same files and options gives `.Values` exactly as the
chart's own templates see it, with either pinned helm and without a cluster. Each distinct
request is computed once, like the renderer's renders.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from chartkit.releases.render import Renderer
from chartkit.releases.values import VALUES_TEMPLATE, VALUES_TEMPLATE_PATH, print_values
from chartkit.tools.helm import HelmError

_COPIED = ("Chart.yaml", "Chart.lock", "values.yaml", "values.schema.json")

ValuesRequest = tuple[Path, tuple[Path, ...], str, str]


class ComputedValues:
    """`.Values` of charts rendered with given values files and --set-json values."""

    def __init__(self, renderer: Renderer) -> None:
        self.renderer = renderer
        self._workdir = tempfile.TemporaryDirectory(prefix="chartkit-values-")
        self._charts: dict[Path, Path] = {}
        self._cache: dict[ValuesRequest, dict[str, Any] | HelmError] = {}

    def of(
        self,
        chart: str | Path,
        values_files: Iterable[str | Path] = (),
        set_values: Mapping[str, Any] | None = None,
        helm_version: str | None = None,
    ) -> dict[str, Any]:
        """The chart's `.Values`; HelmError when helm refuses the values (cached too)."""
        request: ValuesRequest = (
            self.renderer.chart_path(chart),
            tuple(self._path(f) for f in values_files),
            json.dumps(dict(set_values or {}), sort_keys=True),
            helm_version or self.renderer.toolbox.default_helm_version(),
        )
        if request not in self._cache:
            self._cache[request] = self._compute(request)
        result = self._cache[request]
        if isinstance(result, HelmError):
            raise result
        return json.loads(json.dumps(result))  # a copy the caller may change

    def _path(self, path: str | Path) -> Path:
        candidate = Path(path)
        return (candidate if candidate.is_absolute() else self.renderer.root / candidate).resolve()

    def _compute(self, request: ValuesRequest) -> dict[str, Any] | HelmError:
        chart, values_files, set_values_json, helm_version = request
        try:
            return print_values(
                self.renderer.helm(helm_version),
                self._values_chart(chart),
                values_files,
                json.loads(set_values_json),
            )
        except HelmError as error:
            return error

    def _values_chart(self, chart: Path) -> Path:
        """The throwaway chart of `chart`, made on first use."""
        if chart not in self._charts:
            copy = Path(self._workdir.name) / str(len(self._charts)) / chart.name
            (copy / VALUES_TEMPLATE_PATH).parent.mkdir(parents=True)
            for name in _COPIED:
                if (chart / name).exists():
                    shutil.copyfile(chart / name, copy / name)
            if (chart / "charts").is_dir():
                (copy / "charts").mkdir()
                for dependency in (chart / "charts").iterdir():
                    (copy / "charts" / dependency.name).symlink_to(dependency.resolve())
            (copy / VALUES_TEMPLATE_PATH).write_text(VALUES_TEMPLATE)
            self._charts[chart] = copy
        return self._charts[chart]
