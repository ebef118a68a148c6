"""Which modules of a package import which, read from the source with `ast` (nothing is
imported or run).

An edge goes to the module an import statement names: `import a.b`, `from a.b import c`
(a.b.c when that is a module of the package, else a.b) and relative imports resolved
against the importing module. Imports inside functions and under TYPE_CHECKING count too.
Importing a module also runs the __init__ of each package above it; those are not edges.
"""

from __future__ import annotations

import ast
from collections.abc import Collection
from pathlib import Path


def package_modules(src: Path, package: str) -> dict[str, Path]:
    """module name -> file, for every module of the package under `src` (a package is
    named by its __init__.py)."""
    modules: dict[str, Path] = {}
    for path in sorted((src / package).rglob("*.py")):
        parts = path.relative_to(src).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _known(name: str, known: Collection[str]) -> str | None:
    """The longest leading part of a dotted name that is a known module."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None


def _base(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The module a `from ... import` takes names from, relative imports resolved."""
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    anchor = parts if is_package else parts[:-1]
    anchor = anchor[: len(anchor) - (node.level - 1)]
    return ".".join([*anchor, *([node.module] if node.module else [])])


def imported_modules(
    path: Path, module: str, known: Collection[str], is_package: bool = False
) -> set[str]:
    """The known modules the file `path` (module `module`) imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _base(module, is_package, node)
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        else:
            continue
        found.update(t for t in (_known(name, known) for name in targets) if t)
    found.discard(module)
    return found


def import_graph(src: Path, package: str = "chartkit") -> dict[str, set[str]]:
    """module -> the modules of the package it imports, for every module of the package."""
    modules = package_modules(src, package)
    return {
        name: imported_modules(path, name, modules, is_package=path.name == "__init__.py")
        for name, path in modules.items()
    }
