"""Tables for reports: rows of numbers as a Markdown table, each column with its own format.

The course book shows tables computed from stored results; writing them as Markdown (which
Jupyter Book renders as an HTML table) keeps pandas out of the dependencies.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

MISSING = "n/a"  # what an empty cell (None, NaN) shows


def format_value(value: Any, spec: str = "") -> str:
    """``value`` formatted with ``spec`` (a format spec such as ``".3g"``); None/NaN -> ``n/a``."""
    if value is None or (isinstance(value, float) and value != value):
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    try:
        return format(value, spec)
    except (TypeError, ValueError):
        return str(value)


def format_mean_std(mean: Any, std: Any, spec: str = "") -> str:
    """``mean ± std`` (a mean and standard deviation over seeds), both with ``spec``; only the
    mean when ``std`` is missing (one seed); ``n/a`` without a mean."""
    if format_value(mean) == MISSING:
        return MISSING
    if format_value(std) == MISSING:
        return format_value(mean, spec)
    return f"{format_value(mean, spec)} ± {format_value(std, spec)}"


def markdown_table(rows: Sequence[Mapping[str, Any]], columns: Mapping[str, str],
                   formats: Mapping[str, str] | None = None) -> str:
    """A Markdown table of ``rows``; ``columns`` maps a row key to its header, in order;
    ``formats`` maps a key to its format spec (default: ``str``). Pipes in cells are escaped."""
    formats = dict(formats or {})
    keys = list(columns)
    lines = ["| " + " | ".join(columns[k] for k in keys) + " |", "|" + "---|" * len(keys)]
    for row in rows:
        cells = (format_value(row.get(k), formats.get(k, "")).replace("|", "\\|") for k in keys)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
