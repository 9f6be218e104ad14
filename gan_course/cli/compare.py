"""``gan-course compare``: train (or reuse) the members of a comparison, evaluate each, write a CSV and figures."""

from __future__ import annotations

import argparse


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="train or reuse several runs, evaluate them and write comparison.csv and bar charts",
        description="Run a comparison: CONFIG is a comparison YAML (a shipped name such as compare-cgan-fashion, "
        "the four loss strategies of assignment 05 on one conditional GAN, or compare-two-stage, a DCGAN with and "
        "without the two-stage learning-rate decay; or a path). Each member is trained (a finished run with the "
        "same config is reused, an unfinished one resumed), evaluated with the full protocol, and the output "
        "directory gets comparison.csv (strategy,fid,kid_mean,kid_std,fid_floor,class_acc,train_time_s,s_per_epoch,"
        "best_epoch,eval_overhead, then protocol columns), comparison.json, fid.png, kid.png, time.png, "
        "class_acc.png (conditional members), losses.png and class_grids.png. With seeds (the file's 'seeds: "
        "[0, 1, 2]' or --seeds) every member trains once per seed into <out>/<member>/seed-<s>/, comparison.csv "
        "holds each member's mean and std over seeds (fid_mean,fid_std,kid_mean,kid_std,class_acc_mean,...), "
        "comparison_seeds.csv one row per member and seed, and the bars show std over seeds as error bars.",
        epilog="examples:\n  gan-course compare compare-cgan-fashion\n"
        "  gan-course compare compare-two-stage --epochs 4 --out runs/two-stage-short\n"
        "  gan-course compare compare-cgan-fashion --dry-run\n"
        "  gan-course compare compare-cgan-fashion --seeds 0 1 2",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("config",
                        help="comparison YAML: a shipped name (compare-cgan-fashion, compare-two-stage) or a path")
    parser.add_argument("--out", default=None, help="output directory (default: <runs>/compare-<name>/)")
    parser.add_argument("--epochs", type=int, default=None, help="train every member for this many epochs")
    parser.add_argument("--samples", type=int, default=None, help="evaluation samples per member (default 10000)")
    parser.add_argument("--seeds", nargs="+", default=None, metavar="SEED",
                        help="train every member once per seed (distinct integers >= 0), overriding the file's seeds")
    parser.add_argument("--force", action="store_true", help="retrain and re-evaluate every member, even finished ones")
    parser.add_argument("--dry-run", action="store_true",
                        help="check every member and run two steps of each on synthetic data; write nothing")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from gan_course.experiments.compare import compare

    compare(args.config, out=args.out, epochs=args.epochs, samples=args.samples, seeds=args.seeds, force=args.force,
            dry_run=args.dry_run, log=lambda line: print(line, flush=True))
    return 0
