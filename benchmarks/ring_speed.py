"""Wall-clock race on the 2D ring of assignment 02: the course's seed recipe against the
package's shipped fast recipe (``gan_course/configs/ring.yaml``), in one process, on the CPU,
with the same number of torch threads.

1. The seed recipe (:mod:`seed_ring_recipe`) trains to the end; its final energy distance
   ``E_seed`` (5000 generated vs 5000 fresh real points, averaged over a few draws) and its
   training wall time ``T_seed`` are recorded.
2. The package trains the ``ring`` config through ``gan_course.train.train``; a callback
   scores the sampled generator (the EMA copy when the config keeps one) after every epoch
   with exactly the same measurement (:func:`ring_eval.ring_energy_distance`).
   Its wall clock is the trainer's own training time (the history's ``time``), which leaves
   out evaluation, checkpoints and plots -- as the seed recipe's clock leaves out evaluation.

Reported: ``T_first``, the package's training time when its energy distance is first
<= ``E_seed``; ``T_stay``, from when it stays <= ``E_seed`` until the end of its run; and
the speed-ups ``T_seed / T_first`` and ``T_seed / T_stay``. The target is ``T_seed / T_first >= 20``.

Run ``python benchmarks/ring_speed.py [--seed 0 1 2] [--quick] [--epochs N]``.
Energy distance: Szekely & Rizzo 2013, "Energy statistics: A class of statistics based on
distances", J. Stat. Planning and Inference 143(8).
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

try:
    from benchmarks.ring_eval import EVAL_DRAWS, EVAL_POINTS, ring_energy_distance
    from benchmarks.seed_ring_recipe import SEED_EPOCHS, run_seed_recipe
except ImportError:  # run as a script: benchmarks/ is on sys.path
    from ring_eval import EVAL_DRAWS, EVAL_POINTS, ring_energy_distance
    from seed_ring_recipe import SEED_EPOCHS, run_seed_recipe

TARGET_SPEEDUP = 20.0  # the package must reach the seed recipe's final quality 20x sooner
QUICK_SEED_EPOCHS = 20  # --quick: a smoke run


class EnergyDistanceEachEpoch:
    """Trainer callback: the shared ring score of ``trainer.sampler`` after every epoch.

    ``timeline`` collects ``(training seconds, energy distance)``; the seconds are the
    trainer's ``record["time"]``, which excludes this evaluation.
    """

    def __init__(self, *, draws: int = EVAL_DRAWS):
        self.draws = draws
        self.timeline: list[tuple[float, float]] = []

    def on_epoch_end(self, trainer, record: dict) -> None:
        self.timeline.append((float(record["time"]), ring_energy_distance(trainer.sampler, draws=self.draws)))


@dataclass
class PackageRun:
    """The package's ring run: its per-epoch timeline and the total time of ``train``."""

    timeline: list[tuple[float, float]] = field(default_factory=list)
    train_time: float = math.nan  # trainer's training seconds (history "time" of the last epoch)
    call_time: float = math.nan  # the whole train() call: evaluation, checkpoints and plots included
    run_dir: Path | None = None
    config: dict = field(default_factory=dict)


def run_package(*, seed: int, epochs: int | None, out_dir: Path, config: str = "ring") -> PackageRun:
    """Train the shipped ``config`` with ``seed`` into ``out_dir`` and score it every epoch."""
    from gan_course.train import config_to_dict, load_config, resolve, train

    overrides = {"seed": seed, "out_dir": str(out_dir), "name": f"{Path(config).stem}-speed-seed{seed}",
                 "progress": False, "device": "cpu", "threads": torch.get_num_threads()}
    if epochs is not None:
        overrides["epochs"] = epochs
    resolved = resolve(load_config(config, **overrides))
    callback = EnergyDistanceEachEpoch()
    start = time.perf_counter()
    result = train(resolved, callbacks=[callback], overwrite=True)
    call_time = time.perf_counter() - start
    return PackageRun(callback.timeline, result.train_time, call_time, result.run_dir, config_to_dict(resolved))


def first_time_at_most(timeline: list[tuple[float, float]], threshold: float) -> float:
    """Seconds of the first checkpoint with a value <= threshold (nan when none)."""
    return next((t for t, value in timeline if value <= threshold), math.nan)


def time_staying_at_most(timeline: list[tuple[float, float]], threshold: float) -> float:
    """Seconds of the first checkpoint from which every later value is <= threshold (nan when none)."""
    when = math.nan
    for t, value in timeline:
        if value > threshold:
            when = math.nan
        elif math.isnan(when):
            when = t
    return when


