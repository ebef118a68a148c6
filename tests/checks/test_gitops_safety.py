"""The charts are safe to deploy from Git: no lookup, no random or time-based values, no
install/upgrade branches (a scan of every template), and every release renders the same
bytes twice in a row."""

from __future__ import annotations

from pathlib import Path

import pytest

from chartkit.checks.gitops_safety import HAZARDS, hazards_in, template_files, template_hazards
from chartkit.releases.inventory import Inventory, load
from chartkit.releases.render import Renderer

ROOT = Path(__file__).resolve().parents[2]


def test_no_chart_template_uses_lookup_randomness_time_or_the_install_state() -> None:
    assert [str(h) for h in template_hazards(ROOT)] == []


def test_every_chart_template_is_scanned_once() -> None:
    files = [p.relative_to(ROOT).as_posix() for p in template_files(ROOT / "charts")]
    assert "charts/common/templates/_global.tpl" in files
    assert "charts/api/templates/rollout.yaml" in files
    assert not [f for f in files if "/charts/common/" in f.removeprefix("charts/common/")]
    assert all(f.split("/")[2] == "templates" for f in files)


@pytest.mark.parametrize("function", sorted(HAZARDS))
def test_each_hazard_is_found_in_a_template_action(function: str) -> None:
    text = f"kind: Secret\ndata:\n  x: {{{{ {function} | b64enc }}}}\n"
    assert hazards_in(text) == [(3, function)]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("{{/* lookup is not used here, nor now */}}", id="comment"),
        pytest.param('{{- $s := "now=`date +%s` && lookup" -}}', id="string-literal"),
        pytest.param("{{ $ctx.now }} {{ .Values.lookup }}", id="fields-named-like-functions"),
        pytest.param("lookup: now\nrandAlphaNum: true\n", id="yaml-outside-actions"),
        pytest.param("{{ .Release.Name }} {{ .Release.Namespace }}", id="stable-release-fields"),
    ],
)
def test_text_outside_function_calls_is_not_a_hazard(text: str) -> None:
    assert hazards_in(text) == []


def test_install_state_is_found_through_any_root() -> None:
    text = "{{ if $.Release.IsUpgrade }}x{{ end }}\n{{ $root.Release.Revision }}"
    assert hazards_in(text) == [(1, ".Release.IsUpgrade"), (2, ".Release.Revision")]


RELEASES = [r.name for r in load(ROOT).releases]


@pytest.mark.parametrize("name", RELEASES)
def test_every_release_renders_byte_identically_twice(
    name: str, renderer: Renderer, inventory: Inventory
) -> None:
    """What Argo CD compares on every refresh: two renders of the same commit. With the prod
    overlay, which turns every optional part on (PDBs, alert rules, spread); the scan above
    covers the branches a render does not take."""
    release = inventory.release(name)
    values = [*release.values, inventory.overlay("prod").path]
    renders = [
        renderer.helm().template_text(
            release.chart,
            release.name,
            namespace=release.namespace,
            values_files=values,
            api_versions=renderer.platform_api_versions,
        )
        for _ in range(2)
    ]
    assert renders[0] and renders[0] == renders[1], f"{name} renders differently each time"
