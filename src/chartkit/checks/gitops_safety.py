"""Template functions that make a chart unsafe to deploy from Git.

Argo CD renders a chart with `helm template` on every refresh and compares the result
with the cluster; Flux renders on every reconcile and detects drift. A chart must
therefore render the same bytes every time and must not depend on the cluster or on
whether helm is installing or upgrading:

- `lookup` asks the cluster; under `helm template` it returns nothing;
- random and time functions (randAlphaNum, uuidv4, genCA, now, ...) change on each render,
  so the application is never in sync and a Secret rotates on every sync;
- `.Release.IsInstall`, `.Release.IsUpgrade`, `.Release.Revision` are always "install,
  revision 1" under `helm template`;
- `getHostByName` resolves DNS at render time.

Only template actions are read (`{{ ... }}`, comments and string literals removed), so a
shell script quoted in a template that runs `date` is not a finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

HAZARDS: dict[str, str] = {
    "lookup": "asks the cluster; Argo CD's `helm template` gets nothing back",
    "getHostByName": "resolves DNS while rendering",
    **dict.fromkeys(
        (
            "randAlphaNum",
            "randAlpha",
            "randNumeric",
            "randAscii",
            "randBytes",
            "randInt",
            "uuidv4",
            "shuffle",
            "genPrivateKey",
            "genCA",
            "genCAWithKey",
            "genSelfSignedCert",
            "genSelfSignedCertWithKey",
            "genSignedCert",
            "genSignedCertWithKey",
            "htpasswd",
            "bcrypt",
            "encryptAES",
        ),
        "is random: every render differs, so the release never stays in sync",
    ),
    "now": "is the time of rendering: every render differs",
    ".Release.IsInstall": "is always true under `helm template`",
    ".Release.IsUpgrade": "is always false under `helm template`",
    ".Release.Revision": "is always 1 under `helm template`",
}
_ACTION = re.compile(r"\{\{(.*?)\}\}", re.S)
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`')
# a function name: a word not reached through a field or a variable ($x.now is a field)
_FUNCTION = re.compile(r"(?<![\w.$])[A-Za-z]\w*\b")
# .Release.IsUpgrade, also as $.Release.IsUpgrade or $root.Release.IsUpgrade
_RELEASE_FIELD = re.compile(r"\.Release\.(?:IsInstall|IsUpgrade|Revision)\b")


@dataclass(frozen=True)
class Hazard:
    path: str  # relative to the repository root
    line: int
    function: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: `{self.function}` {HAZARDS[self.function]}"


def template_files(charts_dir: Path) -> list[Path]:
    """Every file under charts/<chart>/templates (a chart's vendored charts/ not read
    again: the library chart is scanned as itself)."""
    return sorted(
        path
        for chart in sorted(charts_dir.iterdir())
        if (chart / "Chart.yaml").is_file()
        for path in (chart / "templates").rglob("*")
        if path.is_file()
    )


def hazards_in(text: str) -> list[tuple[int, str]]:
    """(line, function) of each hazard in a template's actions."""
    found: list[tuple[int, str]] = []
    for action in _ACTION.finditer(text):
        body = _STRING.sub('""', _COMMENT.sub("", action.group(1)))
        line = text.count("\n", 0, action.start()) + 1
        words = [*_RELEASE_FIELD.findall(body), *_FUNCTION.findall(body)]
        found.extend((line, word) for word in words if word in HAZARDS)
    return found


def template_hazards(root: Path) -> list[Hazard]:
    """Every hazard in every chart of the repository."""
    hazards: list[Hazard] = []
    for path in template_files(root / "charts"):
        relative = path.relative_to(root).as_posix()
        for line, function in hazards_in(path.read_text(errors="replace")):
            hazards.append(Hazard(relative, line, function))
    return hazards
