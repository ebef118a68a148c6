"""Unit tests for chartkit.tools.helm (pinned helm binaries and a fake one) and
chartkit.tools.toolbox."""

from __future__ import annotations

import dataclasses
import json
import shutil
import textwrap
import time
from pathlib import Path

import pytest

from chartkit.releases.inventory import find_root
from chartkit.tools.helm import Helm, HelmError, parse_objects, strip_notices
from chartkit.tools.toolbox import Toolbox, ToolMissingError

ROOT = find_root(Path(__file__).parent)
VERSIONS = Toolbox(ROOT).helm_versions()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())
    return path


@pytest.fixture(scope="module")
def charts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("charts")
    write(root / "tiny/Chart.yaml", "apiVersion: v2\nname: tiny\nversion: 0.1.0\n")
    write(root / "tiny/values.yaml", "greeting: hello\nextra: {}\n")
    write(
        root / "tiny/templates/configmap.yaml",
        """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: {{ .Release.Name }}-cfg
          namespace: {{ .Release.Namespace }}
        data:
          greeting: {{ .Values.greeting | quote }}
          extra: {{ .Values.extra | toJson | quote }}
          kube: {{ .Capabilities.KubeVersion.Version | quote }}
        {{- if .Capabilities.APIVersions.Has "monitoring.coreos.com/v1/ServiceMonitor" }}
        ---
        apiVersion: monitoring.coreos.com/v1
        kind: ServiceMonitor
        metadata:
          name: {{ .Release.Name }}
        spec:
          selector: {}
          endpoints: [{port: http}]
        {{- end }}
        {{- if .Values.boom }}
        {{ fail "boom requested by the values" }}
        {{- end }}
        ---
        # a document with only a comment
        """,
    )
    write(
        root / "tiny/templates/service.yaml",
        """
        apiVersion: v1
        kind: Service
        metadata:
          name: {{ .Release.Name }}
        spec:
          ports: [{port: 80}]
        """,
    )
    write(root / "values-a.yaml", "greeting: from-a\nextra: {file: a}\n")
    write(root / "values-b.yaml", "greeting: from-b\n")

    write(root / "deprecated/Chart.yaml", "apiVersion: v2\nname: deprecated\nversion: 0.1.0\n")
    write(
        root / "deprecated/templates/pdb.yaml",
        """
        apiVersion: policy/v1beta1
        kind: PodDisruptionBudget
        metadata:
          name: x
        spec:
          minAvailable: 1
        """,
    )
    write(root / "broken/Chart.yaml", "apiVersion: v2\nname: broken\nversion: 0.1.0\n")
    write(root / "broken/templates/cm.yaml", "metadata:\n  name: {{ .Values.name \n")
    return root


@pytest.fixture(scope="module", params=VERSIONS)
def helm(request: pytest.FixtureRequest) -> Helm:
    return Helm(Toolbox(ROOT).helm(request.param))


# -- the pinned binaries ---------------------------------------------------------------------------


def test_version_is_the_pin(helm: Helm) -> None:
    pinned = helm.binary.parent.name
    assert pinned in VERSIONS
    assert helm.version() == pinned


def test_template_returns_parsed_objects(helm: Helm, charts: Path) -> None:
    objects = helm.template(charts / "tiny", "shop", namespace="store")
    assert [(o["kind"], o["metadata"]["name"]) for o in objects] == [
        ("ConfigMap", "shop-cfg"),
        ("Service", "shop"),
    ]
    config = objects[0]
    assert config["metadata"]["namespace"] == "store"
    assert config["data"]["greeting"] == "hello"


def test_values_files_apply_in_order_and_set_values_win(helm: Helm, charts: Path) -> None:
    files = [charts / "values-a.yaml", charts / "values-b.yaml"]
    (config, _) = helm.template(charts / "tiny", "r", values_files=files)
    assert config["data"]["greeting"] == "from-b"
    assert json.loads(config["data"]["extra"]) == {"file": "a"}
    (config, _) = helm.template(
        charts / "tiny",
        "r",
        values_files=files,
        set_values={"greeting": 'it\'s "set"', "extra": {"list": [1, 2], "nested": {"b": True}}},
    )
    assert config["data"]["greeting"] == 'it\'s "set"'
    # --set-json replaces the key's value as a whole
    assert json.loads(config["data"]["extra"]) == {"list": [1, 2], "nested": {"b": True}}


