"""The shape of chartkit: imports flow one way through its layers of packages, each package
says what it may import, and modules and functions stay small."""

from __future__ import annotations

import ast
import re
import runpy
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from chartkit.delivery.import_graph import import_graph, package_modules

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
# Packages in layers, lowest first: a module imports from its own package and from packages
# of earlier layers only (so nothing imports cli, and no check imports cluster).
LAYERS = (
    ("tools",),
    ("releases",),
    ("checks",),
    ("sizing",),
    ("cluster", "delivery", "migration"),
    ("cli",),
)
LAYER = {package: index for index, layer in enumerate(LAYERS) for package in layer}
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def package_of(module: str) -> str | None:
    """The top-level package of a chartkit module (None for chartkit itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def below(package: str) -> set[str]:
    return {other for other, layer in LAYER.items() if layer < LAYER[package]}


def wrong_way_imports(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for module, imported in sorted(graph.items()):
        own = package_of(module)
        for target in sorted(imported):
            other = package_of(target)
            if own is None or other is None or other == own:
                continue
            if other not in below(own):
                found.append(f"{module} imports {target}: {other} is not below {own}")
    return found


def test_every_module_belongs_to_a_layered_package() -> None:
    modules = package_modules(SRC, "chartkit")
    stray = [m for m in modules if m != "chartkit" and package_of(m) not in LAYER]
    assert not stray, f"modules outside the packages of LAYERS: {stray}"
    assert set(LAYER) == {m.split(".")[1] for m in modules if m.count(".") == 1}


def test_imports_flow_one_way() -> None:
    problems = wrong_way_imports(import_graph(SRC))
    assert not problems, "\n".join(problems)


def test_a_wrong_way_import_is_named() -> None:
    graph = {
        "chartkit.checks.policy": {"chartkit.cluster.smoke", "chartkit.releases.manifest"},
        "chartkit.delivery.changes": {"chartkit.cluster.verify", "chartkit.delivery.git"},
    }
    assert wrong_way_imports(graph) == [
        "chartkit.checks.policy imports chartkit.cluster.smoke: cluster is not below checks",
        "chartkit.delivery.changes imports chartkit.cluster.verify: cluster is not below delivery",
    ]


@pytest.mark.parametrize("package", sorted(LAYER))
def test_each_package_says_what_it_may_import(package: str) -> None:
    init = SRC / "chartkit" / package / "__init__.py"
    docstring = ast.get_docstring(ast.parse(init.read_text())) or ""
    match = re.search(r"May import:(.*?)(?:\n\n|$)", docstring, re.S)
    assert match, f"{init}: the docstring has no 'May import:' paragraph"
    assert set(re.findall(r"chartkit\.(\w+)", match.group(1))) == below(package)


def sizes(path: Path) -> tuple[int, list[tuple[str, int]]]:
    """A module's line count, and (name, lines) of each function in it."""
    text = path.read_text()
    functions = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            functions.append((f"{node.name} (line {node.lineno})", node.end_lineno - start + 1))
    return len(text.splitlines()), functions


def test_modules_and_functions_are_small() -> None:
    problems = []
    for path in sorted(SRC.rglob("*.py")):
        lines, functions = sizes(path)
        where = path.relative_to(ROOT)
        if lines > MAX_MODULE_LINES:
            problems.append(f"{where}: {lines} lines (at most {MAX_MODULE_LINES})")
        problems += [
            f"{where}: {name} has {size} lines (at most {MAX_FUNCTION_LINES})"
            for name, size in functions
            if size > MAX_FUNCTION_LINES
        ]
    assert not problems, "\n".join(problems)


def test_sizes_count_decorators_and_nested_functions(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(3))
    path = tmp_path / "m.py"
    path.write_text(f"@decorator\ndef outer():\n    def inner():\n        pass\n{body}\n")
    assert sizes(path) == (7, [("outer (line 2)", 7), ("inner (line 3)", 2)])


def top_level_imports(src: Path) -> set[str]:
    """Top-level names of every module the source imports (absolute imports)."""
    found: set[str] = set()
    for path in src.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found


def normalized(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def test_every_runtime_dependency_is_imported() -> None:
    """A dependency in pyproject.toml that nothing in src/ imports is not declared."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {
        normalized(re.split(r"[<>=!~;\[ ]", d, maxsplit=1)[0]) for d in project["dependencies"]
    }
    providers = packages_distributions()
    imported = {
        normalized(distribution)
        for module in top_level_imports(SRC)
        for distribution in providers.get(module, ())
    }
    assert sorted(declared - imported) == []


def test_the_dead_code_allow_list_names_what_exists() -> None:
    """Every entry of ci/vulture_allowlist.py is still there (running it looks each up)."""
    runpy.run_path(str(ROOT / "ci" / "vulture_allowlist.py"))
    lines = (ROOT / "ci" / "vulture_allowlist.py").read_text().splitlines()
    entries = [line for line in lines if re.match(r"^[a-z_]+\.\w+", line)]
    assert entries and all("  # " in line for line in entries), "each entry gives its reason"
