"""``gan-course evaluate``: the full evaluation protocol of a run, written to RUN_DIR/metrics.json."""

from __future__ import annotations

import argparse


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="compute FID/KID (with the floor), ring or per-class metrics of a run into metrics.json",
        description="Evaluate a trained run: load its generator (best checkpoint by default), draw samples from "
        "fixed noise and compute the metrics that fit its data, each with its protocol (feature network, "
        "generated and real sample counts, split). Images: FID, KID mean and std, the real-vs-real FID floor at "
        "the same sample count, and for conditional models the classifier's accuracy and the FID per class. "
        "The ring: energy distance to fresh real points, coverage of each semicircle, share within 3 sigma. "
        "Writes RUN_DIR/metrics.json and prints a table.",
        epilog="examples:\n  gan-course evaluate runs/fashion-mnist-dcgan-gan\n"
        "  gan-course evaluate runs/cgan-fashion-hinge --samples 2000 --checkpoint latest\n"
        "  gan-course evaluate runs/ring --dry-run",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("run_dir", help="a run directory written by 'gan-course train'")
    parser.add_argument("--samples", type=int, default=None,
                        help="generated samples (default 10000 images or 2000 ring points)")
    parser.add_argument("--feature", default=None, metavar="NAME|PATH",
                        help="feature network: a dataset's classifier (default: the run's dataset), 'inception', "
                        "or a weights file")
    parser.add_argument("--split", default="test", help="real images to compare with: test (default) or train")
    parser.add_argument("--checkpoint", default="best", help="best (default), latest, or a .pt file")
    parser.add_argument("--seed", type=int, default=0, help="seed of the latents and real subsets (default 0)")
    parser.add_argument("--no-per-class", dest="per_class", action="store_false",
                        help="skip class accuracy and per-class FID of conditional models")
    parser.add_argument("--device", default=None, help="cpu, cuda or mps (default: the run's device choice)")
    parser.add_argument("--dry-run", action="store_true",
                        help="evaluate on 200 samples and print the table; no metrics.json is written")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from gan_course.experiments.evaluate import evaluate_run, format_table
    from gan_course.run_dir import METRICS_FILE

    samples = args.samples if not args.dry_run else min(args.samples or 200, 200)
    result = evaluate_run(args.run_dir, samples=samples, feature=args.feature, split=args.split,
                          checkpoint=args.checkpoint, seed=args.seed, per_class=args.per_class, device=args.device,
                          write=not args.dry_run, kid_subsets=10 if args.dry_run else None)
    print(format_table(result))
    target = f"{result['run_dir']}/{METRICS_FILE}"
    print(f"dry run: nothing written (a real run writes {target})" if args.dry_run else f"wrote {target}")
    return 0
