"""Versioned chart archives for a registry: `helm package` of each chart into build/charts/.

In the repository a chart reaches the library chart through a symlink (charts/<chart>/
charts/common -> ../../common). An archive must stand on its own, so each chart is packaged
from a temporary copy in which every symlink is replaced by the files it points to, and a
`file://` dependency not vendored under charts/ is copied in from its path. The archive is
then opened and checked: each file:// dependency is there as files at the version Chart.yaml
asks for, and nothing in it is a link.

Archives are reproducible: every file of the copy gets one modification time, the last
commit's of the chart and its dependencies (or SOURCE_DATE_EPOCH), and helm writes the
tar headers from those, so packaging the same commit again gives the same bytes and digest.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from chartkit.releases.chart_metadata import chart_metadata
from chartkit.tools.helm import Helm, HelmError

PACKAGE_DIR = Path("build") / "charts"


class PackagingError(Exception):
    """A chart cannot be packaged, or its archive is not what it must be."""


@dataclass(frozen=True)
class ChartArchive:
    chart: str
    version: str
    path: Path
    bundled: tuple[str, ...] = ()  # "common 2.0.0": the file:// dependencies inside

    @property
    def digest(self) -> str:
        return f"sha256:{file_sha256(self.path)}"

    @property
    def provenance(self) -> Path | None:
        prov = self.path.with_name(self.path.name + ".prov")
        return prov if prov.exists() else None


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def file_dependencies(chart_dir: Path) -> list[tuple[str, str, Path]]:
    """(name, version, path) of each file:// dependency of a chart."""
    found = []
    for dep in chart_metadata(chart_dir).get("dependencies") or []:
        repository = str(dep.get("repository") or "")
        if repository.startswith("file://"):
            path = (chart_dir / repository.removeprefix("file://")).resolve()
            found.append((str(dep["name"]), str(dep.get("version", "")), path))
    return found


def charts_of(root: Path, names: Iterable[str] = ()) -> list[Path]:
    """The chart directories named (every chart under charts/ when none is)."""
    available = {p.parent.name: p.parent for p in sorted((root / "charts").glob("*/Chart.yaml"))}
    wanted = list(names) or list(available)
    unknown = [name for name in wanted if name not in available]
    if unknown:
        raise PackagingError(
            f"no chart {', '.join(unknown)} under charts/ (known: {', '.join(available)})"
        )
    return [available[name] for name in wanted]


def source_epoch(root: Path, paths: Iterable[Path]) -> int | None:
    """SOURCE_DATE_EPOCH, else the time of the last commit touching paths (None outside
    git, or for files never committed)."""
    if os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
        return int(os.environ["SOURCE_DATE_EPOCH"])
    relative = [str(p.resolve().relative_to(root.resolve())) for p in paths]
    result = subprocess.run(
        ["git", "log", "-1", "--format=%ct", "--", *relative],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=30,
    )
    text = result.stdout.strip()
    return int(text) if result.returncode == 0 and text.isdigit() else None


def staged_copy(chart_dir: Path, into: Path, epoch: int | None) -> Path:
    """A copy of the chart with its symlinks resolved and its file:// dependencies under
    charts/, every file at `epoch`."""
    copy = into / chart_dir.name
    shutil.copytree(chart_dir, copy, symlinks=False)
    for name, _, path in file_dependencies(chart_dir):
        vendored = copy / "charts" / name
        if not vendored.exists():
            if not (path / "Chart.yaml").is_file():
                raise PackagingError(
                    f"charts/{chart_dir.name}: dependency {name} points at {path}, which is "
                    "not a chart"
                )
            shutil.copytree(path, vendored, symlinks=False)
    if epoch is not None:
        for item in [copy, *copy.rglob("*")]:
            os.utime(item, (epoch, epoch))
    return copy


def check_archive(archive: Path, chart_dir: Path) -> tuple[str, ...]:
    """The archive holds the chart, and each file:// dependency as files at its version;
    returns "name version" of each."""
    name = chart_dir.name
    with tarfile.open(archive, "r:gz") as tar:
        members = {member.name: member for member in tar.getmembers()}
        links = [m.name for m in members.values() if m.issym() or m.islnk()]
        if links:
            raise PackagingError(f"{archive.name} holds links: {', '.join(links)}")
        bundled = []
        for dep, version, _ in file_dependencies(chart_dir):
            chart_yaml = members.get(f"{name}/charts/{dep}/Chart.yaml")
            templates = [m for m in members if m.startswith(f"{name}/charts/{dep}/templates/")]
            if chart_yaml is None or not chart_yaml.isfile() or not templates:
                raise PackagingError(
                    f"{archive.name} does not hold charts/{dep}/ as files (Chart.yaml and "
                    "templates/)"
                )
            stream = tar.extractfile(chart_yaml)
            found = str((yaml.safe_load(stream.read()) if stream else {}).get("version"))
            if version and found != version:
                raise PackagingError(
                    f"{archive.name} bundles {dep} {found}, Chart.yaml asks for {version}"
                )
            bundled.append(f"{dep} {found}")
    return tuple(bundled)


def package_chart(
    helm: Helm,
    root: Path,
    chart_dir: Path,
    destination: Path,
    sign: Mapping[str, str] | None = None,
) -> ChartArchive:
    metadata = chart_metadata(chart_dir)
    version = str(metadata["version"])
    archive = destination / f"{metadata['name']}-{version}.tgz"
    for stale in (archive, archive.with_name(archive.name + ".prov")):
        stale.unlink(missing_ok=True)
    epoch = source_epoch(root, [chart_dir, *(p for _, _, p in file_dependencies(chart_dir))])
    with tempfile.TemporaryDirectory(prefix="chartkit-package-") as tmp:
        copy = staged_copy(chart_dir, Path(tmp), epoch)
        try:
            helm.package(copy, destination, sign)
        except HelmError as error:
            raise PackagingError(f"charts/{chart_dir.name}: {error}") from None
    if not archive.is_file():
        raise PackagingError(f"helm package wrote no {archive}")
    bundled = check_archive(archive, chart_dir)
    return ChartArchive(str(metadata["name"]), version, archive, bundled)


def package_charts(
    helm: Helm,
    root: Path,
    charts: Iterable[Path],
    destination: Path,
    sign: Mapping[str, str] | None = None,
) -> list[ChartArchive]:
    destination.mkdir(parents=True, exist_ok=True)
    return [package_chart(helm, root, chart, destination, sign) for chart in charts]


def archives_in(directory: Path) -> list[ChartArchive]:
    """The chart archives a directory holds (what `chartkit package` wrote)."""
    found = []
    for path in sorted(directory.glob("*.tgz")):
        with tarfile.open(path, "r:gz") as tar:
            top = (m for m in tar.getmembers() if m.name.count("/") == 1)
            first = next((m for m in top if m.name.endswith("/Chart.yaml")), None)
            stream = tar.extractfile(first) if first else None
            if stream is None:
                raise PackagingError(f"{path}: not a chart archive (no Chart.yaml)")
            metadata = yaml.safe_load(stream.read()) or {}
        found.append(ChartArchive(str(metadata["name"]), str(metadata["version"]), path))
    return found
