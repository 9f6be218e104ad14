"""Reading the training dynamics of a GAN from its history: phases of training, the distance from
the equilibrium, and the signs of a discriminator that wins (the road to mode collapse).

The equilibrium. For a fixed generator the optimal discriminator is D*(x) = p_data(x) /
(p_data(x) + p_g(x)); at the global optimum p_g = p_data and D* = 1/2 everywhere (Goodfellow et
al. 2014, "Generative Adversarial Nets", https://arxiv.org/abs/1406.2661, proposition 1 and
theorem 1). So the curves of the mean D(x) on real and D(G(z)) on generated samples meet at
1/2 when G has won; in practice they approach each other and oscillate, and a gap that opens
and stays open means D separates the two sets: G's gradients weaken and it tends to park its
samples on the few modes D still accepts (Arjovsky & Bottou 2017, "Towards Principled Methods
for Training GANs", https://arxiv.org/abs/1701.04862, section 2; Goodfellow 2016, "NIPS 2016
Tutorial: GANs", https://arxiv.org/abs/1701.00160, section 5.1.1 on mode collapse).

Phases. The story of a run is told by the gap between the mean scores, ``gap = D(x) - D(G(z))``
(probabilities, so BCE-style losses only), smoothed with the bias-corrected moving average of
:func:`gan_course.plotting.smooth_curve`. Every logged step gets the *trend* of the smoothed gap
over a centred window of :data:`TREND_WINDOW_SHARE` of the run:

- ``"D pulls ahead"``: the gap opens by more than :data:`STEADY_CHANGE` over the window (D learns
  to separate real from generated samples faster than G improves);
- ``"G catches up"``: the gap closes by more than that (G's samples fool D more and more);
- ``"stalemate"``: it changes less (the players hold each other; at the equilibrium this is
  where a run ends, with the gap near 0).

Consecutive steps with one trend form a phase; a phase shorter than :data:`MIN_PHASE_SHARE` of
the run is merged into the one before it (into the next for the first), so one noisy wiggle
does not count as a phase. Each phase also gets a *level* from its mean smoothed gap:
``"discriminator leads"`` above :data:`LEADING_GAP`, ``"near equilibrium"`` below
:data:`BALANCED_GAP`, ``"contest"`` in between. The thresholds are conventions of this course,
stated in the book beside every phase table.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..plotting.curves import EQUILIBRIUM_D
from ..plotting.series import auto_smoothing, load_history, smooth_curve

LEADING_GAP = 0.5  # D(x) - D(G(z)) above this: the discriminator leads (e.g. D(x) 0.85, D(G(z)) 0.2)
BALANCED_GAP = 0.1  # below this: near the equilibrium D(x) = D(G(z)) = 1/2
MIN_PHASE_SHARE = 0.08  # shorter phases (share of logged steps) merge into their neighbour
TREND_WINDOW_SHARE = 0.1  # the trend of the gap is its change over this share of the run
STEADY_CHANGE = 0.05  # a smoothed gap changing less than this over the window is steady
FINAL_SHARE = 0.25  # "the end of training": the last quarter of the logged steps
WINNING_D_FAKE = 0.1  # mean D(G(z)) below this at the end: D rejects nearly every fake
LEVELS = ("discriminator leads", "contest", "near equilibrium")
TRENDS = ("D pulls ahead", "G catches up", "stalemate")


@dataclass(frozen=True)
class Phase:
    """A stretch of training with one trend of the gap; steps and epochs inclusive.

    label: one of :data:`TRENDS`; level: one of :data:`LEVELS` (from the mean smoothed gap);
    gap_start / gap_end / gap_mean: the smoothed gap D(x) - D(G(z)) at its first and last step
    and its mean over the phase; d_real,
    d_fake, d_loss, g_loss: means of the raw logged values over the phase.
    """

    label: str
    level: str
    start_step: int
    end_step: int
    start_epoch: int
    end_epoch: int
    gap_start: float
    gap_end: float
    gap_mean: float
    d_real: float  # mean D(x)
    d_fake: float  # mean D(G(z))
    d_loss: float
    g_loss: float

    def as_dict(self) -> dict:
        return asdict(self)


def _steps(history) -> dict[str, np.ndarray]:
    table = load_history(history)["steps"]
    needed = ("step", "epoch", "d_real", "d_fake", "d_loss", "g_loss")
    missing = [k for k in needed if not table.get(k)]
    if missing:
        raise ValueError(f"the history has no per-step {', '.join(missing)}; pass a history.json written by the trainer")
    columns = {k: np.array([np.nan if v is None else v for v in table[k]], dtype=np.float64) for k in needed}
    keep = np.isfinite(columns["d_real"]) & np.isfinite(columns["d_fake"])  # steps logged before D's first step
    return {k: v[keep] for k, v in columns.items()}


def _check_probabilities(d_real: np.ndarray, d_fake: np.ndarray) -> None:
    values = np.concatenate([d_real, d_fake])
    if values.size == 0 or np.any((values < 0) | (values > 1)):
        raise ValueError("phases need D(x) and D(G(z)) as probabilities (a BCE-style loss); this history holds "
                         "unbounded critic scores (WGAN, hinge): compare their gap, the critic's estimate, instead")


def label_gap(gap: float) -> str:
    """The level (:data:`LEVELS`) of a smoothed gap D(x) - D(G(z))."""
    if gap > LEADING_GAP:
        return "discriminator leads"
    if gap < BALANCED_GAP:
        return "near equilibrium"
    return "contest"


def _join(runs: list[list]) -> list[list]:
    """Neighbouring runs with the same label as one run."""
    joined = [runs[0]]
    for run in runs[1:]:
        if run[0] == joined[-1][0]:
            joined[-1][2] = run[2]
        else:
            joined.append(run)
    return joined


def _segments(labels: list[str], min_length: int) -> list[tuple[str, int, int]]:
    """Runs of equal labels as (label, first, last) index triples; runs shorter than
    ``min_length`` merge, shortest first, into the run before them (the first into the next)."""
    runs = _join([[label, i, i] for i, label in enumerate(labels)])
    while len(runs) > 1:
        short = [j for j, (_, first, last) in enumerate(runs) if last - first + 1 < min_length]
        if not short:
            break
        j = min(short, key=lambda k: runs[k][2] - runs[k][1])
        if j == 0:
            runs[1][1] = runs[0][1]
        else:
            runs[j - 1][2] = runs[j][2]
        del runs[j]
        runs = _join(runs)
    return [tuple(r) for r in runs]


def gap_trends(gap, window: int) -> list[str]:
    """The trend (:data:`TRENDS`) at every point of a smoothed gap ``(n,)``: its change over a
    centred window of ``window`` points (shortened at the ends)."""
    gap = np.asarray(gap, dtype=np.float64)
    n, half = len(gap), max(1, window // 2)
    trends = []
    for t in range(n):
        change = gap[min(n - 1, t + half)] - gap[max(0, t - half)]
        trends.append("D pulls ahead" if change > STEADY_CHANGE else "G catches up" if change < -STEADY_CHANGE
                      else "stalemate")
    return trends


def training_phases(history, *, smooth: float | None = None) -> list[Phase]:
    """The phases of a BCE-style run (see the module docstring), in order.

    history: anything :func:`gan_course.plotting.load_history` reads (its per-step table);
    smooth: weight of the moving average over the per-step scores (None: about 1/50 of the run).
    Raises ValueError for unbounded critic scores.
    """
    s = _steps(history)
    _check_probabilities(s["d_real"], s["d_fake"])
    n = len(s["step"])
    weight = auto_smoothing(n) if smooth is None else smooth
    gap = smooth_curve(s["d_real"], weight) - smooth_curve(s["d_fake"], weight)  # (n,)
    trends = gap_trends(gap, max(2, int(round(TREND_WINDOW_SHARE * n))))
    phases = []
    for label, first, last in _segments(trends, max(1, int(round(MIN_PHASE_SHARE * n)))):
        part = slice(first, last + 1)
        mean_gap = float(np.mean(gap[part]))
        phases.append(Phase(label=label, level=label_gap(mean_gap), gap_mean=mean_gap,
                            start_step=int(s["step"][first]), end_step=int(s["step"][last]),
                            start_epoch=int(s["epoch"][first]), end_epoch=int(s["epoch"][last]),
                            gap_start=float(gap[first]), gap_end=float(gap[last]),
                            d_real=float(np.nanmean(s["d_real"][part])), d_fake=float(np.nanmean(s["d_fake"][part])),
                            d_loss=float(np.nanmean(s["d_loss"][part])), g_loss=float(np.nanmean(s["g_loss"][part]))))
    return phases


@dataclass(frozen=True)
class EndOfTraining:
    """The scores over the last :data:`FINAL_SHARE` of the logged steps, and what they say.

    d_real / d_fake: mean D(x) and D(G(z)); gap: d_real - d_fake; distance: mean absolute
    distance of the two from the equilibrium value 1/2 (probabilities) ; discriminator_wins:
    d_fake below :data:`WINNING_D_FAKE` (G's samples are rejected: the run is heading for
    collapse or stalled); g_loss_slope: least-squares slope of the per-epoch G loss over the
    second half of the epochs (rising: D is pulling away).
    """

    d_real: float
    d_fake: float
    gap: float
    distance: float | None
    discriminator_wins: bool | None
    g_loss_slope: float | None

    def as_dict(self) -> dict:
        return asdict(self)


def end_of_training(history) -> EndOfTraining:
    """Summarise how a run ended (see :class:`EndOfTraining`); works for critics too (their raw
    scores; ``distance`` and ``discriminator_wins`` are None there)."""
    s = _steps(history)
    n = len(s["step"])
    tail = slice(max(0, n - max(1, int(round(FINAL_SHARE * n)))), n)
    d_real, d_fake = float(np.nanmean(s["d_real"][tail])), float(np.nanmean(s["d_fake"][tail]))
    values = np.concatenate([s["d_real"], s["d_fake"]])
    probabilities = bool(np.all((values >= 0) & (values <= 1)))
    epochs = load_history(history)["epochs"]
    slope = None
    if epochs.get("g_loss") and len(epochs["g_loss"]) >= 4:
        g = np.array([np.nan if v is None else v for v in epochs["g_loss"]], dtype=np.float64)
        e = np.array(epochs["epoch"], dtype=np.float64)
        half = slice(len(g) // 2, len(g))
        ok = np.isfinite(g[half])
        if ok.sum() >= 2:
            slope = float(np.polyfit(e[half][ok], g[half][ok], 1)[0])
    return EndOfTraining(
        d_real=d_real, d_fake=d_fake, gap=d_real - d_fake,
        distance=(abs(d_real - EQUILIBRIUM_D) + abs(d_fake - EQUILIBRIUM_D)) / 2 if probabilities else None,
        discriminator_wins=(d_fake < WINNING_D_FAKE) if probabilities else None, g_loss_slope=slope)