def _load() -> str:
    """The machine's 1-minute load average: other processes make every timing here noisy."""
    return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"


def race(seed: int, *, seed_epochs: int, package_epochs: int | None, out_dir: Path, config: str) -> dict:
    """One seed of the race; returns a row of the summary table."""
    print(f"\n== seed {seed}: seed recipe, {seed_epochs} epochs ({_load()})", flush=True)
    baseline = run_seed_recipe(epochs=seed_epochs, seed=seed)
    print(f"== seed {seed}: package config {config!r} ({_load()})", flush=True)
    package = run_package(seed=seed, epochs=package_epochs, out_dir=out_dir, config=config)
    print(f"== seed {seed}: done ({_load()})", flush=True)
    for epoch, (t, value) in enumerate(package.timeline, start=1):
        mark = " <= E_seed" if value <= baseline.energy_distance else ""
        print(f"  package epoch {epoch:4d}  wall {t:6.2f}s  energy distance {value:.4f}{mark}", flush=True)
    t_first = first_time_at_most(package.timeline, baseline.energy_distance)
    t_stay = time_staying_at_most(package.timeline, baseline.energy_distance)
    return {"seed": seed, "e_seed": baseline.energy_distance, "t_seed": baseline.wall_time,
            "t_first": t_first, "t_stay": t_stay, "e_final": package.timeline[-1][1],
            "t_package": package.train_time, "t_call": package.call_time,
            "speedup": baseline.wall_time / t_first, "speedup_stay": baseline.wall_time / t_stay,
            "run_dir": package.run_dir, "config": package.config}


def print_table(rows: list[dict]) -> None:
    print(f"\n{'seed':>4} {'E_seed':>8} {'T_seed s':>9} {'T_first s':>10} {'T_stay s':>9} {'speed-up':>9} "
          f"{'(stay)':>7} {'E_pkg end':>10} {'T_pkg s':>8} {'train() s':>10}")
    for r in rows:
        print(f"{r['seed']:>4} {r['e_seed']:>8.4f} {r['t_seed']:>9.1f} {r['t_first']:>10.2f} {r['t_stay']:>9.2f} "
              f"{r['speedup']:>8.1f}x {r['speedup_stay']:>6.1f}x {r['e_final']:>10.4f} {r['t_package']:>8.2f} "
              f"{r['t_call']:>10.1f}")
    worst = min(r["speedup"] for r in rows)
    verdict = "meets" if worst >= TARGET_SPEEDUP else "MISSES"
    print(f"worst speed-up {worst:.1f}x {verdict} the {TARGET_SPEEDUP:.0f}x target "
          f"(first time the package's energy distance <= E_seed)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, nargs="+", default=[0], help="one race per seed (default 0)")
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke run: the seed recipe trains {QUICK_SEED_EPOCHS} epochs only")
    parser.add_argument("--epochs", type=int, default=None,
                        help=f"epochs of the seed recipe (default {SEED_EPOCHS}, or {QUICK_SEED_EPOCHS} with --quick)")
    parser.add_argument("--package-epochs", type=int, default=None, help="override the ring config's epochs")
    parser.add_argument("--config", default="ring", help="the package config to race: a shipped name or a YAML path (default: ring)")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(),
                        help="torch threads for both (default: what torch picks on this machine)")
    parser.add_argument("--out", type=Path, default=None, help="parent of the package's run directories "
                        "(default: a temporary directory, printed)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    seed_epochs = args.epochs or (QUICK_SEED_EPOCHS if args.quick else SEED_EPOCHS)
    out_dir = args.out or Path(tempfile.mkdtemp(prefix="ring-speed-"))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads (both runs); energy distance on "
          f"{EVAL_POINTS} generated vs {EVAL_POINTS} fresh real points, E_seed averaged over {EVAL_DRAWS} draws; "
          f"package runs in {out_dir}")
    rows = [race(seed, seed_epochs=seed_epochs, package_epochs=args.package_epochs, out_dir=out_dir,
                 config=args.config) for seed in args.seed]
    config = rows[0]["config"]
    print("\npackage recipe: " + ", ".join(f"{k}={config[k]}" for k in (
        "batch_size", "lr_g", "lr_d", "betas", "real_label", "d_every", "ema_decay", "n_points", "epochs")))
    print_table(rows)
    from gan_course.run_dir import RunDir

    print("scatter plots: " + ", ".join(str(RunDir(r["run_dir"]).plot("scatter.png")) for r in rows))


if __name__ == "__main__":
    main()
