"""`chartkit render --chart <chart> -f <file>`: any values file checked like an inventory
release (values schema per file, render, strict validation, policy), no entry needed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from chartkit.cli.main import main
from chartkit.releases.inventory import find_root

ROOT = find_root(Path(__file__).parent)


def render(capsys, monkeypatch, *args: str) -> tuple[int, str, str]:
    monkeypatch.chdir(ROOT)
    code = main(["render", *args])
    out, err = capsys.readouterr()
    return code, out, err


def row(out: str, release: str) -> list[str]:
    return next(line for line in out.splitlines() if line.startswith(f"{release} ")).split()


def test_a_values_file_renders_as_a_release_of_the_chart(capsys, monkeypatch, tmp_path) -> None:
    args = ["--chart", "api", "-f", "values/univprepai.yaml", "--out", str(tmp_path)]
    code, out, err = render(
        capsys, monkeypatch, *args, "--release", "try-api", "--namespace", "trial"
    )
    assert code == 0, err
    cells = row(out, "try-api")
    assert cells[:3] == ["try-api", "api", "trial"] and cells[-1] == "ok"
    assert "1 release(s) rendered to" in out and "1 ok, 0 failed" in out
    objects = [
        d for d in yaml.safe_load_all((tmp_path / "charts/api/try-api.yaml").read_text()) if d
    ]
    assert {o["metadata"].get("namespace") for o in objects} == {"trial"}


def test_later_files_and_overlays_layer_like_helm(capsys, monkeypatch, tmp_path) -> None:
    base = ["--chart", "api", "-f", "values/univprepai.yaml", "--out", str(tmp_path)]
    code, out, _ = render(capsys, monkeypatch, *base, "-f", "values/env/prod.yaml")
    assert code == 0 and "PromRule:1" in " ".join(row(out, "univprepai-api"))
    code, out, _ = render(capsys, monkeypatch, *base, "--overlay", "prod")
    assert code == 0 and "PromRule:1" in " ".join(row(out, "univprepai-api"))


def test_a_bad_file_fails_naming_the_file_and_the_field(capsys, monkeypatch, tmp_path) -> None:
    values = yaml.safe_load((ROOT / "values/univprepai.yaml").read_text())
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**values, "replicaCount": "two"}))
    code, out, err = render(
        capsys, monkeypatch, "--chart", "api", "-f", str(bad), "--out", str(tmp_path)
    )
    assert code == 1
    assert row(out, "univprepai-api")[-1] != "ok"
    assert f"values: {bad}: replicaCount: \"two\" is not of type 'integer'" in err
    assert "0 ok, 1 failed" in out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--chart", "api"], "--chart <chart> and -f <values file> go together"),
        (["-f", "values/univprepai.yaml"], "--chart <chart> and -f <values file> go together"),
        (["univprepai-api", "--chart", "api", "-f", "values/univprepai.yaml"], "not both"),
        (["--chart", "nope", "-f", "values/univprepai.yaml"], "--chart nope: no such chart"),
        (["--chart", "api", "-f", "values/nope.yaml"], "values/nope.yaml: no such values file"),
        (
            ["--chart", "api", "-f", "values/univprepai.yaml", "--release", "Bad_Name"],
            "--release Bad_Name: a release name is a DNS-1123 label",
        ),
    ],
)
def test_bad_arguments_are_refused(capsys, monkeypatch, args: list[str], words: str) -> None:
    code, _, err = render(capsys, monkeypatch, *args)
    assert code == 2 and words in err and "Traceback" not in err
