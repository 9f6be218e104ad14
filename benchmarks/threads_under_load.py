"""Training throughput with the automatic thread count against fixed counts, alone and beside a
CPU-bound process: does a busy machine degrade gracefully?

In one run, for each of "alone" and "beside a busy process" (a second Python process spinning
``while True: pass``, started here and ended here), it measures the package's DCGAN training
step on 28x28 images (``dcgan_throughput.measure``: one D and one G step, median of
``--repeats`` timings of ``--steps`` steps) with the threads :func:`gan_course.train.threads.auto_threads`
picks at that moment, with 2 threads and with 1 thread. Prints images/s, the chosen count and
the load average. Only an idle machine (apart from the busy process this script starts) gives
meaningful numbers.

    python benchmarks/threads_under_load.py [--batch 128] [--steps 5] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dcgan_throughput import measure  # noqa: E402

from gan_course.train.threads import auto_threads  # noqa: E402

SETTLE_S = 2.0  # let the busy process reach its core before measuring


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def run_conditions(args, rows: list, busy: bool) -> None:
    default = torch.get_num_threads()
    for mode in ("auto", 2, 1):
        torch.set_num_threads(default)  # auto is capped by the current count: start from torch's default
        threads = auto_threads() if mode == "auto" else mode
        torch.set_num_threads(threads)
        row = measure(args.batch, steps=args.steps, repeats=args.repeats, warmup=args.warmup)
        rows.append({"beside": "busy process" if busy else "alone", "mode": str(mode), **row, "load": _load()})
        r = rows[-1]
        print(f"{r['beside']:<13} {r['mode']:>5} {r['threads']:>7} {r['images_per_s']:>9.1f} {r['ms_per_step']:>8.1f} "
              f"{r['spread_ms']:>9.1f}  {r['load']}", flush=True)
    torch.set_num_threads(default)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=5, help="steps per timed repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args(argv)
    print(f"{os.cpu_count()} cores, torch default {torch.get_num_threads()} threads, load average before {_load()}")
    print(f"{'beside':<13} {'mode':>5} {'threads':>7} {'images/s':>9} {'ms/step':>8} {'spread ms':>9}  load 1/5/15")
    rows: list[dict] = []
    run_conditions(args, rows, busy=False)
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(SETTLE_S)
        run_conditions(args, rows, busy=True)
    finally:
        spinner.kill()
        spinner.wait()
    alone = {r["mode"]: r["images_per_s"] for r in rows if r["beside"] == "alone"}
    for r in rows:
        if r["beside"] != "alone":
            print(f"beside a busy process, {r['mode']}: {r['images_per_s'] / alone[r['mode']]:.2f} of its alone img/s, "
                  f"{r['images_per_s'] / max(alone.values()):.2f} of the best alone")
    print(f"load average after {_load()}")


if __name__ == "__main__":
    main()
