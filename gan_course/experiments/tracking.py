"""Does a training loss track sample quality? Rank correlation of a loss curve with FID.

Arjovsky, Chintala and Bottou (2017), "Wasserstein GAN", section 4.2 and figures 3-4: the WGAN
critic's estimate of the Wasserstein distance falls as the samples improve, so it tracks sample
quality, while the discriminator loss of a standard GAN (Goodfellow et al. 2014) does not. This
module measures that claim on a run's own history: for each epoch that has a validation FID
(``val_fid``, written when ``fid_every`` is set), it pairs the epoch's loss column with the FID
and reports Spearman's rank correlation (Spearman 1904) between them.

A value near +1 means the loss falls exactly when FID falls (the loss tracks quality); near 0
means its ranking says nothing about the samples; negative means it moves the wrong way. Ranks,
not values, are compared, so any monotone rescaling of either curve leaves the result unchanged.

- ``w_estimate``: the critic's mean D(x) - mean D(G(z)) without the penalty (Wasserstein estimate);
- ``d_loss``: the discriminator's loss (for BCE: the quantity Arjovsky et al. show does not track).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

from scipy.stats import spearmanr

FID_COLUMN = "val_fid"  # the per-epoch validation FID the trainer writes (train/validation.py)
TRACKED_COLUMNS = ("w_estimate", "d_loss")  # the losses compared with FID, in this order
MIN_PAIRS = 3  # fewer epochs with both values than this give no meaningful rank correlation


class TrackingError(ValueError):
    """A history that cannot answer the question (no FID column, too few epochs, ...)."""


@dataclass(frozen=True)
class Tracking:
    """How one loss column ranks against FID over one run's epochs.

    rho: Spearman's rank correlation in [-1, 1] (``nan`` when one series is constant);
    pairs: the number of epochs where both the loss and the FID were recorded;
    epochs/loss/fid: those epochs and their values, in epoch order (for plotting).
    """

    column: str
    rho: float
    pairs: int
    epochs: tuple[int, ...]
    loss: tuple[float, ...]
    fid: tuple[float, ...]


def _number(value) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def rank_correlation(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman's rho between two equal-length sequences (ties get average ranks).

    a, b: n >= 2 finite numbers each. Returns a float in [-1, 1], or ``nan`` when either
    sequence is constant (its ranks carry no order).
    """
    if len(a) != len(b):
        raise TrackingError(f"the two series have different lengths ({len(a)} and {len(b)}); pair them by epoch first")
    if len(a) < 2:
        raise TrackingError(f"a rank correlation needs at least 2 pairs, got {len(a)}")
    if len(set(a)) < 2 or len(set(b)) < 2:
        return float("nan")
    return float(spearmanr(a, b).statistic)


def loss_fid_tracking(history: Mapping, column: str, *, min_pairs: int = MIN_PAIRS) -> Tracking:
    """Spearman's rho between ``history['epochs'][column]`` and the validation FID, by epoch.

    history: a run's history document (``gan_course.run_dir.read_history``), whose
    ``epochs`` mapping holds equal-length columns including ``epoch``, ``column`` and
    ``val_fid``. Epochs missing either value are skipped. Raises :class:`TrackingError` naming
    the fix when the run has no FID column or fewer than ``min_pairs`` epochs with both.
    A ``min_pairs`` below :data:`MIN_PAIRS` (at least 1) accepts shorter runs, to draw their
    curves: their ``rho`` is ``nan`` (too few epochs to rank).
    """
    if min_pairs < 1:
        raise TrackingError(f"min_pairs must be at least 1, got {min_pairs}")
    epochs = history.get("epochs") if isinstance(history, Mapping) else None
    if not isinstance(epochs, Mapping):
        raise TrackingError("the history has no 'epochs' columns; pass the document read from a run's history.json")
    if FID_COLUMN not in epochs:
        raise TrackingError(f"the history has no {FID_COLUMN!r} column: train with fid_every set (e.g. fid_every: 1) "
                            "so that every epoch records a validation FID")
    if column not in epochs:
        raise TrackingError(f"the history has no {column!r} column (it has {sorted(epochs)}); "
                            f"'w_estimate' exists only for critic losses (WGAN, WGAN-GP, hinge)")
    numbers = epochs.get("epoch") or list(range(1, len(epochs[FID_COLUMN]) + 1))
    rows = [(int(e), _number(x), _number(f)) for e, x, f in zip(numbers, epochs[column], epochs[FID_COLUMN])]
    rows = [(e, x, f) for e, x, f in rows if x is not None and f is not None]
    if len(rows) < min_pairs:
        raise TrackingError(f"only {len(rows)} epochs have both {column!r} and a validation FID; at least {min_pairs} "
                            "are needed: train for more epochs with fid_every: 1")
    e, x, f = zip(*rows)
    rho = rank_correlation(x, f) if len(rows) >= MIN_PAIRS else float("nan")
    return Tracking(column, rho, len(rows), tuple(e), tuple(x), tuple(f))


def tracking_table(histories: Mapping[str, Mapping], columns: Sequence[str] = TRACKED_COLUMNS, *,
                   min_pairs: int = MIN_PAIRS) -> list[dict]:
    """One row per (run, column) that the run's history can answer: name, column, rho, pairs.

    histories: run name -> history document. Columns a run does not log (``w_estimate`` for a BCE
    run) are left out rather than reported as errors; a run without ``val_fid`` raises, and so
    does one with fewer than ``min_pairs`` epochs (see :func:`loss_fid_tracking`).
    """
    rows = []
    for name, history in histories.items():
        for column in columns:
            if column not in (history.get("epochs") or {}):
                continue
            result = loss_fid_tracking(history, column, min_pairs=min_pairs)
            rows.append({"run": name, "column": column, "rho": result.rho, "pairs": result.pairs})
    return rows
