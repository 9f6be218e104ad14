"""Markdown tables of results."""

from __future__ import annotations

import math

from gan_course.reports import format_mean_std, format_value, markdown_table


def test_values_are_formatted_per_column_and_missing_ones_say_so():
    rows = [{"name": "bce", "fid": 41.234, "ok": True}, {"name": "a|b", "fid": math.nan, "ok": False},
            {"name": "c", "fid": None}]
    table = markdown_table(rows, {"name": "strategy", "fid": "FID", "ok": "ok"}, {"fid": ".1f"})
    assert table.splitlines() == ["| strategy | FID | ok |", "|---|---|---|", "| bce | 41.2 | yes |",
                                  "| a\\|b | n/a | no |", "| c | n/a | n/a |"]


def test_format_value_falls_back_to_str_for_text_with_a_number_format():
    assert format_value("gan", ".2f") == "gan"
    assert format_value(0.123, ".0%") == "12%"


def test_a_mean_over_seeds_shows_its_std_when_there_is_one():
    assert format_mean_std(41.234, 2.06, ".1f") == "41.2 ± 2.1"
    assert format_mean_std(0.9, 0.031, ".0%") == "90% ± 3%"
    assert format_mean_std(41.234, None, ".1f") == "41.2"  # one seed: no spread
    assert format_mean_std(None, 1.0, ".1f") == format_mean_std(math.nan, 1.0) == "n/a"
