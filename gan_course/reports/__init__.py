"""Reports from real runs, for the course book (``book/``): what was run and on what machine,
the small artefacts a report shows, and the numbers a written analysis quotes.

| module        | what                                                                         |
|---------------|------------------------------------------------------------------------------|
| ``provenance``| ``run.json``: commands, seed, package version, hardware, wall time           |
| ``results``   | collect_run / collect_comparison (small files out of run dirs), load_result  |
| ``dynamics``  | training_phases, end_of_training: phases, equilibrium, D winning            |
| ``tables``    | markdown_table, format_value, format_mean_std                                |

The book's chapters import these and read ``book/results/``; ``book/reproduce.py`` writes it.
"""

from __future__ import annotations

from .dynamics import (BALANCED_GAP, FINAL_SHARE, LEADING_GAP, LEVELS, MIN_PHASE_SHARE, STEADY_CHANGE, TREND_WINDOW_SHARE,
                       TRENDS, WINNING_D_FAKE, EndOfTraining, Phase, end_of_training, training_phases)
from .provenance import RUN_RECORD, hardware, read_run_record, run_record, write_run_record
from .results import StoredResult, collect_comparison, collect_run, epoch_grids, folder_size, load_result, read_csv_rows
from .tables import format_mean_std, format_value, markdown_table

__all__ = [
    "BALANCED_GAP", "FINAL_SHARE", "LEADING_GAP", "LEVELS", "MIN_PHASE_SHARE", "RUN_RECORD", "STEADY_CHANGE",
    "TREND_WINDOW_SHARE", "TRENDS", "WINNING_D_FAKE", "EndOfTraining",
    "Phase", "StoredResult", "collect_comparison", "collect_run", "end_of_training", "epoch_grids", "folder_size",
    "format_mean_std", "format_value", "hardware", "load_result", "markdown_table", "read_csv_rows", "read_run_record",
    "run_record", "training_phases", "write_run_record",
]
