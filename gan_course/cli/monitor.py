"""``gan-course monitor``: TensorBoard on 127.0.0.1 for one or several runs, side by side."""

from __future__ import annotations

import argparse
import signal


def add_parser(subparsers) -> None:
    from gan_course.train.monitor import DEFAULT_PORT

    parser = subparsers.add_parser(
        "monitor",
        help="watch runs (losses, D(x), D(G(z)), learning rates, FID, samples) live in TensorBoard",
        description="Start TensorBoard on 127.0.0.1 over the runs' tensorboard/ folders (written by "
        "'gan-course train' unless --no-tensorboard), one curve per run, and print its URL. "
        "Stop it with Ctrl-C.",
        epilog="examples:\n  gan-course monitor runs/ring\n"
        "  gan-course monitor runs/cgan-fashion-bce runs/cgan-fashion-hinge --port 6007",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("runs", nargs="+", metavar="RUN_DIR", help="run directories (or run names under $GAN_COURSE_RUNS)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port on 127.0.0.1 (default {DEFAULT_PORT})")
    parser.add_argument("--dry-run", action="store_true", help="check the runs and print the TensorBoard command; start nothing")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from gan_course.train.monitor import plan_monitor, start_monitor, stop_monitor

    plan = plan_monitor(args.runs, port=args.port)
    for name, path in plan.runs.items():
        print(f"run {name}: {path}")
    if args.dry_run:
        print(f"dry run: would start {' '.join(plan.command)}")
        print(f"and serve {plan.url}")
        return 0
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops TensorBoard too, like Ctrl-C
    process = start_monitor(plan)
    print(f"TensorBoard: {plan.url} (Ctrl-C stops it)", flush=True)
    try:
        status = process.wait()
    except KeyboardInterrupt:
        stop_monitor(process)
        print("TensorBoard stopped")
        return 0
    print(f"TensorBoard exited with status {status}")
    return 0 if status == 0 else 1


def _interrupt(signum, frame):
    raise KeyboardInterrupt
