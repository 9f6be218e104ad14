"""Does a training loss track sample quality? One panel per run: FID and the run's own loss over
training, on twin y axes, with Spearman's rank correlation between them in the title.

Arjovsky, Chintala and Bottou (2017), "Wasserstein GAN", https://arxiv.org/abs/1701.07875,
section 4.2 and figures 3-4: the WGAN critic's estimate of the Wasserstein distance falls as the
samples improve, while the discriminator loss of a standard GAN does not follow their quality.
The numbers come from :mod:`gan_course.experiments.tracking` (a ``Tracking`` per run and column:
``column``, ``rho``, ``pairs``, ``epochs`` = the x values, ``loss``, ``fid``); any object with
those attributes is drawn, so a notebook can pair its own checkpoints (x = generator updates).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .figure import SAVE_DPI, PlotInputError, finish, to_numpy

PANEL_SIZE_IN = (4.2, 3.2)  # one run's panel
MAX_COLUMNS = 4  # panels per row
FID_COLOR = "0.15"  # FID dashed in near-black on the left axis; the loss solid in a colour on the right
COLUMN_LABELS = {"w_estimate": "critic's Wasserstein estimate", "d_loss": "discriminator loss"}
TRACKING_FIELDS = ("column", "rho", "epochs", "loss", "fid")


def _check(name: str, tracking) -> None:
    missing = [f for f in TRACKING_FIELDS if not hasattr(tracking, f)]
    if missing:
        raise PlotInputError(f"run {name!r}: expected a Tracking (gan_course.experiments.tracking.loss_fid_tracking) "
                             f"with {', '.join(TRACKING_FIELDS)}; {type(tracking).__name__} lacks {', '.join(missing)}")
    if not len(tracking.epochs) == len(tracking.loss) == len(tracking.fid) or len(tracking.epochs) == 0:
        raise PlotInputError(f"run {name!r}: x, loss and FID must be equal-length and non-empty, got "
                             f"{len(tracking.epochs)}, {len(tracking.loss)} and {len(tracking.fid)} values")


def rho_text(rho: float) -> str:
    """``"+0.83"``, or ``"undefined"`` when a series was constant (rho is nan)."""
    return "undefined" if rho is None or not math.isfinite(rho) else f"{rho:+.2f}"


def plot_tracking(trackings: Mapping, *, x_label: str = "epoch", path=None, title: str | None = None,
                  dpi: int = SAVE_DPI) -> Figure:
    """One panel per ``{panel title: Tracking}``: FID (left axis, lower is better) and the tracked
    loss column (right axis) against ``x_label``, titled with Spearman's rho.

    Lines carry ``gid`` ``"<panel>:fid"`` and ``"<panel>:loss"``. Raises PlotInputError for an
    empty mapping or a value that is not a Tracking with equal-length series.
    """
    if not isinstance(trackings, Mapping) or not trackings:
        raise PlotInputError("plot_tracking needs a non-empty dict {run name: Tracking}; compute them with "
                             "gan_course.experiments.tracking.loss_fid_tracking(history, column)")
    for name, tracking in trackings.items():
        _check(str(name), tracking)
    columns = min(len(trackings), MAX_COLUMNS)
    rows = math.ceil(len(trackings) / columns)
    fig = Figure(figsize=(PANEL_SIZE_IN[0] * columns, PANEL_SIZE_IN[1] * rows), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for i, (ax, (name, tracking)) in enumerate(zip(axes, trackings.items())):
        xs = to_numpy(list(tracking.epochs), name="x")
        color = f"C{i % 10}"
        ax.plot(xs, to_numpy(list(tracking.fid), name="fid"), color=FID_COLOR, marker="o", markersize=3,
                linewidth=1.4, linestyle="--", gid=f"{name}:fid", label="FID", zorder=3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs and generator updates are counts
        ax.set_xlabel(x_label)
        ax.set_ylabel("FID (lower is better)")
        ax.grid(True, alpha=0.3)
        twin = ax.twinx()
        label = COLUMN_LABELS.get(tracking.column, tracking.column)
        twin.plot(xs, to_numpy(list(tracking.loss), name="loss"), color=color, marker="s", markersize=3,
                  linewidth=1.4, gid=f"{name}:loss", label=label)
        twin.set_ylabel(label, color=color)
        twin.tick_params(axis="y", colors=color)
        ax.set_title(f"{name}: {tracking.column}, rho = {rho_text(tracking.rho)}", fontsize=10)
    for ax in axes[len(trackings):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    return finish(fig, path, dpi)