def test_api_versions_toggle_capability_gated_templates(helm: Helm, charts: Path) -> None:
    without = helm.template(charts / "tiny", "r")
    with_crd = helm.template(
        charts / "tiny", "r", api_versions=["monitoring.coreos.com/v1/ServiceMonitor"]
    )
    assert "ServiceMonitor" not in [o["kind"] for o in without]
    assert sorted(o["kind"] for o in with_crd) == ["ConfigMap", "Service", "ServiceMonitor"]


def test_kube_version_is_passed(helm: Helm, charts: Path) -> None:
    (config, _) = helm.template(charts / "tiny", "r", kube_version="1.31.0")
    assert config["data"]["kube"] == "v1.31.0"
    (default, _) = helm.template(charts / "tiny", "r")
    assert default["data"]["kube"] != "v1.31.0"


def test_failing_template_raises_helm_error_with_stderr(helm: Helm, charts: Path) -> None:
    with pytest.raises(HelmError) as raised:
        helm.template(charts / "tiny", "r", set_values={"boom": True})
    error = raised.value
    assert "boom requested by the values" in error.stderr
    assert error.returncode == 1
    assert error.command[:2] == [str(helm.binary), "template"]
    assert str(error).startswith("helm template failed (exit 1): ")
    assert "boom requested by the values" in str(error)


def test_lint(helm: Helm, charts: Path) -> None:
    assert "0 chart(s) failed" in helm.lint(charts / "tiny", strict=True)
    assert "0 chart(s) failed" in helm.lint(
        charts / "tiny", values_files=[charts / "values-a.yaml"], namespace="store"
    )
    # a warning fails only in strict mode
    assert "deprecated" in helm.lint(charts / "deprecated", strict=False)
    with pytest.raises(HelmError):
        helm.lint(charts / "deprecated", strict=True)


def test_strict_lint_fails_where_the_chart_fails(helm: Helm, charts: Path, tmp_path) -> None:
    """helm's lint mode only logs a template's `fail`; helm install would refuse the values."""
    values = tmp_path / "boom.yaml"
    values.write_text("boom: true\n")
    with pytest.raises(HelmError) as raised:
        helm.lint(charts / "tiny", values_files=[values], strict=True)
    assert "boom requested by the values" in raised.value.stderr
    assert "0 chart(s) failed" in helm.lint(charts / "tiny", values_files=[values], strict=False)


@pytest.mark.parametrize(
    ("chart", "strict", "cause"),
    [("broken", False, "cm.yaml"), ("deprecated", True, "PodDisruptionBudget is deprecated")],
)
def test_lint_failure_reports_the_cause(
    helm: Helm, charts: Path, chart: str, strict: bool, cause: str
) -> None:
    """helm prints lint findings on stdout; the error must still say what failed."""
    with pytest.raises(HelmError) as raised:
        helm.lint(charts / chart, strict=strict)
    assert cause in str(raised.value)


# -- a fake helm: argument building, streaming, timeouts ------------------------------------------

FAKE_HELM = """\
#!/bin/sh
printf '%s\\n' "$@" > "$FAKE_HELM_ARGV"
case "$1" in
  version) echo "v4.1.4" ;;
  sleep) exec sleep "$2" ;;
  fail)
    echo "Error: something broke" >&2
    echo "walk.go:75: found symbolic link in path: /charts/api/charts/common" >&2
    exit 3 ;;
  history) echo '[{"revision": 1, "status": "superseded"},' \\
                '{"revision": 2, "status": "deployed"}]' ;;
  ticks) for i in 1 2 3; do echo "tick $i"; sleep 0.2; done ;;
  *) echo "out: $1"; echo "progress: $1" >&2 ;;
esac
"""

FAKE_TIMEOUT = """\
#!/bin/sh
printf '%s\\n' "$@" > "$FAKE_TIMEOUT_ARGV"
shift 2
exec "$@"
"""


def executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o755)
    return path


@pytest.fixture
def fake(tmp_path: Path) -> Helm:
    binary = executable(tmp_path / "helm", FAKE_HELM)
    return Helm(binary, extra_env={"FAKE_HELM_ARGV": str(tmp_path / "argv")})


