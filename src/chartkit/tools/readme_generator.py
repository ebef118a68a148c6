"""Chart READMEs: the Parameters table is generated from `## @param` comments in values.yaml
by bitnami's readme-generator-for-helm (installed from npm into node_modules/)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


class DocsError(Exception):
    pass


@dataclass(frozen=True)
class ReadmeGenerator:
    root: Path

    @property
    def binary(self) -> Path:
        binary = self.root / "node_modules" / ".bin" / "readme-generator"
        if not binary.exists():
            raise DocsError(f"{binary} is missing: run `make setup` (npm ci)")
        return binary

    def documented_charts(self) -> list[Path]:
        """Application charts (library charts have no values to document)."""
        charts = []
        for chart_yaml in sorted((self.root / "charts").glob("*/Chart.yaml")):
            if "type: library" not in chart_yaml.read_text():
                charts.append(chart_yaml.parent)
        return charts

    def generate(self, chart: Path, readme: Path | None = None) -> None:
        target = readme or chart / "README.md"
        result = subprocess.run(
            [str(self.binary), "--values", str(chart / "values.yaml"), "--readme", str(target)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            raise DocsError(
                f"readme-generator failed for {chart.name}:\n"
                f"{(result.stdout + result.stderr).strip()}"
            )

    def stale(self, chart: Path) -> bool:
        """Whether the chart's README differs from what the generator would write."""
        readme = chart / "README.md"
        if not readme.exists():
            return True
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "README.md"
            shutil.copyfile(readme, copy)
            self.generate(chart, copy)
            return copy.read_text() != readme.read_text()
