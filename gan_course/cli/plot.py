"""``gan-course plot``: redraw a run's plots from its history (and, for 2D models, its checkpoint)."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "plot",
        help="redraw loss curves and D(x)/D(G(z)) plots from a run's history",
        description="Redraw plots/losses.png and plots/scores.png of a run from its history.json "
        "(and plots/scatter.png, plots/critic.png for 2D models from the best checkpoint).",
        epilog="example:\n  gan-course plot runs/ring-mlp-gan",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("run_dir", help="a run directory written by 'gan-course train'")
    parser.add_argument("--out", default=None, help="directory for the PNGs (default: <run>/plots)")
    parser.add_argument("--dry-run", action="store_true", help="draw into a temp dir and list what would be written")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from gan_course.train import redraw_plots
    from gan_course.run_dir import RunDir

    run_dir = Path(args.run_dir)
    out = Path(args.out) if args.out else RunDir(run_dir).plots
    if args.dry_run:
        with tempfile.TemporaryDirectory(prefix="gan-course-dry-run-") as tmp:
            written = redraw_plots(run_dir, out_dir=Path(tmp))
        print(f"dry run: would write {', '.join(str(out / p.name) for p in written)}")
        return 0
    for path in redraw_plots(run_dir, out_dir=out):
        print(f"wrote {path}")
    return 0
