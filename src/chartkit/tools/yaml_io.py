"""YAML read and written in bulk (rendered manifests, CRDs) through libyaml.

PyYAML's C classes (CSafeLoader, CSafeDumper) parse and emit several times faster than
its pure-Python ones and build the same objects. When PyYAML was built without libyaml,
the pure-Python classes are used and stderr says so once.

- YAML that libyaml refuses is parsed again by the pure-Python parser, so an error always
  reads the same: the line and column, and the line itself.
- A string that spans lines is written as a literal block (`|`), the way a chart writes a
  dashboard or a rule; both emitters then write the same text.
- PyYAML is imported when YAML is first read or written, not with this module: importing
  it costs some 9 ms, which `chartkit render` pays while helm runs rather than before
  (`pyyaml_identity` names the installed PyYAML without importing it).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterable
from importlib.machinery import PathFinder
from typing import TYPE_CHECKING, Any

from chartkit.tools.cache_files import file_identity

if TYPE_CHECKING:
    import yaml

_STR_TAG = "tag:yaml.org,2002:str"


def pyyaml_identity() -> str:
    """The installed PyYAML, for cache keys: its package file's path, size and
    modification time (pip rewrites them on every install), found without importing it."""
    spec = PathFinder.find_spec("yaml")
    origin = spec.origin if spec is not None else None
    return file_identity(origin) if origin is not None else "PyYAML: missing"


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        return dumper.represent_scalar(_STR_TAG, data, style="|")
    return dumper.represent_str(data)


def _block_dumper(base: type) -> type:
    """A subclass of `base` writing multi-line strings as literal blocks."""
    dumper = type(f"Block{base.__name__}", (base,), {})
    dumper.add_representer(str, _represent_str)
    return dumper


@functools.cache
def _fast_classes() -> tuple[type, type]:
    """(loader, dumper): libyaml's when PyYAML has it, else the pure-Python ones."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", None)
    dumper = getattr(yaml, "CSafeDumper", None)
    if loader is None or dumper is None:
        print(
            "chartkit: PyYAML has no libyaml extension: YAML is read and written by the "
            "slower pure-Python classes (reinstall PyYAML with libyaml to speed this up)",
            file=sys.stderr,
        )
        return yaml.SafeLoader, _block_dumper(yaml.SafeDumper)
    return loader, _block_dumper(dumper)


def safe_loader_class() -> type:
    """The safe loader class this module reads with, for loaders built on it (libyaml's
    CSafeLoader when PyYAML has it)."""
    return _fast_classes()[0]


def load(text: str) -> Any:
    """One YAML document, as yaml.safe_load reads it."""
    import yaml

    try:
        return yaml.load(text, Loader=_fast_classes()[0])
    except yaml.YAMLError:
        return yaml.load(text, Loader=yaml.SafeLoader)


def load_all(text: str) -> list[Any]:
    """Every document of a YAML stream, as yaml.safe_load_all reads them."""
    import yaml

    try:
        return list(yaml.load_all(text, Loader=_fast_classes()[0]))
    except yaml.YAMLError:
        return list(yaml.load_all(text, Loader=yaml.SafeLoader))


def dump(data: Any, **options: Any) -> str:
    """One document, with yaml.safe_dump's options (sort_keys, width...)."""
    import yaml

    return yaml.dump(data, Dumper=_fast_classes()[1], **options)


def dump_all(documents: Iterable[Any], **options: Any) -> str:
    """A stream of documents, each starting with `---`."""
    import yaml

    return yaml.dump_all(documents, Dumper=_fast_classes()[1], explicit_start=True, **options)
