"""Quality for a fixed CPU budget, and what evaluation costs: the DCGAN (assignment 01) and the
conditional GAN (assignment 05) on Fashion-MNIST, each trained for ``--minutes`` of training
time, then evaluated with the full protocol of ``gan-course evaluate``.

Per model it prints: epochs done, training seconds and s/epoch, the evaluation overhead during
training (per-epoch sample distance + validation FID every epoch, the history's ``eval_time``
over its ``time``: the target is <= 10 %), the best epoch the validation FID picked, and for
that checkpoint FID and KID (mean +- std) against the test split with the real-vs-real FID
floor at the same sample count (and the classifier's accuracy on the conditional samples), plus
the seconds the final evaluation took.

FID: Heusel et al. 2017, https://arxiv.org/abs/1706.08500; KID: Binkowski et al. 2018,
https://arxiv.org/abs/1801.01401; both in the package's own Fashion-MNIST classifier features.

An "epoch" is one pass over the first ``--train-items`` training images (default 4000), so a
short budget still spans several epochs and several validation FIDs; a run stops before an
epoch that would overrun the budget. The clock is the trainer's
own training time, which excludes evaluation, checkpoints and sample grids.

Run ``python benchmarks/evaluation_quality.py [--minutes 1.5] [--threads 1] [--samples 2000]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

MODELS = {"dcgan": "dcgan-fashion", "cgan": "cgan-fashion-bce"}  # shipped configs of assignments 01 and 05


class StopBefore:
    """Trainer callback: stop after the epoch when another epoch as long as the last would pass
    ``seconds`` of training time, so the run stays within its budget in whole epochs (at least one)."""

    def __init__(self, seconds: float):
        self.seconds = seconds

    def on_epoch_end(self, trainer, record: dict) -> None:
        if record["time"] + record["epoch_time"] > self.seconds:
            trainer.request_stop()


def run_model(name: str, *, minutes: float, out: Path, train_items: int, samples: int, fid_samples: int,
              threads: int) -> dict:
    """Train the shipped config ``MODELS[name]`` for ``minutes`` of training time, then evaluate it."""
    from gan_course.data import load_dataset
    from gan_course.train import load_config, resolve, train

    config = resolve(load_config(MODELS[name], epochs=1000, out_dir=str(out), name=name, fid_every=1,
                                 fid_samples=fid_samples, threads=threads, device="cpu", progress=False,
                                 sample_every=1000))
    data = load_dataset("fashion-mnist", max_items=train_items)
    started = time.perf_counter()
    result = train(config, data=data, callbacks=[StopBefore(60 * minutes)], overwrite=True)
    call = time.perf_counter() - started
    return summarise(name, result.run_dir, samples=samples, train_call_s=call)


def summarise(name: str, run_dir: Path, *, samples: int, train_call_s: float | None = None) -> dict:
    """evaluate_run's result for a trained run, plus the median evaluation seconds per epoch
    (the steady state, without the first epoch's one-time setup: imports, real statistics)."""
    from gan_course.experiments.evaluate import evaluate_run
    from gan_course.run_dir import RunDir

    metrics = evaluate_run(run_dir, samples=samples)
    eval_times = RunDir(run_dir).read_history()["epochs"]["eval_time"]
    return {"model": name, "config": MODELS[name], "train_call_s": train_call_s,
            "eval_s_per_epoch_median": statistics.median(eval_times), **metrics}


def print_table(rows: list[dict]) -> None:
    print("| model | epochs | train s | s/epoch | eval overhead | eval s/epoch (median) | best epoch | FID "
          "| FID floor | KID | class acc. | eval s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        t, m = r["training"], r["metrics"]
        accuracy = f"{m['class_accuracy']:.3f}" if "class_accuracy" in m else "-"
        print(f"| {r['model']} | {t['epochs']} | {t['train_time_s']:.1f} | {t['s_per_epoch']:.1f} | "
              f"{100 * t['eval_overhead']:.1f} % | {r['eval_s_per_epoch_median']:.2f} | {t['best_epoch']} | "
              f"{m['fid']:.2f} | {m['fid_floor']:.2f} | {m['kid_mean']:.4f} +- {m['kid_std']:.4f} | {accuracy} | "
              f"{r['evaluation_time_s']:.1f} |")
    protocol = rows[0]["protocols"]["fid"]
    print(f"\nprotocol: {protocol['feature']}@{protocol['feature_sha256'][:12]}, {protocol['n_fake']} generated vs "
          f"{protocol['n_real']} real ({protocol['dataset']} {protocol['real_split']}); floor: "
          f"{rows[0]['protocols']['fid_floor']['n_real']} train vs test; KID "
          f"{rows[0]['protocols']['kid']['kid_subsets']} subsets of {rows[0]['protocols']['kid']['kid_subset_size']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=1.5, help="training minutes per model (default 1.5)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--train-items", type=int, default=4000, help="training images per epoch (default 4000)")
    parser.add_argument("--samples", type=int, default=2000, help="evaluation samples (default 2000)")
    parser.add_argument("--fid-samples", type=int, default=500, help="validation FID samples (default 500)")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--out", default=None, help="keep the runs here (default: a temporary directory)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s); {args.minutes} min of training per model on the "
          f"first {args.train_items} Fashion-MNIST training images; evaluation on {args.samples} samples")
    with tempfile.TemporaryDirectory(prefix="gan-course-bench-") as tmp:
        out = Path(args.out) if args.out else Path(tmp)
        rows = [run_model(m, minutes=args.minutes, out=out, train_items=args.train_items, samples=args.samples,
                          fid_samples=args.fid_samples, threads=args.threads) for m in args.models]
    print()
    print_table(rows)


if __name__ == "__main__":
    main()
