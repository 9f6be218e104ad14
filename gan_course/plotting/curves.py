"""Training curves: G and D losses, the scores D(x) and D(G(z)), several runs overlaid, and
bar charts comparing strategies (FID per loss, seconds per epoch).

Goodfellow et al. 2014, "Generative Adversarial Nets", https://arxiv.org/abs/1406.2661:
at the equilibrium of the minimax game p_g = p_data and the optimal discriminator outputs
D*(x) = 1/2 everywhere (proposition 1), the dashed reference of :func:`plot_scores`.

Every helper takes a history in any form :func:`~gan_course.plotting.series.load_history`
reads (dict, path to ``history.json`` or a run directory, History object), returns a
``matplotlib.figure.Figure``, and saves it when ``path`` is given. Lines carry a ``gid``
(``"g_loss:raw"``, ``"g_loss:smooth"``, ``"d_real:raw"``, ``"<run>:raw"``, ...) so code and
tests can find them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .figure import SAVE_DPI, PlotInputError, finish, to_numpy
from .series import auto_smoothing, load_history, series, smooth_curve

EQUILIBRIUM_D = 0.5  # D*(x) = 1/2 when p_g = p_data, Goodfellow et al. 2014, proposition 1
CURVE_FIGSIZE = (7.0, 4.0)  # inches
RAW_ALPHA = 0.3  # the noisy raw curve under its smoothed line
LOSS_LINES = (("d_loss", "D loss", "C0"), ("g_loss", "G loss", "C1"))
# critic losses: the Wasserstein estimate mean D(x) - mean D(G(z)) and the penalty, drawn apart
# (Arjovsky et al. 2017, figures 3-4); histories without these columns simply lack the lines
CRITIC_LINES = (("w_estimate", "Wasserstein estimate", "C4"), ("penalty", "penalty", "C5"))
SCORE_LINES = (("d_real", "D(x)", "C2"), ("d_fake", "D(G(z))", "C3"))  # raw critic scores
PROBABILITY_LABELS = {"d_real": r"$\sigma(D(x))$", "d_fake": r"$\sigma(D(G(z)))$"}  # D returns logits: sigma of them


def _check_smooth(smooth: float | None) -> None:
    if smooth is not None and not 0.0 <= smooth < 1.0:
        raise PlotInputError(f"smooth={smooth} is outside [0, 1); use e.g. 0.9 (heavier), 0 (none) or None (automatic)")


def _draw_curve(ax: Axes, xs: np.ndarray, ys: np.ndarray, *, label: str, color: str, smooth: float | None, gid: str) -> None:
    """The raw curve, and over it its smoothed version when smoothing is on."""
    weight = auto_smoothing(len(ys)) if smooth is None else smooth
    if weight > 0:
        ax.plot(xs, ys, color=color, alpha=RAW_ALPHA, linewidth=0.8, gid=f"{gid}:raw", label="_nolegend_")
        ax.plot(xs, smooth_curve(ys, weight), color=color, linewidth=1.6, gid=f"{gid}:smooth", label=label)
    else:
        ax.plot(xs, ys, color=color, linewidth=1.2, gid=f"{gid}:raw", label=label)


def _curve_figure(title: str | None) -> tuple[Figure, Axes]:
    fig = Figure(figsize=CURVE_FIGSIZE, layout="constrained")
    ax = fig.add_subplot()
    if title:
        ax.set_title(title)
    ax.grid(True, alpha=0.3)
    return fig, ax


def _missing(history: dict, keys, what: str) -> PlotInputError:
    present = sorted(set(history["steps"]) | set(history["epochs"]))
    return PlotInputError(
        f"the history has no {what} ({' or '.join(keys)}); its columns are: {', '.join(present) or 'none'}. "
        "Pass the history.json written by training, or a dict with these columns"
    )


def plot_losses(history, *, path=None, smooth: float | None = None, x: str = "auto",
                title: str | None = None, dpi: int = SAVE_DPI) -> Figure:
    """G and D losses over training, each as its raw noisy curve with a smoothed line on top.

    For a critic (WGAN, hinge) with a ``w_estimate`` column, its Wasserstein estimate
    mean D(x) - mean D(G(z)) is drawn too, and a gradient penalty (``penalty``) apart from it,
    so the estimate is read without the penalty term that ``d_loss`` includes. Per step when the history has per-step losses, else per epoch (``x`` overrides:
    ``"step"``, ``"epoch"``, ``"time"``). ``smooth`` is the weight of the moving average
    in [0, 1) (0: raw curves only; None: about 1/50 of the curve, none for short curves).
    """
    _check_smooth(smooth)
    history = load_history(history)
    fig, ax = _curve_figure(title)
    x_label = None
    for key, label, color in LOSS_LINES:
        found = series(history, key, x=x)
        if found is not None:
            xs, ys, x_label = found
            _draw_curve(ax, xs, ys, label=label, color=color, smooth=smooth, gid=key)
    if x_label is None:
        raise _missing(history, [key for key, _, _ in LOSS_LINES], "losses")
    for key, label, color in CRITIC_LINES:
        found = series(history, key, x=x)
        if found is not None and np.isfinite(found[1]).any():
            _draw_curve(ax, found[0], found[1], label=label, color=color, smooth=smooth, gid=key)
    ax.set_xlabel(x_label)
    ax.set_ylabel("loss")
    ax.legend(loc="best")
    return finish(fig, path, dpi)


def scores_are_probabilities(*columns) -> bool:
    """True when every finite value of the columns lies in [0, 1] (and there is one)."""
    values = np.concatenate([np.asarray(c, dtype=np.float64).reshape(-1) for c in columns] or [np.empty(0)])
    values = values[np.isfinite(values)]
    return values.size > 0 and bool(np.all((values >= 0.0) & (values <= 1.0)))


def plot_scores(history, *, probabilities: bool | None = None, path=None, smooth: float | None = None,
                x: str = "auto", title: str | None = None, dpi: int = SAVE_DPI) -> Figure:
    """Mean sigma(D(x)) and sigma(D(G(z))) over training (the history's ``d_real`` and ``d_fake``),
    or the mean raw scores D(x) and D(G(z)) of an unbounded critic.

    When they are probabilities (``probabilities=None`` infers it: every value in [0, 1]),
    the y axis spans [0, 1] with a dashed line at D = 1/2, the equilibrium of the original
    GAN; for an unbounded critic (WGAN, hinge) the raw scores are drawn without it.
    """
    _check_smooth(smooth)
    history = load_history(history)
    found = {key: series(history, key, x=x) for key, _, _ in SCORE_LINES}
    if all(f is None for f in found.values()):
        raise _missing(history, [key for key, _, _ in SCORE_LINES], "discriminator scores")
    if probabilities is None:
        probabilities = scores_are_probabilities(*[f[1] for f in found.values() if f is not None])
    fig, ax = _curve_figure(title)
    for key, label, color in SCORE_LINES:
        if found[key] is not None:
            xs, ys, x_label = found[key]
            label = PROBABILITY_LABELS[key] if probabilities else label
            _draw_curve(ax, xs, ys, label=label, color=color, smooth=smooth, gid=key)
    if probabilities:
        ax.axhline(EQUILIBRIUM_D, color="0.3", linestyle="--", linewidth=1.0, gid="equilibrium",
                   label=r"equilibrium $\sigma(D) = 1/2$")
        ax.set_ylim(-0.02, 1.02)
        ax.set_ylabel(r"mean $\sigma(D)$ (probability)")
    else:
        ax.set_ylabel("mean critic score")
    ax.set_xlabel(x_label)
    ax.legend(loc="best")
    return finish(fig, path, dpi)


def plot_loss_comparison(histories: Mapping, *, key: str = "g_loss", path=None, smooth: float | None = None,
                         x: str = "auto", title: str | None = None, dpi: int = SAVE_DPI) -> Figure:
    """Column ``key`` of several runs overlaid, one colour per run (``{run name: history}``).

    With ``x="auto"`` every run is drawn per step when all have per-step values, else per
    epoch, so the curves share one x axis; ``x="time"`` compares wall-clock time.
    """
    _check_smooth(smooth)
    if not isinstance(histories, Mapping) or not histories:
        raise PlotInputError("plot_loss_comparison needs a non-empty dict {run name: history}; got "
                             f"{type(histories).__name__ if not isinstance(histories, Mapping) else 'an empty dict'}")
    loaded = {name: load_history(h) for name, h in histories.items()}
    if x == "auto":
        x = "step" if all(series(h, key, x="step") is not None for h in loaded.values()) else "epoch"
    fig, ax = _curve_figure(title or f"{key} by run")
    for i, (name, history) in enumerate(loaded.items()):
        found = series(history, key, x=x)
        if found is None:
            raise PlotInputError(f"run {name!r} has no {key!r} values per {x}; pass key= a column every run has, "
                                 "or x='epoch' when some runs only logged epochs")
        xs, ys, x_label = found
        _draw_curve(ax, xs, ys, label=str(name), color=f"C{i % 10}", smooth=smooth, gid=str(name))
    ax.set_xlabel(x_label)
    ax.set_ylabel(key)
    ax.legend(loc="best")
    return finish(fig, path, dpi)


def plot_comparison_bars(values: Mapping, *, ylabel: str, errors: Mapping | None = None, title: str | None = None,
                         path=None, fmt: str = "{:.3g}", dpi: int = SAVE_DPI) -> Figure:
    """A bar per entry of ``values`` (``{"bce": 41.2, "hinge": 37.9}``) with its value written
    on the bar (``fmt``) and optional error bars (``errors``: the same keys, e.g. a standard
    deviation over seeds). Bars keep the mapping's order."""
    if not isinstance(values, Mapping) or not values:
        raise PlotInputError("plot_comparison_bars needs a non-empty dict {name: value}, e.g. {'bce': 41.2, 'hinge': 37.9}")
    names = [str(name) for name in values]
    heights = to_numpy([float(v) for v in values.values()], name="values")
    yerr = None
    if errors is not None:
        missing = [str(name) for name in values if name not in errors]
        if missing:
            raise PlotInputError(f"errors has no entry for {', '.join(missing)}; give errors the same keys as values")
        yerr = to_numpy([float(errors[name]) for name in values], name="errors")
    width = max(4.0, 1.1 * len(names) + 1.5)
    fig = Figure(figsize=(width, 4.0), layout="constrained")
    ax = fig.add_subplot()
    positions = np.arange(len(names))
    bars = ax.bar(positions, heights, yerr=yerr, capsize=4 if yerr is not None else 0,
                  color=[f"C{i % 10}" for i in range(len(names))], gid="bars")
    ax.bar_label(bars, labels=[fmt.format(v) for v in heights], padding=3)
    ax.set_xticks(positions, names)
    ax.set_ylabel(ylabel)
    ax.margins(y=0.15)
    ax.grid(True, axis="y", alpha=0.3)
    if title:
        ax.set_title(title)
    return finish(fig, path, dpi)
