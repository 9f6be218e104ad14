"""``gan-course train-classifier``: train the feature classifier that FID and KID use offline."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path


def add_parser(subparsers) -> None:
    from gan_course.metrics.classifier import CLASSIFIER_DATASETS, DEFAULT_BATCH_SIZE, DEFAULT_EPOCHS

    parser = subparsers.add_parser(
        "train-classifier",
        help="train the small CNN whose features FID and KID use (offline feature network)",
        description=(
            "Train the package's feature classifier for a labelled image dataset and write its weights "
            "and a JSON card (accuracy, seed, sha256). The Fashion-MNIST one ships with the package; "
            "others go to $GAN_COURSE_CACHE/classifiers/ unless --out says otherwise."
        ),
        epilog="examples:\n  gan-course train-classifier --dataset fashion-mnist --epochs 6\n"
        "  gan-course train-classifier --dataset mnist --out my-mnist-classifier.pt\n"
        "  gan-course train-classifier --dataset cifar10 --dry-run",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--dataset", required=True, help=f"one of: {', '.join(CLASSIFIER_DATASETS)}")
    parser.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS, help=f"training epochs (default {DEFAULT_EPOCHS})")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
                        help=f"batch size (default {DEFAULT_BATCH_SIZE})")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", help="weights file to write (the card goes beside it as .json); "
                        "default $GAN_COURSE_CACHE/classifiers/<dataset>-classifier.pt")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no per-epoch lines")
    parser.add_argument("--dry-run", action="store_true",
                        help="train one epoch on tiny synthetic data in a temporary directory and report")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from gan_course.metrics.classifier import check_classifier_dataset, train_classifier

    dataset = check_classifier_dataset(args.dataset)
    if args.dry_run:
        return dry_run(dataset, args)
    card = train_classifier(dataset, epochs=args.epochs, batch_size=args.batch_size, seed=args.seed,
                            out=args.out, progress=args.progress)
    print(f"test accuracy {card['test_accuracy']:.4f} (train {card['train_accuracy']:.4f}) after {card['epochs']} "
          f"epochs in {card['train_time_s']:.0f} s")
    print(f"weights: {card['weights_file']} ({card['size_bytes'] / 1e6:.2f} MB, sha256 {card['sha256'][:12]}...)")
    return 0


def dry_run(dataset: str, args: argparse.Namespace) -> int:
    """One epoch on synthetic data of the dataset's shape, written to a temporary directory."""
    from gan_course.data import synthetic_like
    from gan_course.metrics.classifier import train_classifier, weights_filename

    data = synthetic_like(dataset, n=64, seed=args.seed)
    with tempfile.TemporaryDirectory(prefix="gan-course-dry-run-") as tmp:
        out = Path(tmp) / weights_filename(dataset)
        card = train_classifier(dataset, epochs=1, batch_size=32, seed=args.seed, out=out, data=data, test_data=data,
                                progress=False)
        written = sorted(p.name for p in Path(tmp).iterdir())
    print(f"dry run: 1 epoch on synthetic {dataset}-shaped data {tuple(data.shape)} ran "
          f"(accuracy {card['test_accuracy']:.2f}); the options are valid.")
    print(f"a real run would write {args.out or 'the cache'}: {', '.join(written)}")
    return 0
