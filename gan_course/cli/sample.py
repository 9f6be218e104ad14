"""``gan-course sample``: a grid of samples (or a 2D scatter over the run's real points) from a checkpoint,
saved by :func:`gan_course.train.outputs.save_samples` like the trainer's per-epoch samples."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "sample",
        help="draw a grid of samples from a run or checkpoint",
        description="Draw samples from a trained generator (its EMA copy when the run kept one) "
        "and save them as an image grid, or as a scatter over real data for 2D models.",
        epilog="example:\n  gan-course sample runs/ring-mlp-gan --n 2000\n  gan-course sample runs/fmnist-cgan/checkpoints/best.pt --class 3",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("checkpoint", help="run directory (uses checkpoints/best.pt) or a .pt checkpoint file")
    parser.add_argument("--n", type=int, default=64, help="number of samples (default 64)")
    parser.add_argument("--nrow", type=int, default=8, help="images per grid row (default 8)")
    parser.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    parser.add_argument("--class", dest="label", type=int, default=None, help="class to draw (conditional models)")
    parser.add_argument("--truncation", type=float, default=None, help="truncation threshold for the noise")
    parser.add_argument("--no-ema", dest="use_ema", action="store_false", help="use the raw generator, not its EMA")
    parser.add_argument("--out", default=None, help="PNG path (default: <run>/samples/sample_seed<SEED>.png)")
    parser.add_argument("--device", default=None, help="cpu, cuda or mps (default: automatic)")
    parser.add_argument("--dry-run", action="store_true", help="load and sample, but write into a temp dir")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from gan_course.sampling import class_labels, generate, noise
    from gan_course.train import load_generator
    from gan_course.train.outputs import save_samples
    from gan_course.run_dir import RunDir

    if args.n < 1:
        from gan_course.errors import ConfigError

        raise ConfigError(f"--n must be at least 1, got {args.n}")
    generator, config = load_generator(args.checkpoint, device=args.device, use_ema=args.use_ema)
    z = noise(args.n, generator.latent_dim, seed=args.seed, truncation=args.truncation)
    num_classes = getattr(generator, "num_classes", 0)
    samples = generate(generator, z, class_labels(args.n, num_classes, label=args.label))
    out = Path(args.out) if args.out else RunDir.of(args.checkpoint).sample_file(f"sample_seed{args.seed}.png")
    title = f"{config.name}: {len(samples)} samples"
    if args.dry_run:
        with tempfile.TemporaryDirectory(prefix="gan-course-dry-run-") as tmp:
            save_samples(samples, Path(tmp) / out.name, config=config, nrow=args.nrow, title=title)
        print(f"dry run: sampled {tuple(samples.shape)} from {args.checkpoint}; would write {out}")
        return 0
    save_samples(samples, out, config=config, nrow=args.nrow, title=title)
    print(f"wrote {out}")
    return 0
