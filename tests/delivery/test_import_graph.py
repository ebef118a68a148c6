"""chartkit.delivery.import_graph on a small package written for the test, and on chartkit."""

from __future__ import annotations

from pathlib import Path

from chartkit.delivery.import_graph import import_graph, imported_modules, package_modules

ROOT = Path(__file__).resolve().parents[2]


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_every_kind_of_import_is_an_edge_to_the_module_it_names(tmp_path: Path) -> None:
    src = write(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg import low\n",
            "pkg/low.py": "import json\n",
            "pkg/sub/__init__.py": "from . import leaf\n",
            "pkg/sub/leaf.py": "from ..low import thing\n",
            "pkg/top.py": (
                "from __future__ import annotations\n"
                "import yaml\n"
                "import pkg.low\n"
                "from pkg.sub import leaf, NAME\n"
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n"
                "    from pkg.sub.leaf import Hint\n"
                "def later():\n"
                "    from pkg import top\n"
            ),
        },
    )
    assert import_graph(src, "pkg") == {
        "pkg": {"pkg.low"},
        "pkg.low": set(),
        "pkg.sub": {"pkg.sub.leaf"},
        "pkg.sub.leaf": {"pkg.low"},
        "pkg.top": {"pkg.low", "pkg.sub", "pkg.sub.leaf"},
    }


def test_a_file_outside_the_package_is_read_against_its_modules(tmp_path: Path) -> None:
    src = write(
        tmp_path, {"pkg/__init__.py": "", "pkg/a.py": "", "test_x.py": "from pkg.a import f\n"}
    )
    modules = package_modules(src, "pkg")
    assert set(modules) == {"pkg", "pkg.a"}
    assert imported_modules(src / "test_x.py", "test_x", modules) == {"pkg.a"}


def test_chartkit_reads_as_its_packages() -> None:
    graph = import_graph(ROOT / "src")
    assert "chartkit.cli" in graph and "chartkit.tools.helm" in graph
    assert "chartkit.tools.helm" in graph["chartkit.releases.render"]
    assert graph["chartkit.tools.helm"] == {
        "chartkit.tools.durations",
        "chartkit.tools.head_start",
        "chartkit.tools.streaming",
        "chartkit.tools.yaml_io",
    }
