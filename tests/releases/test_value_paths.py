"""Dotted paths into values with `*` parts."""

from __future__ import annotations

from chartkit.releases.value_paths import fill_stars, matches, value_at

VALUES = {"catalog": {"stt": {"port": 8080}, "tts": {"port": 9090}, "x": 1}, "on": False}


def test_a_star_matches_every_key_of_a_map_in_order() -> None:
    assert list(matches(VALUES, ["catalog", "*", "port"])) == [
        (("catalog", "stt", "port"), 8080),
        (("catalog", "tts", "port"), 9090),
    ]
    assert list(matches(VALUES, ["on", "*"])) == [] and list(matches(VALUES, ["no"])) == []


def test_a_path_reads_its_value_or_none_and_stars_fill_in_order() -> None:
    assert (value_at(VALUES, ["on"]), value_at(VALUES, ["catalog", "x", "y"])) == (False, None)
    found = ("catalog", "tts", "port")
    assert fill_stars(["catalog", "*", "env", "PORT"], ["catalog", "*", "port"], found) == (
        "catalog",
        "tts",
        "env",
        "PORT",
    )
