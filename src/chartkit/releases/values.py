"""Values as helm itself reads them, printed by helm rather than merged here.

Helm merges the values files given with -f in order (maps key by key, everything else
replaced), then coalesces the result with the chart's values.yaml (where null removes a
key), hands `global` to the dependencies and checks values.schema.json. A chart whose one
template prints `.Values` as JSON shows what helm made of it, with either pinned helm and
without a cluster:

- `print_values`: `.Values` of such a chart rendered with the given files and values;
- `supplied_values`: the values files merged as helm merges -f files, before any chart's
  defaults (what `helm get values` shows for the release), printed by a throwaway chart
  without defaults: the inline values of a Flux HelmRelease.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from chartkit.tools.helm import Helm

# The template that prints .Values, and where a throwaway chart keeps it.
VALUES_TEMPLATE = "{{ toJson .Values }}\n"
VALUES_TEMPLATE_PATH = Path("templates") / "printed-values.json"


def print_values(
    helm: Helm,
    chart: Path,
    values_files: Iterable[Path | str] = (),
    set_values: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """`.Values` of `chart`, whose only template is VALUES_TEMPLATE; HelmError when helm
    refuses the values."""
    text = helm.template_text(chart, chart.name, values_files=values_files, set_values=set_values)
    document = "\n".join(
        line for line in text.splitlines() if line.strip() and not line.startswith(("---", "#"))
    )
    return dict(json.loads(document))


def supplied_values(helm: Helm, values_files: Iterable[Path | str]) -> dict[str, Any]:
    """The values files merged as helm merges -f files, nulls kept, no chart's defaults."""
    with tempfile.TemporaryDirectory(prefix="chartkit-values-") as workdir:
        chart = Path(workdir) / "values"
        (chart / VALUES_TEMPLATE_PATH).parent.mkdir(parents=True)
        (chart / "Chart.yaml").write_text("apiVersion: v2\nname: values\nversion: 0.0.0\n")
        (chart / VALUES_TEMPLATE_PATH).write_text(VALUES_TEMPLATE)
        return print_values(helm, chart, list(values_files))
