"""Markdown tables of results."""

from __future__ import annotations

import math

from gan_course.reports import format_value, markdown_table


def test_values_are_formatted_per_column_and_missing_ones_say_so():
    rows = [{"name": "bce", "fid": 41.234, "ok": True}, {"name": "a|b", "fid": math.nan, "ok": False},
            {"name": "c", "fid": None}]
    table = markdown_table(rows, {"name": "strategy", "fid": "FID", "ok": "ok"}, {"fid": ".1f"})
    assert table.splitlines() == ["| strategy | FID | ok |", "|---|---|---|", "| bce | 41.2 | yes |",
                                  "| a\\|b | n/a | no |", "| c | n/a | n/a |"]


def test_format_value_falls_back_to_str_for_text_with_a_number_format():
    assert format_value("gan", ".2f") == "gan"
    assert format_value(0.123, ".0%") == "12%"