@pytest.fixture
def cluster(fake: Helm) -> Helm:
    return dataclasses.replace(fake, kubeconfig=Path("/etc/kube/config"), kube_context="kind-smoke")


KUBE_FLAGS = ["--kubeconfig", "/etc/kube/config", "--kube-context", "kind-smoke"]


def argv(helm: Helm) -> list[str]:
    return Path(helm.extra_env["FAKE_HELM_ARGV"]).read_text().splitlines()


def test_template_text_arguments(fake: Helm) -> None:
    out = fake.template_text(
        "./charts/api",
        "web",
        namespace="shop",
        values_files=["values/a.yaml", Path("values/env/prod.yaml")],
        set_values={"image": {"tag": "1.2"}, "replicas": 3},
        kube_version="1.31.0",
        api_versions=["argoproj.io/v1alpha1", "monitoring.coreos.com/v1/ServiceMonitor"],
        include_crds=True,
    )
    assert out == "out: template\n"
    assert argv(fake) == [
        "template",
        "web",
        "./charts/api",
        "--namespace",
        "shop",
        "--values",
        "values/a.yaml",
        "--values",
        "values/env/prod.yaml",
        "--set-json",
        'image={"tag": "1.2"}',
        "--set-json",
        "replicas=3",
        "--kube-version",
        "1.31.0",
        "--api-versions",
        "argoproj.io/v1alpha1",
        "--api-versions",
        "monitoring.coreos.com/v1/ServiceMonitor",
        "--include-crds",
    ]


def test_template_text_defaults(fake: Helm) -> None:
    fake.template_text("./charts/api", "web")
    assert argv(fake) == ["template", "web", "./charts/api", "--namespace", "default"]


def test_lint_arguments(fake: Helm) -> None:
    fake.lint("charts/api", values_files=["a.yaml"], namespace="shop")
    assert argv(fake) == [
        "lint",
        "charts/api",
        "--strict",
        "--namespace",
        "shop",
        "--values",
        "a.yaml",
    ]
    fake.lint("charts/api", strict=False)
    assert argv(fake) == ["lint", "charts/api"]


def test_upgrade_install_arguments(cluster: Helm, capsys: pytest.CaptureFixture[str]) -> None:
    out = cluster.upgrade_install(
        "web",
        "./charts/api",
        "shop",
        values_files=["values/a.yaml"],
        set_values={"image": {"tag": "1.2"}},
        timeout="2m",
        create_namespace=True,
    )
    assert out == "out: upgrade\n"
    assert argv(cluster) == [
        "upgrade",
        "--install",
        "web",
        "./charts/api",
        "--namespace",
        "shop",
        "--values",
        "values/a.yaml",
        "--set-json",
        'image={"tag": "1.2"}',
        "--create-namespace",
        "--wait=watcher",
        "--timeout",
        "2m",
        *KUBE_FLAGS,
    ]


def test_upgrade_install_without_wait_or_cluster_flags(fake: Helm) -> None:
    fake.upgrade_install("web", "./charts/api", "shop", wait=False)
    assert argv(fake) == ["upgrade", "--install", "web", "./charts/api", "--namespace", "shop"]


def test_upgrade_install_from_a_chart_repository(fake: Helm) -> None:
    fake.upgrade_install(
        "eso",
        "external-secrets",
        "external-secrets",
        repo="https://charts.external-secrets.io",
        chart_version="2.9.0",
        wait=False,
    )
    assert argv(fake) == [
        "upgrade",
        "--install",
        "eso",
        "external-secrets",
        "--repo",
        "https://charts.external-secrets.io",
        "--version",
        "2.9.0",
        "--namespace",
        "external-secrets",
    ]


def test_helm_4_takes_a_wait_strategy_and_helm_3_its_plain_wait(tmp_path: Path) -> None:
    helm3_script = FAKE_HELM.replace('echo "v4.1.4"', 'echo "v3.18.0"')
    helm3 = Helm(
        executable(tmp_path / "helm3", helm3_script),
        extra_env={"FAKE_HELM_ARGV": str(tmp_path / "argv3")},
    )
    helm3.upgrade_install("web", "./charts/api", "shop", wait_strategy="legacy")
    assert argv(helm3)[-3:] == ["--wait", "--timeout", "5m"]
    helm4 = Helm(
        executable(tmp_path / "helm4", FAKE_HELM),
        extra_env={"FAKE_HELM_ARGV": str(tmp_path / "argv4")},
    )
    helm4.upgrade_install("web", "./charts/api", "shop", wait_strategy="legacy")
    assert argv(helm4)[-3:] == ["--wait=legacy", "--timeout", "5m"]


