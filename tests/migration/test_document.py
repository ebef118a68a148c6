"""The round trip migration edits values files with: untouched files come back byte for
byte, and a moved or removed key takes its own comment along and leaves the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from chartkit.migration.document import DocumentError, ValuesDocument
from chartkit.releases.inventory import find_root

ROOT = find_root(Path(__file__).parent)
FILES = sorted(
    str(p.relative_to(ROOT))
    for pattern in ("values/**/*.yaml", "ci/smoke/**/*.yaml", "charts/*/values.yaml")
    for p in ROOT.glob(pattern)
)


def move(document: ValuesDocument, old: tuple[str, ...], new: tuple[str, ...]) -> None:
    removed = document.remove(old)
    top = removed.branch_comments if removed.branch != old else None
    document.put(new, removed.value, removed.comments, near=removed, top_comments=top)


@pytest.mark.parametrize("path", FILES)
def test_every_values_file_comes_back_byte_for_byte(path: str) -> None:
    text = (ROOT / path).read_text()
    assert ValuesDocument(text).text() == text


def test_a_key_renamed_in_place_keeps_its_comments_and_place() -> None:
    document = ValuesDocument(
        "a: 1\n# the monitor\nservicemonitor:  # scraped\n  labels:\n    release: k  # sel\n"
        "# the last one\nz: 2\n"
    )
    move(document, ("servicemonitor",), ("serviceMonitor",))
    assert document.text() == (
        "a: 1\n# the monitor\nserviceMonitor:  # scraped\n  labels:\n    release: k  # sel\n"
        "# the last one\nz: 2\n"
    )


def test_a_key_moved_up_takes_its_own_comment_and_leaves_the_next_keys() -> None:
    document = ValuesDocument(
        "# header\n\nname: x  # eol\n# about service\nservice:\n  # the label\n"
        "  name: a  # eol name\n  # the port\n  port: 8010\n"
    )
    move(document, ("service", "name"), ("serviceName",))
    assert document.text() == (
        "# header\n\nname: x  # eol\n# the label\nserviceName: a  # eol name\n"
        "# about service\nservice:\n  # the port\n  port: 8010\n"
    )


def test_a_map_left_empty_goes_and_its_comment_goes_with_the_new_key() -> None:
    document = ValuesDocument(
        "a: 1\n\n# Canary analysis\nprometheus:\n  address: http://p  # here\n# next\nb: 2\n"
    )
    move(document, ("prometheus", "address"), ("analysis", "prometheusAddress"))
    assert document.text() == (
        "a: 1\n\n# Canary analysis\nanalysis:\n  prometheusAddress: http://p  # here\n"
        "# next\nb: 2\n"
    )


def test_a_key_moved_deeper_is_reindented_with_its_comment() -> None:
    document = ValuesDocument(
        "updateStrategy:\n  type: RollingUpdate\n  # surge\n  maxSurge: 1\n  maxUnavailable: 0\n"
    )
    move(document, ("updateStrategy", "maxSurge"), ("updateStrategy", "rollingUpdate", "maxSurge"))
    assert document.text() == (
        "updateStrategy:\n  type: RollingUpdate\n  rollingUpdate:\n    # surge\n"
        "    maxSurge: 1\n  maxUnavailable: 0\n"
    )


def test_a_removed_key_takes_its_comment_and_keeps_a_section_comment() -> None:
    document = ValuesDocument(
        "service:\n  name: a\n\n  # section\n\n  # the version\n  version: v  # eol\n"
        "  port: 1\n# trailing\n"
    )
    document.remove(("service", "version"))
    assert document.text() == "service:\n  name: a\n\n  # section\n\n  port: 1\n# trailing\n"


def test_the_files_indentation_and_flow_style_are_kept() -> None:
    text = "list:\n  - a\n  - b\nold: {x: 1, y: [1, 2]}\nkeep:\n    deep: 1\n"
    document = ValuesDocument(text.replace("keep:\n    deep: 1\n", "keep:\n  deep: 1\n"))
    move(document, ("old",), ("new",))
    assert document.text() == "list:\n  - a\n  - b\nnew: {x: 1, y: [1, 2]}\nkeep:\n  deep: 1\n"


def test_null_stays_null_and_an_empty_file_is_an_empty_map() -> None:
    assert ValuesDocument("a: null\nb: {}\n").text() == "a: null\nb: {}\n"
    assert not ValuesDocument("# only a comment\n").data


@pytest.mark.parametrize(("text", "words"), [("- a\n", "mapping"), ("a: [\n", "not valid YAML")])
def test_what_cannot_be_edited_is_refused(text: str, words: str) -> None:
    with pytest.raises(DocumentError, match=words):
        ValuesDocument(text)


def test_lines_are_the_files_and_matches_expand_stars() -> None:
    document = ValuesDocument("a: 1\ncatalog:\n  x:\n    env: {}\n  y:\n    env: {}\n  z: 1\n")
    assert document.line(("catalog", "y", "env")) == 6
    assert list(document.matches(("catalog", "*", "env"))) == [
        ("catalog", "x", "env"),
        ("catalog", "y", "env"),
    ]
