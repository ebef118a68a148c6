"""Every release in the inventory, bare and with every overlay, with every pinned helm:
renders, passes strict schema validation, and passes every policy rule."""

from __future__ import annotations

import pytest

from chartkit.checks.release import ReleaseChecker
from chartkit.releases.inventory import find_root, load
from chartkit.releases.render import Renderer
from chartkit.tools.toolbox import Toolbox

ROOT = find_root()
INVENTORY = load(ROOT)
OVERLAYS = [None, *(overlay.name for overlay in INVENTORY.overlays)]
HELM_VERSIONS = Toolbox(ROOT).helm_versions()


@pytest.fixture(scope="session")
def release_checker(renderer: Renderer) -> ReleaseChecker:
    return ReleaseChecker(renderer)


@pytest.mark.parametrize("helm_version", HELM_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda o: o or "bare")
@pytest.mark.parametrize("release", [r.name for r in INVENTORY.releases])
def test_release_renders_validates_and_passes_policy(
    release_checker: ReleaseChecker, release: str, overlay: str | None, helm_version: str
) -> None:
    report = release_checker.check(
        INVENTORY.release(release),
        INVENTORY.overlay(overlay) if overlay else None,
        helm_version,
    )
    assert report.ok, f"{report.label}:\n" + "\n".join(report.problems())
    assert report.manifest is not None and len(report.manifest) > 0


@pytest.mark.parametrize("release", [r.name for r in INVENTORY.releases])
def test_helm_versions_render_the_same_objects(renderer: Renderer, release: str) -> None:
    rendered = [
        renderer.render_release(INVENTORY.release(release), None, version).objects
        for version in HELM_VERSIONS
    ]
    for other in rendered[1:]:
        assert other == rendered[0]


@pytest.mark.inventory_wide
def test_every_values_file_belongs_to_a_release() -> None:
    """A values file outside the inventory would never be rendered or checked."""
    used = {path for release in INVENTORY.releases for path in release.values}
    overlays = {overlay.path for overlay in INVENTORY.overlays}
    present = {path.resolve() for path in (ROOT / "values").rglob("*.yaml")}
    assert sorted(str(p.relative_to(ROOT)) for p in present - used - overlays) == []