def test_cluster_commands_capture_unless_given_an_output(
    cluster: Helm, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cluster.upgrade_install("web", "./charts/api", "shop") == "out: upgrade\n"
    assert "out: upgrade" not in capsys.readouterr().out
    lines: list[str] = []
    assert cluster.test("web", "shop", output=lines.append) == "out: test\n"
    assert lines[0].startswith("$ helm test web --namespace shop --timeout 5m --logs")
    assert sorted(lines[1:]) == ["out: test", "progress: test"]
    assert capsys.readouterr() == ("", "")  # nothing past the callback


def test_test_arguments(cluster: Helm) -> None:
    cluster.test("web", "shop", timeout="3m")
    assert argv(cluster) == [
        "test",
        "web",
        "--namespace",
        "shop",
        "--timeout",
        "3m",
        "--logs",
        *KUBE_FLAGS,
    ]
    cluster.test("web", "shop", logs=False)
    assert argv(cluster) == ["test", "web", "--namespace", "shop", "--timeout", "5m", *KUBE_FLAGS]


def test_rollback_arguments(cluster: Helm) -> None:
    cluster.rollback("web", "shop", revision=3, timeout="1m")
    assert argv(cluster) == [
        "rollback",
        "web",
        "3",
        "--namespace",
        "shop",
        "--wait=watcher",
        "--timeout",
        "1m",
        *KUBE_FLAGS,
    ]
    cluster.rollback("web", "shop", wait=False)
    assert argv(cluster) == ["rollback", "web", "--namespace", "shop", *KUBE_FLAGS]


def test_uninstall_arguments(cluster: Helm) -> None:
    cluster.uninstall("web", "shop")
    assert argv(cluster) == [
        "uninstall",
        "web",
        "--namespace",
        "shop",
        "--wait=watcher",
        "--timeout",
        "5m",
        *KUBE_FLAGS,
    ]
    cluster.uninstall("web", "shop", wait=False)
    assert argv(cluster) == ["uninstall", "web", "--namespace", "shop", *KUBE_FLAGS]


def test_get_manifest_arguments_and_parsing(cluster: Helm) -> None:
    assert cluster.get_manifest("web", "shop", revision=2) == [{"out": "get"}]
    assert argv(cluster) == [
        "get",
        "manifest",
        "web",
        "--namespace",
        "shop",
        *KUBE_FLAGS,
        "--revision",
        "2",
    ]


def test_history_arguments_and_parsing(cluster: Helm) -> None:
    history = cluster.history("web", "shop")
    assert history == [
        {"revision": 1, "status": "superseded"},
        {"revision": 2, "status": "deployed"},
    ]
    assert argv(cluster) == [
        "history",
        "web",
        "--namespace",
        "shop",
        "--output",
        "json",
        *KUBE_FLAGS,
    ]


def test_streamed_commands_are_bounded_by_their_helm_timeout_plus_a_minute(
    fake: Helm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrapper = executable(tmp_path / "timeout", FAKE_TIMEOUT)
    record = tmp_path / "timeout-argv"
    monkeypatch.setattr(shutil, "which", lambda name: str(wrapper) if name == "timeout" else None)
    helm = dataclasses.replace(fake, extra_env={**fake.extra_env, "FAKE_TIMEOUT_ARGV": str(record)})
    helm.upgrade_install("web", "./charts/api", "shop", timeout="2m", output=lambda line: None)
    wrapped = record.read_text().splitlines()
    assert wrapped[:3] == ["--kill-after=10", "180", str(helm.binary)]
    assert wrapped[3:5] == ["upgrade", "--install"]
    helm.test("web", "shop", timeout="1h30m", output=lambda line: None)
    assert record.read_text().splitlines()[:2] == ["--kill-after=10", str(5400 + 60)]


def test_streamed_without_timeout_binary_still_runs(
    fake: Helm, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert fake.run(["status"], output=lambda line: None) == "out: status\n"
    assert argv(fake) == ["status"]


def test_streamed_output_comes_line_by_line_as_helm_prints_it(fake: Helm) -> None:
    seen: list[tuple[float, str]] = []
    started = time.monotonic()
    out = fake.run(["ticks"], output=lambda line: seen.append((time.monotonic(), line)))
    assert out == "tick 1\ntick 2\ntick 3\n"
    assert [line for _, line in seen] == ["$ helm ticks", "tick 1", "tick 2", "tick 3"]
    # each tick arrived while helm still ran, not all at its end
    assert seen[1][0] - started < seen[3][0] - started - 0.3


@pytest.mark.parametrize("streamed", [False, True], ids=["captured", "streamed"])
def test_failure_raises_helm_error_with_stderr_without_notices(fake: Helm, streamed: bool) -> None:
    output = (lambda line: None) if streamed else None
    with pytest.raises(HelmError) as raised:
        fake.run(["fail"], output=output)
    error = raised.value
    assert error.returncode == 3
    assert error.command == [str(fake.binary), "fail"]
    assert "Error: something broke" in error.stderr
    assert "symbolic link" not in error.stderr
    assert str(error) == "helm fail failed (exit 3): Error: something broke"


def test_run_returns_stdout_only(fake: Helm) -> None:
    assert fake.run(["status"]) == "out: status\n"


def test_run_times_out(fake: Helm) -> None:
    quick = dataclasses.replace(fake, timeout_seconds=0.3)
    started = time.monotonic()
    with pytest.raises(HelmError) as raised:
        quick.run(["sleep", "5"])
    assert time.monotonic() - started < 3
    assert raised.value.returncode == -1
    assert "timed out after 0.3s" in raised.value.stderr


def test_run_timeout_argument_overrides_the_default(fake: Helm) -> None:
    started = time.monotonic()
    with pytest.raises(HelmError, match="timed out"):
        fake.run(["sleep", "5"], timeout=0.3)
    assert time.monotonic() - started < 3


def test_streamed_run_times_out(fake: Helm) -> None:
    started = time.monotonic()
    with pytest.raises(HelmError) as raised:
        fake.run(["sleep", "5"], timeout=1, output=lambda line: None)
    assert time.monotonic() - started < 4
    assert raised.value.returncode == 124
    assert "timed out after 1s" in raised.value.stderr


def test_streamed_run_honours_a_sub_second_timeout(fake: Helm) -> None:
    started = time.monotonic()
    with pytest.raises(HelmError):
        fake.run(["sleep", "3"], timeout=0.5, output=lambda line: None)
    assert time.monotonic() - started < 2.5


# -- helpers ---------------------------------------------------------------------------------


def test_parse_objects_drops_empty_documents() -> None:
    text = "---\n# only a comment\n---\n\n---\nkind: A\n---\nnull\n---\n- a list\n---\nkind: B\n"
    assert parse_objects(text) == [{"kind": "A"}, {"kind": "B"}]


def test_strip_notices_keeps_other_lines() -> None:
    text = "a\nwalk.go:75: found symbolic link in path: /x resolves to /y\nb"
    assert strip_notices(text) == "a\nb"


def test_toolbox_pins(repo_root: Path) -> None:
    toolbox = Toolbox(repo_root)
    pins = json.loads((repo_root / "ci/tools.json").read_text())
    versions = toolbox.helm_versions()
    assert versions[0] == pins["default_helm"] == toolbox.default_helm_version()
    assert sorted(versions) == sorted(pins["helm"])
    assert toolbox.helm() == repo_root / ".tools/helm" / pins["default_helm"] / "helm"
    assert toolbox.kubectl() == repo_root / ".tools/bin/kubectl"


def test_toolbox_refuses_unpinned_version(repo_root: Path) -> None:
    with pytest.raises(ToolMissingError, match=r"helm 9\.9\.9 is not pinned"):
        Toolbox(repo_root).helm("9.9.9")


def test_toolbox_reports_missing_binaries(tmp_path: Path) -> None:
    write(
        tmp_path / "ci/tools.json",
        '{"default_helm": "4.1.4", "helm": {"4.1.4": {}}, "kubectl": {}}',
    )
    with pytest.raises(ToolMissingError, match="make setup"):
        Toolbox(tmp_path).helm()
    with pytest.raises(ToolMissingError, match="make setup"):
        Toolbox(tmp_path).kubectl()
