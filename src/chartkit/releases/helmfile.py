"""helmfile.yaml the way helmfile v1 reads it, for the fields the harness uses.

- The file is plain YAML (no `.gotmpl` extension, so helmfile does not render it as a Go
  template before parsing) made of parts separated by `---`; later parts override the
  top-level keys of earlier ones. Helmfile v1 forbids `environments:` and `releases:` in
  the same part, and so does this reader.
- `environments:` names the environments (`helmfile -e <name>`). `default` is the one
  without an overlay; every other environment <env> has its overlay values/env/<env>.yaml.
- A release takes its environment's overlay through one values entry,
  `values/env/{{ .Environment.Name }}.yaml`: helmfile renders that expression per release
  (release templating, done after parsing, whatever the file's extension). It is the only
  template expression the harness understands in helmfile.yaml.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from chartkit.releases.repository_root import INVENTORY_FILE
from chartkit.releases.yaml_file import yaml_problem
from chartkit.tools import yaml_io
from chartkit.tools.disk_cache import DiskCache, digest

OVERLAY_DIR = Path("values") / "env"
DEFAULT_ENVIRONMENT = "default"
OVERLAY_ENTRY = "values/env/{{ .Environment.Name }}.yaml"
_OVERLAY_ENTRY = re.compile(r"^(\./)?values/env/\{\{-?\s*\.Environment\.Name\s*-?\}\}\.yaml$")
_ENVIRONMENT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_STATE_ENTRY = "helmfile-state"
# helmfile's values of missingFileHandler; all but Error let a missing values file pass.
MISSING_FILE_HANDLERS = ("Error", "Warn", "Info", "Debug")


class InventoryError(Exception):
    """The inventory file is malformed; the message names the entry and the field."""


def read_state(path: Path, cache: DiskCache | None = None) -> dict[str, Any]:
    """The parts of a helmfile merged into one mapping (later parts win per top-level key).

    With a cache, the merged mapping is kept as JSON, keyed by the file's text, this
    module's code and the installed PyYAML: the next run reads it without importing PyYAML
    (`chartkit render` then starts helm sooner). A mapping JSON would change (a key that is
    not a string, a date) stays in memory (chartkit.tools.disk_cache)."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise InventoryError(f"{path} does not exist") from None
    if cache is None:
        return merge_parts(text, str(path))
    key = digest([text, Path(__file__).read_bytes(), yaml_io.pyyaml_identity()])
    return cache.json(_STATE_ENTRY, key, lambda: merge_parts(text, str(path)))


def merge_parts(text: str, where: str = INVENTORY_FILE) -> dict[str, Any]:
    import yaml  # for its error class: yaml_io has imported it by then

    try:
        parts = [part for part in yaml_io.load_all(text) if part is not None]
    except yaml.YAMLError as error:
        problem, line, column = yaml_problem(error, text)
        at = f" (line {line}, column {column})" if line else ""
        raise InventoryError(f"{where} is {problem}{at}") from None
    state: dict[str, Any] = {}
    for number, part in enumerate(parts, start=1):
        if not isinstance(part, dict):
            raise InventoryError(
                f"{where}: part {number} is a {type(part).__name__}, expected a mapping"
            )
        if "environments" in part and "releases" in part:
            raise InventoryError(
                f"{where}: part {number} has both `environments:` and `releases:`; helmfile "
                "v1 wants them in separate parts: end the environments part with a `---` line"
            )
        state.update(part)
    if not isinstance(state.get("releases"), list):
        raise InventoryError(f"{where}: expected a mapping with a `releases:` list")
    return state


def release_entries(text: str | None) -> dict[str, dict[str, Any]]:
    """name -> entry of every well-formed release of a helmfile's text ({} if unreadable)."""
    if text is None:
        return {}
    try:
        releases = merge_parts(text)["releases"]
    except InventoryError:
        return {}
    return {
        str(entry["name"]): entry
        for entry in releases
        if isinstance(entry, dict) and isinstance(entry.get("name"), str)
    }


def environment_names(state: dict[str, Any], root: Path) -> tuple[str, ...]:
    """The declared environments, `default` first; helmfile's implicit `default` alone when
    none are declared. Each non-default environment must have its overlay file."""
    declared = state.get("environments")
    if declared is None:
        return (DEFAULT_ENVIRONMENT,)
    if not isinstance(declared, dict):
        raise InventoryError(f"{INVENTORY_FILE}: `environments` must map names to settings")
    names = [str(name) for name in declared]
    if DEFAULT_ENVIRONMENT not in names:
        raise InventoryError(
            f"{INVENTORY_FILE}: environments: declare `default` (the environment without an "
            "overlay, used when helmfile runs without -e)"
        )
    for name in names:
        where = f"{INVENTORY_FILE}: environments.{name}"
        if not _ENVIRONMENT_NAME.match(name):
            raise InventoryError(f"{where}: the name must be a DNS-1123 label")
        if not isinstance(declared[name], dict | None):
            raise InventoryError(f"{where}: expected a mapping of settings (or nothing)")
        overlay = root / OVERLAY_DIR / f"{name}.yaml"
        if name == DEFAULT_ENVIRONMENT and overlay.is_file():
            raise InventoryError(
                f"{where}: {OVERLAY_DIR / overlay.name} exists, but the default environment "
                "has no overlay: remove the file, or give the environment another name"
            )
        if name != DEFAULT_ENVIRONMENT and not overlay.is_file():
            raise InventoryError(
                f"{where}: its overlay {OVERLAY_DIR / overlay.name} does not exist; create it "
                "(`global: {}` is enough) or remove the environment"
            )
    return (DEFAULT_ENVIRONMENT, *(n for n in names if n != DEFAULT_ENVIRONMENT))


def is_overlay_entry(item: str) -> bool:
    return bool(_OVERLAY_ENTRY.match(item))


def check_overlay_entry(where: str, entry: dict[str, Any], environments: tuple[str, ...]) -> None:
    """With environments declared, a release's `values` end with the overlay entry, and its
    missingFileHandler lets the default environment's absent overlay pass."""
    values = entry.get("values") or []
    templated = [i for i, item in enumerate(values) if isinstance(item, str) and "{{" in item]
    for position in templated:
        if not is_overlay_entry(values[position]) or position != len(values) - 1:
            raise InventoryError(
                f"{where}: values[{position}] {values[position]!r}: the one template "
                f"expression read here is the last entry {OVERLAY_ENTRY!r}, the environment's "
                "overlay"
            )
    if environments == (DEFAULT_ENVIRONMENT,):
        return
    if not templated:
        others = ", ".join(environments[1:])
        raise InventoryError(
            f"{where}: `values` must end with {OVERLAY_ENTRY!r}: without it, helmfile -e "
            f"<env> would deploy the release without the overlay of {others}"
        )
    handler = entry.get("missingFileHandler", "Error")
    if handler not in MISSING_FILE_HANDLERS[1:]:
        raise InventoryError(
            f"{where}: `missingFileHandler` must be Info (or Warn, Debug), got {handler!r}: "
            f"the default environment has no overlay, and helmfile's default (Error) refuses "
            f"the missing {OVERLAY_DIR}/default.yaml"
        )
