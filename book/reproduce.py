"""Re-run every result of the course book with the package's own commands and store the small
artefacts the chapters read in ``book/results/<name>/``, each with a ``run.json`` (commands,
seed, package version, hardware, wall time).

    .venv/bin/python book/reproduce.py                 # everything, about 60 min on 1 CPU thread
    .venv/bin/python book/reproduce.py --only ring     # one result (names: see --help)
    .venv/bin/python book/reproduce.py --quick         # a smoke test of the whole pipeline (~2 min),
                                                       # into <runs>/book-quick/, not the book
    .venv/bin/python book/reproduce.py --dry-run       # print the commands
    .venv/bin/python book/reproduce.py --only cgan-fashion --reuse   # collect runs trained in parallel

Every command runs as a subprocess (``gan-course train``, ``evaluate``, ``interpolate``,
``compare``) with one torch thread (``OMP_NUM_THREADS=1`` and ``threads: 1`` in the configs),
one after the other. Full runs go to ``<runs>/book/`` (``gan_course.paths.runs_dir()``); a
result replaces its stored folder only once every command for it succeeded. Then rebuild the
book from the stored results: ``.venv/bin/jupyter-book build -W -n --keep-going book/``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from gan_course import paths
from gan_course.atomic import write_text_atomic
from gan_course.reports import collect_comparison, collect_run, folder_size, hardware, run_record, write_run_record
from gan_course.reports.provenance import now_iso

BOOK = Path(__file__).resolve().parent
CONFIGS = BOOK / "configs"  # the book's comparison files (the shipped ones at the book's budget)
THREADS = 1  # torch threads of every run: the machine is shared and the models are small
SEED = 0  # every config's seed (TrainConfig default); recorded in run.json
# --quick: the same pipeline at a token budget, to test it (numbers meaningless)
QUICK_COMMON = {"train_size": 256, "epochs": 2, "fid_samples": 200}
QUICK_SAMPLES = 500
QUICK_SEEDS = 2  # a comparison over seeds keeps its first two: mean and std still computed, half the runs
QUICK_RING_EPOCHS = 2


@dataclass
class Result:
    """One folder of book/results: the commands that make it and how to collect it."""

    name: str
    description: str
    commands: list[list[str]]  # gan-course arguments (without the program)
    run_dir: Path | None = None  # collect one run ...
    comparison: Path | None = None  # ... or a compare output
    grids: str | int | dict = "last"
    chapters: list[str] = field(default_factory=list)
    quick_config: tuple[Path, Path] | None = None  # (book comparison file, its --quick copy to write first)


def plan(runs: Path, *, quick: bool, reuse: bool = False) -> list[Result]:
    """Every result of the book, in the order they run. quick: token budgets (see --quick). reuse: a
    comparison keeps its members' finished runs whose configuration is unchanged (no ``--force``)."""
    ring_epochs = ["--epochs", str(QUICK_RING_EPOCHS)] if quick else []
    evaluate_samples = ["--samples", str(QUICK_SAMPLES)] if quick else []
    common = ["--threads", str(THREADS), "--out", str(runs), "--overwrite", "--no-progress", "--no-tensorboard"]
    results = [
        Result("ring", "the package's fast ring recipe (gan_course/configs/ring.yaml)",
               [["train", "--config", "ring", "--name", "ring", *ring_epochs, *common],
                ["evaluate", str(runs / "ring"), *evaluate_samples]],
               run_dir=runs / "ring", grids="all", chapters=["02"]),
        Result("ring-seed", "the course's seed recipe for the ring (gan_course/configs/ring-seed.yaml)",
               [["train", "--config", "ring-seed", "--name", "ring-seed", *ring_epochs, *common],
                ["evaluate", str(runs / "ring-seed"), *evaluate_samples]],
               run_dir=runs / "ring-seed", grids="last", chapters=["02"]),
    ]
    for name, grids, chapters, extra in (
            ("losses", {"gan": 2}, ["01", "03", "04"], "gan"),
            ("cgan-fashion", "last", ["05"], None),
            ("two-stage", "last", ["05"], None),
            ("saturation", "last", ["01"], None)):
        source = book_source = CONFIGS / f"compare-{name}.yaml"
        if quick:
            source = runs / "configs" / book_source.name
        out = runs / f"compare-{name}"
        commands = [["compare", str(source), "--out", str(out), *([] if reuse else ["--force"]), *evaluate_samples]]
        if extra:  # latent interpolation of that member (chapter 03)
            for method in ("slerp", "lerp"):
                commands.append(["interpolate", str(out / extra), "--rows", "4", "--steps", "10", "--method", method])
        results.append(Result(name, f"gan-course compare {source.name}", commands, comparison=out, grids=grids,
                              chapters=chapters, quick_config=(book_source, source) if quick else None))
    return results


def quick_comparison(source: Path, dest: Path) -> Path:
    """Write ``dest``: a copy of the comparison file ``source`` with :data:`QUICK_COMMON` over its
    ``common`` block, :data:`QUICK_SAMPLES` evaluation samples and, over seeds, its first
    :data:`QUICK_SEEDS` seeds."""
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["common"] = {**(data.get("common") or {}), **QUICK_COMMON}
    data["evaluate"] = {**(data.get("evaluate") or {}), "samples": QUICK_SAMPLES}
    if data.get("seeds"):
        data["seeds"] = list(data["seeds"])[:QUICK_SEEDS]
    dest.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(dest, yaml.safe_dump(data, sort_keys=False))
    return dest


