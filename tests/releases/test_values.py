"""chartkit.releases.values: `.Values` as helm computes them, with both pinned helms."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from chartkit.releases.render import Renderer
from chartkit.releases.values import supplied_values
from chartkit.tools.helm import Helm, HelmError
from helpers.helm_versions import HELMS
from helpers.values import ComputedValues


@pytest.mark.parametrize("helm", HELMS)
def test_files_and_set_values_coalesce_the_way_helm_does(
    computed_values: ComputedValues, repo_root: Path, tmp_path: Path, helm: str
) -> None:
    override = tmp_path / "override.yaml"
    override.write_text(
        yaml.safe_dump({"podAnnotations": {"a": "1"}, "tolerations": None, "replicaCount": 3})
    )
    values = computed_values.of(
        "r-analytics",
        ["values/r-analytics.yaml", override, "values/env/prod.yaml"],
        set_values={"podAnnotations.b": "2", "nodeSelector": {"zone": "a"}},
        helm_version=helm,
    )
    chart = yaml.safe_load((repo_root / "charts/r-analytics/values.yaml").read_text())
    release = yaml.safe_load((repo_root / "values/r-analytics.yaml").read_text())
    # a map merges key by key; null removes a key; later files win; --set-json nests
    assert values["podAnnotations"] == {"a": "1", "b": "2"}
    assert "tolerations" in chart and "tolerations" not in values
    assert values["replicaCount"] == 3
    assert values["nodeSelector"] == {"zone": "a"}
    assert values["image"] == {**chart["image"], **release.get("image", {})}
    # the overlay's global settings, and helm's copy of them for the common dependency
    assert values["global"]["environment"] == "prod"
    assert values["common"]["global"] == values["global"]


def test_both_helms_compute_the_same_values(computed_values: ComputedValues) -> None:
    files = ["values/codebeaker-prod.yaml", "values/env/dev.yaml"]
    assert computed_values.of("codebeaker", files, helm_version="4.1.4") == computed_values.of(
        "codebeaker", files, helm_version="3.18.0"
    )


def test_values_the_schema_refuses_raise_helms_error(computed_values: ComputedValues) -> None:
    with pytest.raises(HelmError, match="replicaCount"):
        computed_values.of("r-analytics", set_values={"replicaCount": "three"})


def test_each_distinct_request_runs_helm_once(
    repo_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = Helm.template_text

    def counting(self: Helm, *args: Any, **kwargs: Any) -> str:
        calls.append(args)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Helm, "template_text", counting)
    values = ComputedValues(Renderer(repo_root))
    first = values.of("eventstorming", ["values/eventstorming.yaml"])
    first["changed"] = True
    again = values.of("eventstorming", [repo_root / "values" / "eventstorming.yaml"])
    assert "changed" not in again and len(calls) == 1
    values.of("eventstorming", ["values/eventstorming.yaml"], set_values={"replicaCount": 2})
    assert len(calls) == 2


@pytest.mark.parametrize("helm", HELMS)
def test_supplied_values_merge_files_as_helm_merges_them_without_the_chart(
    renderer: Renderer, tmp_path: Path, helm: str
) -> None:
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    first.write_text(yaml.safe_dump({"a": {"b": 1, "c": [1, 2]}, "d": 1, "e": "x"}))
    second.write_text(yaml.safe_dump({"a": {"c": [3]}, "d": None, "f": {"g": True}}))
    merged = supplied_values(renderer.helm(helm), [first, second])
    # maps merge, lists and scalars are replaced, and a null stays for the chart to apply
    assert merged == {"a": {"b": 1, "c": [3]}, "d": None, "e": "x", "f": {"g": True}}
