"""``gan-course train``: train a GAN from a shipped or YAML configuration plus options."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path



def add_config_options(parser: argparse.ArgumentParser) -> None:
    """One option per TrainConfig field, generated from its description (gan_course.train.fields).

    Options left unset keep the configuration's value (their argparse default is None); the
    help shows the field's own default. Names are not restricted by argparse: a wrong one gets
    the configuration's one-line error that lists the choices.
    """
    from gan_course.train import TrainConfig
    from gan_course.train.fields import describe

    group = parser.add_argument_group("configuration (each overrides the --config value)")
    for spec in describe(TrainConfig):
        text = spec.help
        names = spec.choice_names()
        if names:
            text += f"; one of: {', '.join(names)}"
        text = f"{text} (default: {spec.shown_default()})".replace("%", "%%")
        options: dict = {"dest": spec.name, "default": None, "help": text}
        if spec.kind is bool:
            options["action"] = argparse.BooleanOptionalAction
        else:
            options["type"] = spec.kind
            if spec.arity is not None:
                options["nargs"] = spec.arity or "+"
            if spec.metavar is not None:
                options["metavar"] = spec.metavar
        group.add_argument(spec.flag, **options)


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
    add_config_options(parser)
    parser.add_argument("--config", help="shipped configuration name or path to a YAML file of overrides")
    parser.add_argument("--resume", action="store_true", help="continue the run from its latest checkpoint")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing run of the same name")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="check the configuration and run two steps on tiny synthetic data in a temporary directory",
    )
    parser.set_defaults(run=run)


def config_from_args(args: argparse.Namespace):
    """The resolved TrainConfig that the options describe."""
    from gan_course.train import TrainConfig, load_config, resolve
    from gan_course.train.config import FIELD_NAMES

    overrides = {name: getattr(args, name) for name in FIELD_NAMES if getattr(args, name) is not None}
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