def program() -> list[str]:
    """How to call gan-course: the script beside this Python, else ``python -m gan_course``."""
    script = Path(sys.executable).with_name("gan-course")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "gan_course"]


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (how busy the machine was), or None where unknown."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def portable_argument(arg: str) -> str:
    """A command argument as run.json records it: an absolute path of this machine becomes
    relative to the checkout (or only its name); every other argument stays as it is."""
    return paths.portable(arg) if os.path.isabs(arg) else arg


def child_env() -> dict[str, str]:
    """The environment of every command: one thread, no downloads."""
    return {**os.environ, "OMP_NUM_THREADS": str(THREADS), "MKL_NUM_THREADS": str(THREADS), "GAN_COURSE_OFFLINE": "1"}


def _comparison_seeds(stored: Path) -> list[int] | None:
    """The training seeds of a stored comparison over seeds (None: one run per member, seed :data:`SEED`)."""
    return json.loads((stored / "comparison.json").read_text(encoding="utf-8")).get("seeds")


def run_result(result: Result, results_dir: Path, *, quick: bool, log) -> dict:
    """Run a result's commands, collect its artefacts into a fresh folder, then swap it in."""
    started, records, load_start = now_iso(), [], load_average()
    if result.quick_config is not None:
        quick_comparison(*result.quick_config)
    begin = time.perf_counter()
    for args in result.commands:
        argv = program() + args
        log(f"$ gan-course {' '.join(args)}")
        t0 = time.perf_counter()
        done = subprocess.run(argv, env=child_env(), check=False)
        seconds = time.perf_counter() - t0
        records.append({"argv": ["gan-course", *map(portable_argument, args)], "wall_time_s": round(seconds, 2), "returncode": done.returncode})
        log(f"  ({seconds:.1f} s, exit {done.returncode})")
        if done.returncode != 0:
            raise SystemExit(f"reproduce: '{result.name}' failed at: gan-course {' '.join(args)} (exit "
                             f"{done.returncode}); its stored result was left as it was")
    wall = time.perf_counter() - begin
    results_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{result.name}.", dir=results_dir))
    try:
        if result.comparison is not None:
            collect_comparison(result.comparison, staging, grids=result.grids)
        else:
            collect_run(result.run_dir, staging, grids=result.grids)
        record = run_record(name=result.name, description=result.description, commands=records, seed=SEED,
                            wall_time_s=wall, hardware_info=hardware(torch_threads=THREADS, device="cpu"),
                            started=started, quick=quick)
        record["chapters"] = result.chapters
        seeds = _comparison_seeds(staging) if result.comparison is not None else None
        if seeds is not None:  # a comparison over seeds: every member ran once per seed, not only with SEED
            record["seeds"] = seeds
        record["load_average"] = {"start": load_start, "end": load_average()}  # other work on the machine
        write_run_record(staging, record)
        final = results_dir / result.name
        old = results_dir / f".{result.name}.old"
        shutil.rmtree(old, ignore_errors=True)
        if final.exists():
            final.rename(old)
        staging.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log(f"stored {final} ({folder_size(final) / 1e6:.2f} MB, {wall:.0f} s)")
    return record


def main(argv: list[str] | None = None) -> int:
    names = [r.name for r in plan(Path("runs"), quick=False)]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="token budgets (2 epochs on 256 images, 500 evaluation samples): tests the pipeline; "
                        "writes to <runs>/book-quick/ unless --results is given")
    parser.add_argument("--only", nargs="+", choices=names, metavar="NAME", help=f"only these results: {', '.join(names)}")
    parser.add_argument("--runs", type=Path, default=None, help="where the full run directories go "
                        "(default: <runs>/book, or <runs>/book-quick with --quick)")
    parser.add_argument("--results", type=Path, default=None, help="where the stored results go (default: "
                        "gan_course.paths.book_results_dir(), i.e. book/results; <runs>/book-quick/results with --quick)")
    parser.add_argument("--dry-run", action="store_true", help="print the commands and exit")
    parser.add_argument("--reuse", action="store_true", help="comparisons keep finished member runs whose config is "
                        "unchanged (e.g. trained by several 'gan-course compare' processes in parallel) instead of "
                        "retraining them (--force)")
    args = parser.parse_args(argv)
    runs = (args.runs or paths.runs_dir() / ("book-quick" if args.quick else "book")).resolve()
    results_dir = (args.results or (runs / "results" if args.quick else paths.book_results_dir())).resolve()
    todo = [r for r in plan(runs, quick=args.quick, reuse=args.reuse) if not args.only or r.name in args.only]
    if args.dry_run:
        for result in todo:
            for command in result.commands:
                print(f"gan-course {' '.join(command)}")
            print(f"# -> {results_dir / result.name}/")
        return 0
    total = time.perf_counter()
    for index, result in enumerate(todo, 1):
        print(f"::: [{index}/{len(todo)}] {result.name}: {result.description}", flush=True)
        run_result(result, results_dir, quick=args.quick, log=lambda line: print(line, flush=True))
    print(f"::: done in {time.perf_counter() - total:.0f} s; stored results in {results_dir} "
          f"({folder_size(results_dir) / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
