"""`chartkit gitops argocd|flux`: what it prints and writes, and what it refuses."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import yaml

from chartkit.cli import gitops_command
from chartkit.cli.main import main
from chartkit.delivery.gitops_plan import GitOpsError
from chartkit.releases.inventory import load

ROOT = Path(__file__).resolve().parents[2]
URL = "https://git.example.com/platform/chart-suite.git"


def chartkit(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, [d for d in yaml.safe_load_all(out) if d], err


@pytest.fixture(autouse=True)
def in_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_argocd_prints_the_project_and_the_chosen_environments_applicationset(capsys) -> None:
    code, documents, _ = chartkit(
        capsys,
        "gitops", "argocd", "--env", "prod", "--repo-url", URL, "--revision", "v1.2.0",
        "--cluster-label", "fleet.example.com/tier=production",
    )  # fmt: skip
    assert code == 0
    assert [(d["kind"], d["metadata"]["name"]) for d in documents] == [
        ("AppProject", "chart-suite"),
        ("ApplicationSet", "chart-suite-prod"),
        # the codebeaker workers' namespaces, which no Application creates
        ("Namespace", "codebeaker-worker"),
        ("Namespace", "codebeaker-dev-worker"),
    ]
    template = documents[1]["spec"]["template"]["spec"]
    assert template["source"]["targetRevision"] == "v1.2.0"
    generators = documents[1]["spec"]["generators"][0]["matrix"]["generators"]
    selector = generators[0]["clusters"]["selector"]["matchLabels"]
    assert selector == {"fleet.example.com/tier": "production"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(
            ["argocd", "--repo-url", URL, "--cluster-label", "tier=production"],
            "a fixed value would select the same clusters for every environment; add --env",
            id="label-value-without-env",
        ),
        pytest.param(
            ["argocd", "--repo-url", URL, "--cluster-label", "bad key!"],
            "'bad key!' is no label key",
            id="bad-label-key",
        ),
        pytest.param(
            ["argocd", "--repo-url", URL, "--env", "staging"],
            "no environment 'staging' in helmfile.yaml (known: default, dev, prod)",
            id="unknown-environment",
        ),
        pytest.param(
            ["flux", "--source", "oci"],
            "--source oci needs --url oci://<registry>/<path>",
            id="oci-without-url",
        ),
        pytest.param(
            ["flux", "--url", "file:///srv/git/chart-suite"],
            "Flux reads git over https://, http:// or ssh://",
            id="flux-git-url-scheme",
        ),
    ],
)
def test_refusals_name_the_option_and_the_fix(capsys, argv: list[str], message: str) -> None:
    code, _, err = chartkit(capsys, "gitops", *argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_flux_writes_one_file_per_object_per_environment(capsys, tmp_path: Path) -> None:
    code, _, err = chartkit(
        capsys, "gitops", "flux", "--env", "dev", "--url", URL, "--output", str(tmp_path)
    )
    assert code == 0
    files = sorted(p.name for p in (tmp_path / "dev").iterdir())
    assert "gitrepository-chart-suite.yaml" in files
    assert "helmrelease-seedtest-api.yaml" in files and "namespace-seedtest.yaml" in files
    releases = load(ROOT).releases
    namespaces = {name for name in files if name.startswith("namespace-")}
    workers = {"namespace-codebeaker-worker.yaml", "namespace-codebeaker-dev-worker.yaml"}
    assert namespaces == {f"namespace-{r.namespace}.yaml" for r in releases} | workers
    assert len(files) == 1 + len(namespaces) + len(releases)
    helm_release = yaml.safe_load((tmp_path / "dev" / "helmrelease-seedtest-api.yaml").read_text())
    assert helm_release["spec"]["chart"]["spec"]["valuesFiles"][-1] == "values/env/dev.yaml"
    assert f"wrote {len(files)} objects to {tmp_path / 'dev'}" in err


def test_argocd_writes_the_platform_namespaces_per_environment(capsys, tmp_path: Path) -> None:
    code, _, err = chartkit(
        capsys, "gitops", "argocd", "--repo-url", URL, "--output", str(tmp_path)
    )
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "prod").iterdir()) == [
        "namespace-codebeaker-dev-worker.yaml",
        "namespace-codebeaker-worker.yaml",
    ]
    namespace = yaml.safe_load((tmp_path / "prod" / "namespace-codebeaker-worker.yaml").read_text())
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
    assert (tmp_path / "appproject-chart-suite.yaml").is_file()


def test_without_an_origin_remote_the_url_must_be_given(monkeypatch) -> None:
    monkeypatch.setattr(gitops_command, "remote_url", lambda root: None)
    args = argparse.Namespace(name="x", cluster_label="environment", env=None, repo_url=None)
    with pytest.raises(GitOpsError, match=r"no git remote origin: pass --repo-url URL"):
        gitops_command.argo_settings(args, ROOT)


def test_scp_style_git_urls_become_ssh_urls() -> None:
    assert gitops_command.git_url("git@github.com:acme/charts.git") == (
        "ssh://git@github.com/acme/charts.git"
    )
    assert gitops_command.git_url(URL) == URL


def test_charts_using_lookup_are_refused(tmp_path: Path) -> None:
    templates = tmp_path / "charts" / "app" / "templates"
    templates.mkdir(parents=True)
    (tmp_path / "charts" / "app" / "Chart.yaml").write_text("apiVersion: v2\nname: app\n")
    (templates / "secret.yaml").write_text(
        'kind: Secret\n{{- $old := lookup "v1" "Secret" .Release.Namespace "x" }}\n'
    )
    with pytest.raises(GitOpsError) as raised:
        gitops_command.refuse_hazards(tmp_path)
    assert "charts/app/templates/secret.yaml:2: `lookup` asks the cluster" in str(raised.value)
