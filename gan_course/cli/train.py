"""``gan-course train``: train a GAN from a shipped or YAML configuration plus options."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

# option name -> TrainConfig field; options left unset keep the configuration's value
OPTIONS: dict[str, dict] = {
    "model": dict(help="architecture: mlp, dcgan, wgan, sngan, cgan"),
    "dataset": dict(help="ring, mnist, fashion-mnist, cifar10, celeba or folder"),
    "dataset_path": dict(flag="--data-path", help="image folder for --dataset folder"),
    "image_size": dict(type=int, help="resize images to this size (28, 32 or 64)"),
    "n_points": dict(type=int, help="number of ring points"),
    "strategy": dict(help="loss strategy preset: gan, minimax, lsgan, hinge, wgan-clip, wgan-gp"),
    "loss": dict(help="override the strategy's loss pair: bce, minimax, lsgan, hinge, wasserstein"),
    "regularizer": dict(help="none, gp (gradient penalty), clip (weight clipping) or r1"),
    "reg_weight": dict(type=float, help="weight of the gradient penalty or R1 term"),
    "clip_value": dict(type=float, help="weight-clipping bound c"),
    "n_critic": dict(type=int, help="discriminator/critic steps per generator step"),
    "d_every": dict(type=int, help="train the discriminator only on every k-th batch"),
    "optimizer": dict(help="adam or rmsprop"),
    "lr_g": dict(type=float, help="generator learning rate"),
    "lr_d": dict(type=float, help="discriminator learning rate"),
    "real_label": dict(type=float, help="target for real samples (0.9 = one-sided label smoothing)"),
    "lr_schedule": dict(help="none, linear or two-stage"),
    "ema_decay": dict(flag="--ema", type=float, help="keep an EMA of the generator with this decay (e.g. 0.999)"),
    "epochs": dict(type=int, help="training epochs"),
    "batch_size": dict(type=int, help="batch size"),
    "latent_dim": dict(type=int, help="latent dimension"),
    "width": dict(type=int, help="feature maps of the networks (ngf/ndf)"),
    "seed": dict(type=int, help="random seed"),
    "max_steps": dict(type=int, help="stop after this many iterations (a budget)"),
    "train_size": dict(type=int, help="train on a fixed subset of this many items (a budget that keeps whole epochs)"),
    "log_every": dict(type=int, help="record losses and scores every N iterations"),
    "sample_every": dict(type=int, help="write a fixed-noise sample grid every N epochs"),
    "device": dict(help="auto (default), cpu, cuda or mps"),
    "threads": dict(type=int, help="torch CPU threads (1 is fastest for the tiny 2D models)"),
    "name": dict(help="run name: the run directory is OUT/NAME"),
    "out_dir": dict(flag="--out", help="parent directory of runs (default: $GAN_COURSE_RUNS)"),
}


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train a GAN and write samples, plots, history and checkpoints to runs/<name>/",
        description=(
            "Train a GAN. Start from a configuration (--config: a shipped name such as 'ring' or a "
            "YAML file of overrides), then override single values with options. Writes "
            "runs/<name>/ with samples/, checkpoints/, plots/, history.json and config.yaml."
        ),
        epilog="examples:\n  gan-course train --config ring\n"
        "  gan-course train --model dcgan --dataset fashion-mnist --strategy gan --epochs 5\n"
        "  gan-course train --config wgan-gp-fashion --epochs 2 --dry-run",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", help="shipped configuration name or path to a YAML file of overrides")
    for field, spec in OPTIONS.items():
        spec = dict(spec)
        flag = spec.pop("flag", "--" + field.replace("_", "-"))
        parser.add_argument(flag, dest=field, default=None, **spec)
    parser.add_argument("--betas", type=float, nargs=2, metavar=("BETA1", "BETA2"), help="Adam betas")
    parser.add_argument("--resume", action="store_true", help="continue the run from its latest checkpoint")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing run of the same name")
    parser.add_argument("--no-progress", dest="progress", action="store_false", default=None, help="no progress bar")
    parser.add_argument("--no-tensorboard", dest="tensorboard", action="store_false", default=None,
                        help="write no TensorBoard event files (default: RUN_DIR/tensorboard/, see 'gan-course monitor')")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="check the configuration and run two steps on tiny synthetic data in a temporary directory",
    )
    parser.set_defaults(run=run)


def config_from_args(args: argparse.Namespace):
    """The resolved TrainConfig that the options describe."""
    from gan_course.train import TrainConfig, load_config, resolve

    overrides = {field: getattr(args, field) for field in OPTIONS if getattr(args, field) is not None}
    if args.betas is not None:
        overrides["betas"] = tuple(args.betas)
    if args.progress is not None:
        overrides["progress"] = args.progress
    if args.tensorboard is not None:
        overrides["tensorboard"] = args.tensorboard
    config = load_config(args.config, **overrides) if args.config else TrainConfig(**overrides)
    return resolve(config)


def run(args: argparse.Namespace) -> int:
    from gan_course.train import train

    config = config_from_args(args)
    if args.dry_run:
        return dry_run(config)
    result = train(config, resume=args.resume, overwrite=args.overwrite)
    print(f"run directory: {result.run_dir}")
    print(
        f"{result.steps} steps in {result.wall_time:.1f} s; final {result.metric_name} "
        f"{result.final_metric:.4g} (best {result.best_by} {result.best_metric:.4g} at epoch {result.best_epoch})"
    )
    return 0


def dry_run(config) -> int:
    """Train two steps of the resolved configuration on tiny synthetic data, in a temp dir."""
    import dataclasses

    from gan_course.data import synthetic_like
    from gan_course.train import train

    data = synthetic_like(config.dataset, n=2 * config.batch_size, image_size=config.image_size, seed=config.seed)
    with tempfile.TemporaryDirectory(prefix="gan-course-dry-run-") as tmp:
        tiny = dataclasses.replace(config, out_dir=str(tmp), epochs=1, max_steps=2, progress=False)
        result = train(tiny, data=data)
        written = sorted(str(p.relative_to(result.run_dir)) for p in Path(result.run_dir).rglob("*") if p.is_file())
    target = Path(config.out_dir) / config.name
    print(f"dry run: configuration is valid; 2 steps on synthetic {data.name} data {tuple(data.shape)} ran.")
    print(f"a real run would write {target}/ with: {', '.join(written)}")
    return 0
