"""``gan-course interpolate``: latent interpolation strips from a checkpoint."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "interpolate",
        help="draw latent interpolation strips (slerp or lerp) from a run or checkpoint",
        description="Walk the latent space between random endpoints and draw what the generator "
        "makes along the way: one strip per row (images), or the paths over real data (2D models).",
        epilog="example:\n  gan-course interpolate runs/fashion-mnist-dcgan-gan --rows 4 --steps 10",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("checkpoint", help="run directory (uses checkpoints/best.pt) or a .pt checkpoint file")
    parser.add_argument("--rows", type=int, default=4, help="number of independent paths (default 4)")
    parser.add_argument("--steps", type=int, default=10, help="points per path, endpoints included (default 10)")
    parser.add_argument("--method", choices=("slerp", "lerp"), default="slerp", help="interpolation (default slerp)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the endpoints (default 0)")
    parser.add_argument("--class", dest="label", type=int, default=None, help="class to hold fixed (conditional models)")
    parser.add_argument("--no-ema", dest="use_ema", action="store_false", help="use the raw generator, not its EMA")
    parser.add_argument("--out", default=None, help="PNG path (default: <run>/samples/interpolation_<method>.png)")
    parser.add_argument("--device", default=None, help="cpu, cuda or mps (default: automatic)")
    parser.add_argument("--dry-run", action="store_true", help="load and interpolate, but write into a temp dir")
    parser.set_defaults(run=run)


def draw(path_points, out: Path, *, rows: int, steps: int, title: str, config) -> None:
    """Image paths as strips (one row per path); 2D paths as points over the run's real points
    (:func:`gan_course.train.outputs.save_samples`, as every 2D sample of a run)."""
    if path_points.dim() == 2:
        from gan_course.train.outputs import save_samples

        save_samples(path_points, out, config=config, title=title)
    else:
        from gan_course import plotting

        plotting.interpolation_strip(path_points.view(rows, steps, *path_points.shape[1:]), path=out)


def run(args: argparse.Namespace) -> int:
    from gan_course.errors import ConfigError
    from gan_course.sampling import generate, interpolation_latents, row_labels
    from gan_course.train import load_generator
    from gan_course.run_dir import RunDir

    if args.rows < 1:
        raise ConfigError(f"--rows must be at least 1, got {args.rows}")
    generator, config = load_generator(args.checkpoint, device=args.device, use_ema=args.use_ema)
    z = interpolation_latents(generator.latent_dim, rows=args.rows, steps=args.steps, method=args.method, seed=args.seed)
    labels = row_labels(args.rows, args.steps, getattr(generator, "num_classes", 0), label=args.label)
    images = generate(generator, z, labels)
    out = Path(args.out) if args.out else RunDir.of(args.checkpoint).sample_file(f"interpolation_{args.method}.png")
    title = f"{config.name}: {args.method}"
    if args.dry_run:
        with tempfile.TemporaryDirectory(prefix="gan-course-dry-run-") as tmp:
            draw(images, Path(tmp) / out.name, rows=args.rows, steps=args.steps, title=title, config=config)
        print(f"dry run: {args.rows} x {args.steps} {args.method} path from {args.checkpoint}; would write {out}")
        return 0
    draw(images, out, rows=args.rows, steps=args.steps, title=title, config=config)
    print(f"wrote {out}")
    return 0

