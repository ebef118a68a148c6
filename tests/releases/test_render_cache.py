"""chartkit.releases.render_cache: helm's answers kept on disk, keyed by all they come from."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from chartkit.releases.render import Renderer
from chartkit.releases.render_cache import RenderCache
from chartkit.tools.helm import HelmError
from helpers.fake_helm import helm_calls, install_fake_helm, write

# A fake helm: logs each call, prints a ConfigMap holding the release, namespace, the first
# values file and a template's text; refuses charts whose path contains "broken", and is
# killed (exit by signal) for charts whose path contains "killed".
FAKE_HELM = """\
#!/bin/sh
here=$(dirname "$0")
echo "$(basename "$here") $*" >> "$here/../calls"
case "$3" in
  *broken*) echo "Error: values don't meet the specifications of the schema" >&2; exit 1 ;;
  *killed*) kill -9 $$ ;;
esac
values=""
[ "$6" = "--values" ] && values=$(cat "$7")
printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: %s\\n  namespace: %s\\n' "$2" "$5"
printf 'data:\\n  template: "%s"\\n  values: "%s"\\n' "$(cat "$3/templates/cm.yaml")" "$values"
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    install_fake_helm(tmp_path, FAKE_HELM)
    (tmp_path / "ci/crds").mkdir(parents=True)
    write(tmp_path / "charts/common/templates/_x.tpl", "{{/* one */}}\n")
    for chart in ("web", "broken", "killed"):
        write(tmp_path / f"charts/{chart}/Chart.yaml", f"apiVersion: v2\nname: {chart}\n")
        write(tmp_path / f"charts/{chart}/templates/cm.yaml", "v1\n")
        (tmp_path / f"charts/{chart}/charts").mkdir()
        (tmp_path / f"charts/{chart}/charts/common").symlink_to("../../common")
    write(tmp_path / "values/a.yaml", "size: small\n")
    return tmp_path


def fresh(root: Path) -> Renderer:
    """A new run: nothing in memory, the cache directory kept."""
    return Renderer(root, render_cache=RenderCache(root / "cache"))


def test_a_later_run_answers_from_the_cache_without_helm(root: Path) -> None:
    first = fresh(root).render("web", values_files=["values/a.yaml"])
    again = fresh(root).render("web", values_files=["values/a.yaml"])
    assert again.objects == first.objects
    assert again.get("ConfigMap", "web")["data"] == {"template": "v1", "values": "size: small"}
    assert len(helm_calls(root)) == 1
    assert Renderer(root).render_cache is None  # commands render anew
    Renderer(root).render("web", values_files=["values/a.yaml"])
    assert len(helm_calls(root)) == 2


def change_template(root: Path) -> dict:
    write(root / "charts/web/templates/cm.yaml", "v2\n")
    return {}


def change_library(root: Path) -> dict:
    write(root / "charts/common/templates/_x.tpl", "{{/* two */}}\n")
    return {}


def add_chart_file(root: Path) -> dict:
    write(root / "charts/web/templates/extra.yaml", "\n")
    return {}


def change_values_file(root: Path) -> dict:
    write(root / "values/a.yaml", "size: large\n")
    return {}


def change_helm_binary(root: Path) -> dict:
    write(root / ".tools/helm/0.0.1/helm", FAKE_HELM + "# rebuilt\n", 0o755)
    return {}


@pytest.mark.parametrize(
    "change",
    [
        change_template,
        change_library,
        add_chart_file,
        change_values_file,
        change_helm_binary,
        lambda root: {"release": "shop"},
        lambda root: {"namespace": "shop"},
        lambda root: {"set_values": {"size": "large"}},
        lambda root: {"api_versions": ("example.com/v1",)},
        lambda root: {"helm_version": "0.0.2"},
    ],
    ids=[
        "a template",
        "the symlinked library chart",
        "a new chart file",
        "a values file",
        "the helm binary",
        "release",
        "namespace",
        "set values",
        "api versions",
        "helm version",
    ],
)
def test_whatever_decides_the_render_renders_it_again(root: Path, change) -> None:
    fresh(root).render("web", values_files=["values/a.yaml"])
    for touched in ("values/a.yaml", "charts/web/templates/cm.yaml"):
        os.utime(root / touched, ns=(1, 1))  # a touched file alone changes nothing
    fresh(root).render("web", values_files=["values/a.yaml"])
    assert len(helm_calls(root)) == 1
    options = {"values_files": ["values/a.yaml"], **change(root)}
    fresh(root).render("web", **options)
    assert len(helm_calls(root)) == 2


def test_a_refusal_is_kept_and_raised_again_as_helm_said_it(root: Path) -> None:
    with pytest.raises(HelmError) as first:
        fresh(root).render("broken")
    with pytest.raises(HelmError) as again:
        fresh(root).render("broken")
    assert len(helm_calls(root)) == 1
    assert (again.value.returncode, again.value.stderr) == (1, first.value.stderr)
    assert "schema" in again.value.stderr
    assert again.value.command == first.value.command


def test_a_killed_helm_is_not_kept(root: Path) -> None:
    for _ in range(2):
        with pytest.raises(HelmError):
            fresh(root).render("killed")
    assert len(helm_calls(root)) == 2


def test_a_damaged_entry_is_rendered_again(root: Path) -> None:
    fresh(root).render("web")
    (entry,) = (root / "cache").glob("*.json")
    entry.write_text('{"stdout": ')
    assert fresh(root).render("web").names("ConfigMap") == ["web"]
    assert len(helm_calls(root)) == 2


def test_a_values_file_outside_the_repository_is_rendered_every_time(
    root: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = write(tmp_path_factory.mktemp("elsewhere") / "x.yaml", "size: small\n")
    for _ in range(2):
        fresh(root).render("web", values_files=[outside])
    assert len(helm_calls(root)) == 2
    assert not (root / "cache").exists()
