"""chartkit package and publish against a real OCI registry (oci_registry): archives bundle the
library chart as files, publishing pushes each version once and never overwrites one with
other content, and a published chart renders what its directory renders."""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from oci_registry import oci_registry

from chartkit.delivery.chart_archives import archives_in
from chartkit.releases.inventory import Inventory
from chartkit.releases.render import Renderer
from chartkit.tools.helm import Helm, HelmError
from helpers.repository import run_chartkit

ROOT = Path(__file__).resolve().parents[2]
APPLICATION_CHARTS = ["api", "codebeaker", "ecp-tenant", "eventstorming", "r-analytics"]


def chartkit(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return run_chartkit(cwd, *args)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with oci_registry(tmp_path_factory.mktemp("registry")) as address:
        yield address


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("charts")
    result = chartkit("package", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def published(registry: str, packaged: Path) -> str:
    """Every archive pushed once to oci://<registry>/charts."""
    url = f"oci://{registry}/charts"
    result = chartkit("publish", url, "--plain-http", "--from", str(packaged))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("push   ") == 6 and result.stdout.count(f"pushed {url}/") == 6
    return url


@pytest.fixture(scope="module")
def helm(renderer: Renderer) -> Helm:
    return renderer.helm()


def members(archive: Path) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(archive, "r:gz") as tar:
        return {member.name: member for member in tar.getmembers()}


def test_archives_bundle_the_library_chart_as_files(packaged: Path) -> None:
    archives = {a.chart: a for a in archives_in(packaged)}
    assert sorted(archives) == sorted([*APPLICATION_CHARTS, "common"])
    library = sorted(
        str(p.relative_to(ROOT / "charts")) for p in (ROOT / "charts/common").rglob("*.tpl")
    )
    for chart in APPLICATION_CHARTS:
        found = members(archives[chart].path)
        assert not [m for m in found.values() if m.issym() or m.islnk()], chart
        assert found[f"{chart}/charts/common/Chart.yaml"].isfile()
        bundled = sorted(n.removeprefix(f"{chart}/charts/") for n in found if n.endswith(".tpl"))
        assert [n for n in bundled if n.startswith("common/")] == library, chart
        assert archives[chart].version == "2.0.0"


def test_packaging_the_same_commit_again_gives_the_same_archive(
    packaged: Path, tmp_path: Path
) -> None:
    result = chartkit("package", "eventstorming", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("eventstorming 2.0.0: ")
    assert "bundles common 2.0.0" in result.stdout
    name = "eventstorming-2.0.0.tgz"
    assert (tmp_path / name).read_bytes() == (packaged / name).read_bytes()


def test_published_charts_render_what_their_directories_render(
    published: str, helm: Helm, inventory: Inventory, renderer: Renderer
) -> None:
    for chart in APPLICATION_CHARTS:
        release = next(r for r in inventory.releases if r.chart_name == chart)
        from_registry = helm.template(
            f"{published}/{chart}",
            release.name,
            namespace=release.namespace,
            values_files=release.values,
            api_versions=renderer.platform_api_versions,
            chart_version="2.0.0",
            plain_http=True,
        )
        from_directory = renderer.render_release(release).objects
        assert from_registry == list(from_directory), chart


def test_publishing_again_skips_every_version(published: str, packaged: Path) -> None:
    result = chartkit("publish", published, "--plain-http", "--from", str(packaged))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 6
    assert all(" 2.0.0: already published, the same archive (sha256:" in line for line in lines)
    assert all(line.startswith("skip ") for line in lines)


def read_member(archive: Path, name: str) -> bytes:
    with tarfile.open(archive, "r:gz") as tar:
        stream = tar.extractfile(name)
        assert stream is not None, name
        return stream.read()


def rewrite(archive: Path, target: Path, change: dict[str, bytes], mtime: int = 0) -> Path:
    """A copy of a chart archive with some files' bytes replaced (and every mtime set)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as source, tarfile.open(target, "w:gz") as out:
        for member in source.getmembers():
            data = source.extractfile(member)
            content = change.get(member.name, data.read() if data else b"")
            member.size, member.mtime = len(content), mtime or member.mtime
            out.addfile(member, io.BytesIO(content))
    return target


def test_the_same_files_in_another_archive_are_skipped(
    published: str, packaged: Path, tmp_path: Path
) -> None:
    name = "eventstorming-2.0.0.tgz"
    rewrite(packaged / name, tmp_path / "other" / name, {}, mtime=86400)
    result = chartkit("publish", published, "--plain-http", "--from", str(tmp_path / "other"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "skip   eventstorming 2.0.0: already published with the same files (the archives "
        "differ in tar metadata only)\n"
    )


def test_other_content_under_a_published_version_is_refused_and_nothing_is_pushed(
    published: str, packaged: Path, tmp_path: Path, helm: Helm
) -> None:
    name = "eventstorming-2.0.0.tgz"
    values = members(packaged / name)["eventstorming/values.yaml"]
    assert values.isfile()
    changed = tmp_path / "changed"
    rewrite(packaged / name, changed / name, {"eventstorming/values.yaml": b"replicaCount: 2\n"})
    chart_yaml = yaml.safe_load(
        read_member(packaged / "r-analytics-2.0.0.tgz", "r-analytics/Chart.yaml")
    )
    newer = yaml.safe_dump({**chart_yaml, "version": "2.0.1"}).encode()
    rewrite(
        packaged / "r-analytics-2.0.0.tgz",
        changed / "r-analytics-2.0.1.tgz",
        {"r-analytics/Chart.yaml": newer},
    )
    result = chartkit("publish", published, "--plain-http", "--from", str(changed))
    assert result.returncode == 1
    assert (
        "refuse eventstorming 2.0.0: the registry holds this version with other content "
        "(eventstorming/values.yaml differ; published sha256:" in result.stdout
    )
    assert "a published version is never overwritten, raise the chart's version" in result.stdout
    assert "push   r-analytics 2.0.1: not in the registry" in result.stdout
    assert "chartkit publish: refused, nothing was pushed" in result.stderr
    with pytest.raises(HelmError, match="not found"):
        helm.run(
            ["show", "chart", f"{published}/r-analytics", "--version", "2.0.1", "--plain-http"]
        )
    pulled = tmp_path / "pulled"
    pulled.mkdir()
    helm.pull(f"{published}/eventstorming", "2.0.0", pulled, plain_http=True)
    assert (pulled / name).read_bytes() == (packaged / name).read_bytes()


KEY = "Chart Suite Test <charts@example.com>"


@pytest.fixture(scope="module")
def keyrings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """A signing key made for the test: (secret keyring, public keyring), in the legacy
    format helm reads."""
    home = tmp_path_factory.mktemp("gnupg")
    home.chmod(0o700)
    out = tmp_path_factory.mktemp("keyrings")
    env = {**os.environ, "GNUPGHOME": str(home)}

    def gpg(*args: str) -> bytes:
        result = subprocess.run(["gpg", "--batch", *args], env=env, capture_output=True)
        assert result.returncode == 0, result.stderr.decode()
        return result.stdout

    try:
        gpg("--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key", KEY)
        (out / "secring.gpg").write_bytes(gpg("--export-secret-keys"))
        (out / "pubring.gpg").write_bytes(gpg("--export"))
        yield out / "secring.gpg", out / "pubring.gpg"
    finally:
        subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=env, capture_output=True)


def test_signed_archives_carry_their_provenance_to_the_registry(
    registry: str, keyrings: tuple[Path, Path], helm: Helm, tmp_path: Path
) -> None:
    secret, public = keyrings
    out = tmp_path / "signed"
    result = chartkit(
        "package", "eventstorming", "--sign", KEY, "--keyring", str(secret), "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith(", bundles common 2.0.0, signed")
    archive = out / "eventstorming-2.0.0.tgz"
    assert "Chart Hash Verified" in helm.run(["verify", str(archive), "--keyring", str(public)])
    url = f"oci://{registry}/signed"
    result = chartkit("publish", url, "--plain-http", "--from", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("with its provenance")
    pulled = tmp_path / "pulled"
    pulled.mkdir()
    helm.pull(f"{url}/eventstorming", "2.0.0", pulled, plain_http=True, verify_keyring=public)
    assert (pulled / "eventstorming-2.0.0.tgz.prov").is_file()


def test_a_registry_url_must_be_oci_and_archives_must_exist(tmp_path: Path) -> None:
    result = chartkit("publish", "https://registry.example.com/charts")
    assert result.returncode == 2
    assert (
        "'https://registry.example.com/charts' is not an OCI registry path: give "
        "oci://HOST/PATH" in result.stderr
    )
    result = chartkit("publish", "oci://127.0.0.1:1/charts", "--from", str(tmp_path))
    assert result.returncode == 2
    assert f"no chart archives in {tmp_path}: run `chartkit package` first" in result.stderr
    result = chartkit("package", "nope", "--out", str(tmp_path))
    assert result.returncode == 2 and "no chart nope under charts/ (known: api," in result.stderr
    result = chartkit("package", "--sign", "Someone", "--out", str(tmp_path))
    assert result.returncode == 2
    assert "--sign Someone needs --keyring FILE, an existing secret keyring" in result.stderr
