"""`chartkit migrate`: the platform deployment guide's values file, rewritten onto charts/api's
keys, renders a complete release once its tag is pinned; comments and order are kept;
--check changes nothing; the chart comes from the inventory, else --chart."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from chartkit.checks import policy
from chartkit.cli.main import main
from chartkit.releases.inventory import find_root, load
from chartkit.releases.manifest import container
from helpers.repository import copy_charts_and_ci

ROOT = find_root(Path(__file__).parent)
GUIDE = """\
fullnameOverride: "myservice-api"
service:
  name: "myservice-api"
  version: "canary"
  port: 8010
image:
  repository: "registry.example.com/myservice-api"
  tag: "latest"
prometheus:
  address: "http://prometheus-server.monitoring.svc.cluster.local"
servicemonitor:
  labels:
    release: kube-prometheus-stack
"""
MIGRATED = """\
fullnameOverride: "myservice-api"
serviceName: "myservice-api"
service:
  port: 8010
image:
  repository: "registry.example.com/myservice-api"
  tag: "latest"
analysis:
  prometheusAddress: "http://prometheus-server.monitoring.svc.cluster.local"
serviceMonitor:
  labels:
    release: kube-prometheus-stack
"""


def chartkit(capsys, cwd: Path, *args: str, monkeypatch) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def guide(tmp_path: Path) -> Path:
    path = tmp_path / "it.yaml"
    path.write_text(GUIDE)
    return path


def test_the_guides_file_is_migrated_and_latest_is_left_as_a_problem(
    capsys, monkeypatch, guide: Path
) -> None:
    code, out, _ = chartkit(
        capsys, ROOT, "migrate", str(guide), "--chart", "api", monkeypatch=monkeypatch
    )
    assert code == 1
    assert guide.read_text() == MIGRATED
    lines = out.splitlines()
    label = str(guide)
    assert lines[:4] == [
        f"{label}: service.name -> serviceName",
        f"{label}: service.version removed (rollouts.enabled is not false): Argo Rollouts "
        "labels canary and stable pods itself, and a canary is promoted with kubectl argo "
        "rollouts promote myservice-api -n <namespace>",
        f"{label}: prometheus.address -> analysis.prometheusAddress",
        f"{label}: servicemonitor -> serviceMonitor",
    ]
    assert lines[4].startswith(f'{label}:7: image.tag: "latest" is not allowed')
    assert "Pin a version tag" in lines[4] and "or a digest" in lines[4]
    assert lines[5] == f"{label}: 4 change(s) written; 1 problem(s) left"


def test_the_migrated_guide_with_a_pinned_tag_is_a_complete_release(
    capsys, monkeypatch, guide: Path, render_chart, tmp_path: Path
) -> None:
    guide.write_text(MIGRATED.replace('tag: "latest"', 'tag: "1.4.2"'))
    code, out, _ = chartkit(
        capsys, ROOT, "migrate", str(guide), "--chart", "api", monkeypatch=monkeypatch
    )
    assert (code, out.splitlines()[-1]) == (0, f"{guide}: nothing to migrate; renders and passes")
    code, out, err = chartkit(
        capsys,
        ROOT,
        "render",
        "--chart",
        "api",
        "-f",
        str(guide),
        "--out",
        str(tmp_path / "m"),
        monkeypatch=monkeypatch,
    )
    assert code == 0, err
    row = next(line for line in out.splitlines() if line.startswith("myservice-api "))
    assert row.split()[1:3] == ["api", "default"] and row.rstrip().endswith("ok")

    manifest = render_chart("api", str(guide), release="myservice-api", namespace="myservice")
    rollout = manifest.get("Rollout", "myservice-api")
    assert container(rollout, "api")["image"] == "registry.example.com/myservice-api:1.4.2"
    assert "version" not in rollout["spec"]["template"]["metadata"]["labels"]
    ports = manifest.get("Service", "myservice-api")["spec"]["ports"]
    assert [(p["name"], p["port"]) for p in ports] == [("http", 8010)]
    for metric in manifest.get("AnalysisTemplate")["spec"]["metrics"]:
        address = metric["provider"]["prometheus"]["address"]
        assert address == "http://prometheus-server.monitoring.svc.cluster.local"
    monitor = manifest.get("ServiceMonitor")
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert not policy.check(manifest.objects)


def test_check_changes_nothing_and_says_what_would_change(capsys, monkeypatch, guide) -> None:
    code, out, _ = chartkit(
        capsys, ROOT, "migrate", "--check", str(guide), "--chart", "api", monkeypatch=monkeypatch
    )
    assert code == 1 and guide.read_text() == GUIDE
    assert f"{guide}: servicemonitor -> serviceMonitor" in out
    assert out.splitlines()[-1] == (
        f"{guide}: needs migrating: chartkit migrate {guide} --chart api"
    )
    guide.write_text(MIGRATED)
    code, out, _ = chartkit(
        capsys, ROOT, "migrate", "--check", str(guide), "--chart", "api", monkeypatch=monkeypatch
    )
    assert (code, out) == (0, "")


def test_comments_and_key_order_are_kept(capsys, monkeypatch, tmp_path: Path) -> None:
    path = tmp_path / "team.yaml"
    path.write_text(
        "# Team values.\n\nfullnameOverride: team-api\n# The service itself\nservice:\n"
        "  # the series label\n  name: team-api  # shown in dashboards\n  port: 8080\n"
        'image:\n  repository: registry.example.com/team\n  tag: "2.0.1"  # pinned\n'
        "# Secrets from the team's vault sync\nsecretEnv:\n"
        "  DB_URL: {secretName: team-db, key: url}\n"
        "  API_TOKEN:\n    secretName: team-api\n    key: token\n    optional: true\n"
        "# The end.\n"
    )
    code, out, _ = chartkit(
        capsys, ROOT, "migrate", str(path), "--chart", "api", monkeypatch=monkeypatch
    )
    assert code == 0, out
    assert path.read_text() == (
        "# Team values.\n\nfullnameOverride: team-api\n# the series label\n"
        "serviceName: team-api  # shown in dashboards\n# The service itself\nservice:\n"
        "  port: 8080\nimage:\n  repository: registry.example.com/team\n"
        '  tag: "2.0.1"  # pinned\n# Secrets from the team\'s vault sync\nenv:\n'
        "  DB_URL: {secretKeyRef: {name: team-db, key: url}}\n"
        "  API_TOKEN:\n    secretKeyRef:\n      name: team-api\n      key: token\n"
        "      optional: true\n# The end.\n"
    )


def test_what_cannot_be_done_mechanically_is_named_by_line_and_left(
    capsys, monkeypatch, tmp_path: Path
) -> None:
    path = tmp_path / "team.yaml"
    path.write_text(
        "fullnameOverride: team-api\nserviceName: team-api\nservice:\n  name: other\n"
        '  port: 8080\nimage:\n  repository: r/team\n  tag: "1.0.0"\n'
        "sidecars:\n  - image: envoyproxy/envoy:v1.31.2\npdb:\n  maxUnavailable: 1\n"
    )
    code, out, _ = chartkit(
        capsys, ROOT, "migrate", str(path), "--chart", "api", monkeypatch=monkeypatch
    )
    assert code == 1
    assert f"{path}:4: service.name: serviceName is set too: keep one; left as it is" in out
    assert f"{path}:10: sidecars[0]: an item without a `name`" in out
    assert f"{path}: pdb -> podDisruptionBudget" in out
    migrated = yaml.safe_load(path.read_text())
    assert migrated["service"]["name"] == "other" and migrated["podDisruptionBudget"]
    assert isinstance(migrated["sidecars"], list)


def repo_with(tmp_path: Path, values: str) -> Path:
    """A repository whose one release, team-api of charts/api, uses values/team.yaml."""
    repo = copy_charts_and_ci(tmp_path / "repo", env_overlays=False)
    (repo / "values").mkdir()
    (repo / "values" / "team.yaml").write_text(values)
    release = {"name": "team-api", "namespace": "team", "chart": "./charts/api"}
    (repo / "helmfile.yaml").write_text(
        yaml.safe_dump({"releases": [{**release, "values": ["values/team.yaml"]}]})
    )
    return repo


def test_the_chart_comes_from_the_inventory_entry(capsys, monkeypatch, tmp_path) -> None:
    repo = repo_with(tmp_path, GUIDE.replace('"latest"', '"1.0.0"'))
    code, out, _ = chartkit(capsys, repo, "migrate", "values/team.yaml", monkeypatch=monkeypatch)
    assert code == 0, out
    assert "kubectl argo rollouts promote myservice-api -n team" in out
    assert out.splitlines()[-1] == "values/team.yaml: 4 change(s) written; renders and passes"
    code, _, err = chartkit(
        capsys,
        repo,
        "migrate",
        "values/team.yaml",
        "--chart",
        "codebeaker",
        monkeypatch=monkeypatch,
    )
    assert code == 2
    assert "release team-api of chart api uses it (helmfile.yaml), not chart codebeaker" in err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["{guide}"],
            "no release in helmfile.yaml uses this file, so its chart is not known: "
            "give --chart <chart> (api, codebeaker, ecp-tenant, eventstorming, r-analytics)",
        ),
        (["missing.yaml", "--chart", "api"], "missing.yaml: no such values file"),
        (["{guide}", "--chart", "apii"], "--chart apii: no such chart (charts: api, codebeaker,"),
    ],
)
def test_a_file_without_a_chart_is_refused_with_what_to_give(
    capsys, monkeypatch, guide: Path, args: list[str], words: str
) -> None:
    given = [arg.format(guide=guide) for arg in args]
    code, _, err = chartkit(capsys, ROOT, "migrate", *given, monkeypatch=monkeypatch)
    assert code == 2 and words in err and "Traceback" not in err
    assert guide.read_text() == GUIDE


def test_a_sidecar_list_becomes_a_map_and_what_the_model_refuses_is_named_by_line(
    capsys, monkeypatch, tmp_path: Path
) -> None:
    path = tmp_path / "team.yaml"
    path.write_text(
        "fullnameOverride: team-api\nserviceName: team-api\n"
        'image:\n  repository: r/team\n  tag: "1.0.0"\n'
        "service:\n  port: 8080\n# The proxy in front of the app\nsidecars:\n  - name: proxy\n"
        "    image: envoyproxy/envoy:v1.31.2\n    resources:\n"
        "      requests: {cpu: 50m, memory: 64Mi}\n      limits: {cpu: 200m, memory: 128Mi}\n"
    )
    code, out, _ = chartkit(
        capsys, ROOT, "migrate", str(path), "--chart", "api", monkeypatch=monkeypatch
    )
    assert code == 1
    assert out.splitlines() == [
        f"{path}: sidecars: a list -> a map of name to values (proxy)",
        f"{path}:11: sidecars.proxy.image: \"envoyproxy/envoy:v1.31.2\" is not of type 'object'",
        f"{path}: 1 change(s) written; 1 problem(s) left",
    ]
    assert "# The proxy in front of the app\nsidecars:\n  proxy:\n    image:" in path.read_text()


@pytest.mark.inventory_wide
def test_every_release_values_file_is_on_its_charts_current_keys(capsys, monkeypatch) -> None:
    files = sorted({str(p.relative_to(ROOT)) for r in load(ROOT).releases for p in r.values})
    code, out, err = chartkit(capsys, ROOT, "migrate", "--check", *files, monkeypatch=monkeypatch)
    assert (code, out, err) == (0, "", "")
    for chart in sorted((ROOT / "ci" / "smoke" / "charts").glob("*.yaml")):
        args = ("migrate", "--check", str(chart), "--chart", chart.stem)
        assert chartkit(capsys, ROOT, *args, monkeypatch=monkeypatch) == (0, "", ""), chart
