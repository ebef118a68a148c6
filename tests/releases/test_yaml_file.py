"""chartkit.releases.yaml_file: keys written twice are found (with the C loader too), and a
file that cannot be read or parsed is one line naming file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from chartkit.releases import yaml_file
from chartkit.releases.yaml_file import DuplicateKey, YamlFileError, parse_yaml, read_yaml

NESTED = """\
replicaCount: 2
image:
  repository: ghcr.io/x/y
  tag: "1.0"
  tag: "1.1"
extraEnv:
  - name: A
    value: "1"
    name: B
replicaCount: 3
"""


def test_a_key_written_twice_is_found_with_path_and_both_lines() -> None:
    document = parse_yaml(NESTED, "values/x.yaml")
    assert document.data["image"]["tag"] == "1.1"  # what helm keeps: the last one
    assert set(document.duplicates) == {
        DuplicateKey(key="tag", path="image.tag", line=5, first_line=4),
        DuplicateKey(key="name", path="extraEnv[0].name", line=9, first_line=7),
        DuplicateKey(key="replicaCount", path="replicaCount", line=10, first_line=1),
    }


def test_the_loader_is_libyamls_when_pyyaml_has_it() -> None:
    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML is built without libyaml here; the pure-Python loader is used")
    assert issubclass(yaml_file.key_checking_loader(), yaml.CSafeLoader)


def test_keys_a_merge_brings_in_may_be_overridden() -> None:
    text = "base: &base {cpu: 1, memory: 1Gi}\nlimits:\n  <<: *base\n  cpu: 2\n"
    document = parse_yaml(text, "x.yaml")
    assert document.data["limits"] == {"cpu": 2, "memory": "1Gi"}
    assert document.duplicates == ()


def test_an_anchored_mapping_reused_is_named_where_it_was_written() -> None:
    document = parse_yaml("a: &m {k: 1, k: 2}\nb: *m\n", "x.yaml")
    assert [d.path for d in document.duplicates] == ["a.k"]


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("image: [\n  tag: x\n", "x.yaml:3:1", "did not find expected ',' or ']'"),
        ("a: b: c\n", "x.yaml:1:5", "mapping values are not allowed"),
        ("a:\n\tb: 1\n", "x.yaml:2:1", "a tab: YAML indents with spaces"),
        ("a: 1\n---\nb: 2\n", "x.yaml:2:1", "holds more than one YAML document"),
        ("a: 'open\n", "x.yaml:2:1", "while scanning a quoted scalar that starts at line 1"),
    ],
    ids=["flow", "mapping", "tab", "two-documents", "quote"],
)
def test_bad_yaml_is_one_line_naming_file_line_and_column(text, where, words) -> None:
    with pytest.raises(YamlFileError) as raised:
        parse_yaml(text, "x.yaml")
    message = str(raised.value)
    assert message.startswith(f"{where}: ")
    assert words in message
    assert "\n" not in message


def test_missing_and_unreadable_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(YamlFileError, match=r"^values/gone.yaml: does not exist$"):
        read_yaml(tmp_path / "gone.yaml", "values/gone.yaml")
    with pytest.raises(YamlFileError, match="is a directory"):
        read_yaml(tmp_path, "values")
    (tmp_path / "latin1.yaml").write_bytes(b"a: caf\xe9\n")
    with pytest.raises(YamlFileError, match="is not UTF-8 text"):
        read_yaml(tmp_path / "latin1.yaml")


def test_an_empty_file_is_an_empty_document() -> None:
    assert parse_yaml("# only a comment\n", "x.yaml").data is None
