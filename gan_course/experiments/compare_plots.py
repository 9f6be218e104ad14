"""The figures of a comparison (:mod:`gan_course.experiments.compare`), drawn from its rows and run directories.

- ``fid.png``: FID per member, with each member's real-vs-real floor marked on its bar (FID
  cannot be expected below it at the same sample count; Heusel et al. 2017);
- ``kid.png``: KID mean per member with its std over subsets as error bars (Binkowski et al. 2018);
- ``time.png``: training seconds per member, labelled with s/epoch and the evaluation overhead;
- ``class_acc.png`` (conditional members): the shipped classifier's accuracy on the generated
  images per requested class;
- ``losses.png``: D and G losses of every member overlaid (from each ``history.json``);
- ``class_grids.png``: :data:`GRID_PER_CLASS` samples per class from every
  member's best checkpoint, side by side (a plain grid for unconditional members), from the same
  latents for every member.

With seeds (:mod:`gan_course.experiments.seeds`) the rows are each member's summary over its
seeds: every bar is the mean over seeds with the standard deviation over seeds as its error bar
(KID's too: the spread between seeds, not KID's spread over subsets), titles say how many seeds,
and the loss curves and sample grids come from each member's first seed.
"""

from __future__ import annotations

from pathlib import Path

import torch

from ..plotting import plot_comparison_bars, save_figure
from ..plotting.comparison import plot_grids_side_by_side, plot_loss_panels
from ..run_dir import RunDir

GRID_PER_CLASS = 8  # samples per class (one row per class) in class_grids.png
UNCONDITIONAL_ROWS = 10  # rows of a plain grid for unconditional members
GRID_SEED = 0  # latents of the sample grids (the same for every member)


def _values(rows: list[dict], key: str) -> dict:
    return {row["strategy"]: row[key] for row in rows if row.get(key) is not None}


def _bars(rows: list[dict], key: str, seeds: list[int] | None) -> tuple[dict, dict | None, str]:
    """``(values, errors, note)`` of one score: the rows' ``key``, or with seeds its mean over
    seeds with the std over seeds as errors (0 where one seed gives none)."""
    if seeds is None:
        return _values(rows, key), None, ""
    values = _values(rows, f"{key}_mean")
    stds = _values(rows, f"{key}_std")
    return values, {name: stds.get(name, 0.0) for name in values}, f" (mean +- std over {len(seeds)} seeds)"


def _fid_figure(rows: list[dict], path: Path, title: str, seeds: list[int] | None = None) -> Path | None:
    values, errors, note = _bars(rows, "fid", seeds)
    if not values:
        return None
    fig = plot_comparison_bars(values, errors=errors, ylabel="FID (lower is better)", title=f"{title}: FID{note}")
    floors = [row.get("fid_floor") for row in rows if row["strategy"] in values]
    if any(f is not None for f in floors):
        ax = fig.axes[0]
        positions = [i for i, f in enumerate(floors) if f is not None]
        ax.scatter(positions, [f for f in floors if f is not None], marker="_", s=900, linewidths=2.5, color="black",
                   zorder=3, label="real-vs-real floor", gid="floor")
        ax.legend(loc="best")
    return save_figure(fig, path)


def _kid_figure(rows: list[dict], path: Path, title: str, seeds: list[int] | None = None) -> Path | None:
    values = _values(rows, "kid_mean")
    if not values:
        return None
    errors = {name: (_values(rows, "kid_std").get(name) or 0.0) for name in values}
    over = f"over {len(seeds)} seeds" if seeds is not None else "over subsets"
    return save_figure(plot_comparison_bars(values, errors=errors, ylabel="KID (lower is better)",
                                            title=f"{title}: KID (mean +- std {over})", fmt="{:.4f}"), path)


def _class_acc_figure(rows: list[dict], path: Path, title: str, seeds: list[int] | None = None) -> Path | None:
    values, errors, note = _bars(rows, "class_acc", seeds)
    if not values:  # no conditional member
        return None
    fig = plot_comparison_bars(values, errors=errors, ylabel="class accuracy (higher is better)",
                               title=f"{title}: class accuracy{note}", fmt="{:.1%}")
    fig.axes[0].set_ylim(0, 1.15)
    return save_figure(fig, path)


def _time_figure(rows: list[dict], path: Path, title: str, seeds: list[int] | None = None) -> Path | None:
    values, errors, note = _bars(rows, "train_time_s", seeds)
    if not values:
        return None
    fig = plot_comparison_bars(values, errors=errors, ylabel="training time (s)", title=f"{title}: training time{note}",
                               fmt="{:.3g} s")
    ax = fig.axes[0]
    notes = []
    suffix = "_mean" if seeds is not None else ""
    for row in rows:
        if row["strategy"] in values:
            per_epoch = (f"{row[f's_per_epoch{suffix}']:.1f} s/epoch"
                         if row.get(f"s_per_epoch{suffix}") is not None else "")
            overhead = (f"eval {100 * row[f'eval_overhead{suffix}']:.1f} %"
                        if row.get(f"eval_overhead{suffix}") is not None else "")
            notes.append("\n".join(t for t in (row["strategy"], per_epoch, overhead) if t))
    ax.set_xticks(range(len(notes)), notes)
    return save_figure(fig, path)


def _grid_images(run_dir: Path) -> tuple[torch.Tensor, list[str] | None]:
    """Samples of a run's best generator: GRID_PER_CLASS per class, class by class (or a plain grid)."""
    from ..data import get_spec
    from ..sampling import generate, noise
    from ..train import load_generator

    generator, config = load_generator(run_dir, device="cpu")
    num_classes = int(getattr(generator, "num_classes", 0) or 0)
    rows = num_classes or UNCONDITIONAL_ROWS
    z = noise(rows * GRID_PER_CLASS, generator.latent_dim, seed=GRID_SEED)
    labels = torch.arange(num_classes).repeat_interleave(GRID_PER_CLASS) if num_classes else None
    names = None
    if num_classes:
        names = list(get_spec(config.dataset).class_names) or [str(c) for c in range(num_classes)]
    return generate(generator, z, labels), names


def write_comparison_plots(out_dir: Path, rows: list[dict], run_dirs: dict, *, title: str,
                           seeds: list[int] | None = None) -> list[Path]:
    """Draw every figure of a comparison into ``out_dir``; returns the paths written.

    rows: the comparison's rows (with ``seeds``: the summaries over seeds); run_dirs: member ->
    the run whose losses and samples are drawn (with seeds: the member's first seed)."""
    first = f" (seed {seeds[0]})" if seeds is not None else ""
    written = [
        _fid_figure(rows, out_dir / "fid.png", title, seeds),
        _kid_figure(rows, out_dir / "kid.png", title, seeds),
        _time_figure(rows, out_dir / "time.png", title, seeds),
        _class_acc_figure(rows, out_dir / "class_acc.png", title, seeds),
        plot_loss_panels({m: RunDir(d).history for m, d in run_dirs.items()}, path=out_dir / "losses.png",
                         title=f"{title}: losses{first}") and out_dir / "losses.png",
    ]
    panels, labels = {}, None
    for index, (member, run_dir) in enumerate(run_dirs.items()):
        panels[member], names = _grid_images(run_dir)
        labels = names if index == 0 else labels  # the first grid's rows carry the class names
    plot_grids_side_by_side(panels, columns=GRID_PER_CLASS, row_labels=labels, path=out_dir / "class_grids.png",
                            title=f"{title}: samples per class (best checkpoints{first})")
    written.append(out_dir / "class_grids.png")
    return [p for p in written if p is not None]
