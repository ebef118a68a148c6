"""chartkit.tools.yaml_io: libyaml's speed, PyYAML's objects and error messages."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from chartkit.tools import yaml_io
from helpers.fresh_python import run_python

STREAM = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: web, labels: {tier: "1"}}
data:
  port: "8080"
  enabled: true
  ratio: 0.5
  script: |
    set -e
    echo hi
---
---
- a
- 2
"""


def test_reads_what_safe_load_reads() -> None:
    assert yaml_io.load_all(STREAM) == list(yaml.safe_load_all(STREAM))
    first = STREAM.split("---")[0]
    assert yaml_io.load(first) == yaml.safe_load(first)


def test_uses_libyaml_when_pyyaml_has_it() -> None:
    loader, dumper = yaml_io._fast_classes()
    assert loader is yaml.CSafeLoader
    assert issubclass(dumper, yaml.CSafeDumper)


def test_an_error_reads_as_the_pure_python_parser_words_it() -> None:
    bad = "a: b\n  c: d\n- e\n"
    with pytest.raises(yaml.YAMLError) as python_error:
        yaml.safe_load(bad)
    with pytest.raises(yaml.YAMLError) as error:
        yaml_io.load(bad)
    assert str(error.value) == str(python_error.value)
    assert "line 2, column 4" in str(error.value)
    with pytest.raises(yaml.YAMLError) as error:
        yaml_io.load_all("---\nok: 1\n---\n" + bad)
    assert "line 5, column 4" in str(error.value)


def test_multi_line_strings_are_written_as_literal_blocks() -> None:
    data = {"expr": "sum(rate(x[5m]))\n  / sum(rate(y[5m]))\n", "name": "plain", "n": 3}
    text = yaml_io.dump(data, sort_keys=False)
    assert text == "expr: |\n  sum(rate(x[5m]))\n    / sum(rate(y[5m]))\nname: plain\nn: 3\n"
    assert yaml.safe_load(text) == data


def test_both_emitters_write_the_same_text(monkeypatch: pytest.MonkeyPatch) -> None:
    documents = [
        {"data": {"dashboard.json": '{\n  "title": "x"\n}', "trailing": "a \nb"}},
        {"long": "word " * 40, "quoted": "yes", "empty": "", "unicode": "caf\u00e9"},
    ]
    fast = yaml_io.dump_all(documents, sort_keys=False)
    monkeypatch.delattr(yaml, "CSafeDumper")
    yaml_io._fast_classes.cache_clear()
    try:
        slow = yaml_io.dump_all(documents, sort_keys=False)
    finally:
        monkeypatch.undo()
        yaml_io._fast_classes.cache_clear()
    assert fast == slow
    assert list(yaml.safe_load_all(fast)) == documents
    assert fast.startswith("---\n") and fast.count("\n---\n") == 1


def test_without_libyaml_it_says_so_once_and_still_works(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delattr(yaml, "CSafeLoader")
    yaml_io._fast_classes.cache_clear()
    try:
        assert yaml_io.load_all(STREAM) == list(yaml.safe_load_all(STREAM))
        assert yaml.safe_load(yaml_io.dump({"a": "b\nc"})) == {"a": "b\nc"}
        err = capsys.readouterr().err
    finally:
        monkeypatch.undo()
        yaml_io._fast_classes.cache_clear()
    assert err.count("\n") == 1
    assert "no libyaml" in err and "pure-Python" in err


def test_pyyaml_is_loaded_when_first_used_not_with_this_module() -> None:
    code = (
        "import sys; from chartkit.tools import yaml_io; assert 'yaml' not in sys.modules; "
        "identity = yaml_io.pyyaml_identity(); assert 'yaml' not in sys.modules; "
        "yaml_io.load('a: 1'); assert 'yaml' in sys.modules; print(identity)"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(str(Path(yaml.__file__)))  # the installed PyYAML
