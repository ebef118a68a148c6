"""Pushing chart archives to an OCI registry with `helm push`, never overwriting a version.

A registry accepts a second push of a tag and moves it, so every archive is first compared
with what the registry already holds at <registry>/<chart>:<version>, pulled with `helm
pull` (through helm, so `helm registry login` credentials apply):

- not there: pushed;
- there with the same archive (the sha256 of the chart layer, the archive's bytes): skipped;
- there with the same files (name and sha256 of every file in the archive), the archive
  differing only in tar metadata: skipped;
- there with other files: refused, naming them. A published version is never overwritten;
  the fix is a new chart version.

Nothing is pushed when any archive is refused.
"""

from __future__ import annotations

import hashlib
import re
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from chartkit.delivery.chart_archives import ChartArchive, file_sha256
from chartkit.tools.helm import Helm, HelmError

_REGISTRY = re.compile(r"^oci://[^/\s]+(/[^\s]*)?$")
PUSH, SKIP, REFUSE = "push", "skip", "refuse"


class PublishError(Exception):
    """The registry cannot be read or written, or the URL is not a registry path."""


@dataclass(frozen=True)
class PublishStep:
    archive: ChartArchive
    action: str  # push | skip | refuse
    reason: str

    def __str__(self) -> str:
        return f"{self.action:6} {self.archive.chart} {self.archive.version}: {self.reason}"


def check_registry(url: str) -> str:
    """The registry path without a trailing slash; refuses anything but oci://HOST[/PATH]."""
    if not _REGISTRY.match(url):
        raise PublishError(
            f"{url!r} is not an OCI registry path: give oci://HOST/PATH, e.g. "
            "oci://ghcr.io/acme/charts (the charts land at <path>/<chart>:<version>)"
        )
    return url.rstrip("/")


def archive_files(path: Path) -> dict[str, str]:
    """Each file of a chart archive: name -> sha256 of its bytes."""
    files = {}
    with tarfile.open(path, "r:gz") as tar:
        for member in tar.getmembers():
            stream = tar.extractfile(member) if member.isfile() else None
            if stream is not None:
                files[member.name] = hashlib.sha256(stream.read()).hexdigest()
    return files


def published_archive(
    helm: Helm, registry: str, archive: ChartArchive, into: Path, plain_http: bool
) -> Path | None:
    """The archive the registry holds at the chart's version; None when it holds none."""
    try:
        helm.pull(f"{registry}/{archive.chart}", archive.version, into, plain_http)
    except HelmError as error:
        if re.search(r"\bnot found\b", error.stderr):
            return None
        raise PublishError(
            f"cannot read {registry}/{archive.chart}:{archive.version}: {error}"
        ) from None
    pulled = into / archive.path.name
    if not pulled.is_file():
        raise PublishError(f"helm pull of {archive.chart} {archive.version} wrote no {pulled}")
    return pulled


def compare(archive: ChartArchive, published: Path | None) -> PublishStep:
    if published is None:
        return PublishStep(archive, PUSH, "not in the registry")
    digest = f"sha256:{file_sha256(published)}"
    if digest == archive.digest:
        return PublishStep(archive, SKIP, f"already published, the same archive ({digest})")
    local, remote = archive_files(archive.path), archive_files(published)
    if local == remote:
        return PublishStep(
            archive,
            SKIP,
            "already published with the same files (the archives differ in tar metadata only)",
        )
    differing = sorted(n for n in local.keys() | remote.keys() if local.get(n) != remote.get(n))
    shown = ", ".join(differing[:5]) + (f" and {len(differing) - 5} more" if differing[5:] else "")
    return PublishStep(
        archive,
        REFUSE,
        f"the registry holds this version with other content ({shown} differ; published "
        f"{digest}, here {archive.digest}): a published version is never overwritten, raise "
        "the chart's version",
    )


def plan_publish(
    helm: Helm, registry: str, archives: Sequence[ChartArchive], plain_http: bool = False
) -> list[PublishStep]:
    steps = []
    for archive in archives:
        with tempfile.TemporaryDirectory(prefix="chartkit-published-") as tmp:
            published = published_archive(helm, registry, archive, Path(tmp), plain_http)
            steps.append(compare(archive, published))
    return steps


def publish(
    helm: Helm, registry: str, steps: Sequence[PublishStep], plain_http: bool = False
) -> list[PublishStep]:
    """Push the archives the plan says to push (none when it refuses one); returns them."""
    if any(step.action == REFUSE for step in steps):
        raise PublishError("refused: nothing was pushed")
    pushed = [step for step in steps if step.action == PUSH]
    for step in pushed:
        try:
            helm.push(step.archive.path, registry, plain_http)
        except HelmError as error:
            raise PublishError(f"helm push of {step.archive.path.name}: {error}") from None
    return pushed
