"""Unit tests for chartkit.releases.render: CRD API versions and the Renderer's render cache."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Any

import pytest

from chartkit.releases.inventory import Overlay, Release
from chartkit.releases.manifest import Manifest
from chartkit.releases.render import Renderer, crd_api_versions
from chartkit.tools.disk_cache import DiskCache
from chartkit.tools.helm import Helm, HelmError
from chartkit.tools.toolbox import Toolbox
from chartkit.tools.worker_pool import Cancelled
from helpers.fake_helm import helm_calls, install_fake_helm, write

# A fake helm: appends "<version> <argv>" to .tools/helm/calls, prints one ConfigMap named
# after the release, and fails for any chart whose path contains "broken".
FAKE_HELM = """\
#!/bin/sh
here=$(dirname "$0")
echo "$(basename "$here") $*" >> "$here/../calls"
case "$3" in
  *broken*) echo "Error: template: broken/templates/x.yaml: boom" >&2; exit 1 ;;
esac
printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: %s\\n---\\n' "$2"
"""

CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v2
      served: true
      storage: true
    - name: v1
      served: false
      storage: false
---
apiVersion: v1
kind: ConfigMap
metadata: {name: not-a-crd}
---
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    install_fake_helm(tmp_path, FAKE_HELM)
    write(tmp_path / "ci/crds/widgets.yaml", CRD)
    write(tmp_path / "ci/crds/README.md", "kind: CustomResourceDefinition\n")
    for chart in ("web", "broken"):
        write(tmp_path / f"charts/{chart}/Chart.yaml", f"apiVersion: v2\nname: {chart}\n")
    write(tmp_path / "values/a.yaml", "{}\n")
    write(tmp_path / "values/env/prod.yaml", "{}\n")
    return tmp_path


# -- crd_api_versions ---------------------------------------------------------------------------


def test_crd_api_versions_of_the_pinned_crds(repo_root: Path) -> None:
    found = crd_api_versions(repo_root / "ci" / "crds", DiskCache.of_repository(repo_root))
    assert found == tuple(sorted(set(found)))
    assert {
        "argoproj.io/v1alpha1",
        "argoproj.io/v1alpha1/Rollout",
        "argoproj.io/v1alpha1/AnalysisTemplate",
        "monitoring.coreos.com/v1",
        "monitoring.coreos.com/v1/ServiceMonitor",
        "monitoring.coreos.com/v1/PodMonitor",
        "monitoring.coreos.com/v1/PrometheusRule",
        "external-secrets.io/v1",
        "external-secrets.io/v1/ExternalSecret",
        "external-secrets.io/v1/SecretStore",
        "external-secrets.io/v1/ClusterSecretStore",
    } <= set(found)
    # v1beta1 is still in the external-secrets CRDs, but no longer served
    assert not [v for v in found if v.startswith("external-secrets.io/v1beta1")]


def test_crd_api_versions_lists_served_versions_and_kinds_only(root: Path) -> None:
    assert crd_api_versions(root / "ci" / "crds") == (
        "example.com/v2",
        "example.com/v2/Widget",
    )


def test_crd_api_versions_of_an_empty_directory(tmp_path: Path) -> None:
    assert crd_api_versions(tmp_path) == ()


# -- the render cache ---------------------------------------------------------------------------


def test_same_request_renders_once(root: Path) -> None:
    renderer = Renderer(root)
    first = renderer.render("web")
    assert isinstance(first, Manifest)
    assert first.names("ConfigMap") == ["web"]
    assert renderer.render("web") is first
    assert renderer.render("charts/web", release="web", namespace="default") is first
    assert renderer.render(root / "charts/web", helm_version="0.0.1") is first
    assert helm_calls(root) == [f"0.0.1 template web {root / 'charts/web'} --namespace default"]


def test_set_values_key_order_does_not_matter(root: Path) -> None:
    renderer = Renderer(root)
    first = renderer.render("web", set_values={"a": 1, "b": {"c": [1, 2]}})
    assert renderer.render("web", set_values={"b": {"c": [1, 2]}, "a": 1}) is first
    assert len(helm_calls(root)) == 1
    renderer.render("web", set_values={"a": 2, "b": {"c": [1, 2]}})
    assert len(helm_calls(root)) == 2


def test_values_paths_are_resolved_against_the_root(root: Path) -> None:
    renderer = Renderer(root)
    first = renderer.render("web", values_files=["values/a.yaml"])
    assert renderer.render("web", values_files=[root / "values/a.yaml"]) is first
    (call,) = helm_calls(root)
    assert f"--values {root / 'values/a.yaml'}" in call


@pytest.mark.parametrize(
    "change",
    [
        {"release": "other"},
        {"namespace": "shop"},
        {"values_files": ["values/env/prod.yaml"]},
        {"set_values": {"a": 1}},
        {"api_versions": ["example.com/v2"]},
        {"helm_version": "0.0.2"},
    ],
    ids=lambda change: next(iter(change)),
)
def test_each_option_is_part_of_the_request(root: Path, change: dict[str, Any]) -> None:
    renderer = Renderer(root)
    base = renderer.render("web")
    changed = renderer.render("web", **change)
    assert changed is not base
    assert len(helm_calls(root)) == 2
    assert renderer.render("web", **change) is changed
    assert len(helm_calls(root)) == 2


def test_helm_version_selects_the_binary(root: Path) -> None:
    renderer = Renderer(root)
    renderer.render("web", helm_version="0.0.2")
    renderer.render("web")
    assert [call.split()[0] for call in helm_calls(root)] == ["0.0.2", "0.0.1"]
    assert renderer.helm("0.0.2") is renderer.helm("0.0.2")


def test_render_failures_are_cached_and_raised_again(root: Path) -> None:
    renderer = Renderer(root)
    with pytest.raises(HelmError) as first:
        renderer.render("broken")
    with pytest.raises(HelmError) as second:
        renderer.render("broken")
    assert second.value is first.value
    assert "broken/templates/x.yaml: boom" in first.value.stderr
    assert len(helm_calls(root)) == 1


def test_render_release_uses_overlay_last_and_the_platform_api_versions(root: Path) -> None:
    renderer = Renderer(root)
    release = Release(
        name="web-prod",
        namespace="shop",
        chart=(root / "charts/web").resolve(),
        values=((root / "values/a.yaml").resolve(),),
    )
    overlay = Overlay("prod", root / "values/env/prod.yaml")
    manifest = renderer.render_release(release, overlay)
    assert manifest.names("ConfigMap") == ["web-prod"]
    assert renderer.render_release(release, overlay) is manifest
    (call,) = helm_calls(root)
    assert call == (
        f"0.0.1 template web-prod {root / 'charts/web'} --namespace shop"
        f" --values {root / 'values/a.yaml'} --values {root / 'values/env/prod.yaml'}"
        " --api-versions example.com/v2 --api-versions example.com/v2/Widget"
    )
    renderer.render_release(release, None, helm_version="0.0.2")
    assert helm_calls(root)[1].startswith("0.0.2 template web-prod ")
    assert "env/prod.yaml" not in helm_calls(root)[1]


def test_chart_path(root: Path) -> None:
    renderer = Renderer(root)
    assert renderer.chart_path("web") == (root / "charts/web").resolve()
    assert renderer.chart_path("charts/web") == (root / "charts/web").resolve()
    assert renderer.chart_path(root / "elsewhere") == (root / "elsewhere").resolve()


def test_renderer_with_real_helm_renders_each_request_once(
    repo_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chart = tmp_path / "tiny"
    write(chart / "Chart.yaml", "apiVersion: v2\nname: tiny\nversion: 0.1.0\n")
    write(
        chart / "templates/cm.yaml",
        textwrap.dedent(
            """\
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: {{ .Release.Name }}
            data:
              size: {{ .Values.size | default "small" | quote }}
            """
        ),
    )
    rendered: list[tuple[str, str]] = []
    original = Helm.template_text

    def counting(self: Helm, chart: Any, release: str, **options: Any) -> Any:
        rendered.append((self.binary.parent.name, release))
        return original(self, chart, release, **options)

    monkeypatch.setattr(Helm, "template_text", counting)
    renderer = Renderer(repo_root)
    default = Toolbox(repo_root).default_helm_version()
    small = renderer.render(chart, release="demo")
    assert renderer.render(chart, release="demo") is small
    large = renderer.render(chart, release="demo", set_values={"size": "large"})
    assert small.get("ConfigMap", "demo")["data"] == {"size": "small"}
    assert large.get("ConfigMap", "demo")["data"] == {"size": "large"}
    assert rendered == [(default, "demo"), (default, "demo")]


# -- the pool of helm processes -----------------------------------------------------------------

# A fake helm that takes its time and logs when each render starts and ends.
SLOW_HELM = """\
#!/bin/sh
here=$(dirname "$0")
echo "start $2 $(date +%s%N)" >> "$here/../log"
sleep 0.3
echo "end $2 $(date +%s%N)" >> "$here/../log"
printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: %s\\n' "$2"
"""


def most_at_once(log: Path) -> int:
    """The largest number of renders running at the same time, from the log."""
    events = sorted(
        (int(stamp), 1 if what == "start" else -1)
        for what, _, stamp in (line.split() for line in log.read_text().splitlines())
    )
    running = peak = 0
    for _, change in events:
        running += change
        peak = max(peak, running)
    return peak


def web_releases(root: Path, count: int) -> list[Release]:
    chart = (root / "charts/web").resolve()
    return [
        Release(name=f"web-{i}", namespace="shop", chart=chart, values=()) for i in range(count)
    ]


def test_prefetch_renders_in_parallel_and_returns_in_the_callers_order(root: Path) -> None:
    write(root / ".tools/helm/0.0.1/helm", SLOW_HELM, 0o755)
    releases = web_releases(root, 4)
    renderer = Renderer(root, workers=2)
    renderer.prefetch((release, None, None) for release in releases)
    names = [renderer.render_release(release).names("ConfigMap") for release in releases]
    assert names == [[f"web-{i}"] for i in range(4)]
    assert most_at_once(root / ".tools/helm/log") == 2
    assert len((root / ".tools/helm/log").read_text().splitlines()) == 8  # each render once
    assert all(renderer.rendered(release) for release in releases)


def test_workers_default_to_the_cores_this_process_may_use(root: Path) -> None:
    assert Renderer(root).workers == len(os.sched_getaffinity(0))
    assert Renderer(root, workers=1).workers == 1


def test_close_drops_the_renders_not_started(root: Path) -> None:
    write(root / ".tools/helm/0.0.1/helm", SLOW_HELM, 0o755)
    releases = web_releases(root, 4)
    renderer = Renderer(root, workers=1)
    renderer.prefetch((release, None, None) for release in releases)
    renderer.close()
    log = root / ".tools/helm/log"
    started = log.read_text().count("start") if log.exists() else 0
    assert started <= 1
    with pytest.raises(Cancelled):
        renderer.render_release(releases[-1])


ENV_HELM = """\
#!/bin/sh
printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: %s\\n' "$2"
printf 'data:\\n  gogc: "%s"\\n' "$GOGC"
"""


def test_helm_runs_without_gos_collector_unless_the_user_sets_gogc(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(root / ".tools/helm/0.0.1/helm", ENV_HELM, 0o755)
    monkeypatch.delenv("GOGC", raising=False)
    assert Renderer(root).render("web").get("ConfigMap")["data"] == {"gogc": "off"}
    assert Renderer(root).helm().extra_env["GOMEMLIMIT"] == "512MiB"
    monkeypatch.setenv("GOGC", "150")
    assert Renderer(root).render("web").get("ConfigMap")["data"] == {"gogc": "150"}
