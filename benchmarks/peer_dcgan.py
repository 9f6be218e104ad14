"""Peer benchmark: the package's ``dcgan-fashion`` against two public DCGANs, at equal wall clock.

One invocation trains, on Fashion-MNIST and each in its own subprocess, always in this order:

1. ``pytorch-examples``: pytorch/examples ``dcgan/main.py`` exactly as shipped (64x64, batch 64,
   Adam 2e-4, Radford et al. 2015, https://arxiv.org/abs/1511.06434), run unmodified from a
   checkout given with ``--pytorch-examples DIR`` (its code is not part of this repository).
   It is started with ``--dataset mnist --dataroot ROOT --workers 0 --outf DIR --manualSeed S``
   and its defaults otherwise; ``ROOT/MNIST/raw/`` holds the decompressed Fashion-MNIST IDX files,
   which torchvision's ``MNIST`` reads without downloading. A ``SIGALRM`` handler takes the
   generator (``netG`` in the interrupted script's globals) at each time mark; its clock starts
   before the script (imports and data loading count against it: a few seconds).
2. ``tf-tutorial``: the TensorFlow DCGAN tutorial's 28x28 models (``tf_tutorial_dcgan.py``).
3. ``package``: the shipped ``dcgan-fashion`` config through ``gan_course.train.train``; a
   trainer callback takes the sampling generator (the EMA copy when the config keeps one) at each
   mark of the trainer's training clock (checked every ``log_every`` steps) and stops the run
   after the last mark.

At each mark (``--minutes``, default 2 5 10) it reports images processed per second of training
and the FID of ``--fid-samples`` (default 10,000) generated images against as many images of
the test split, in the shipped Fashion-MNIST classifier's features (``gan_course.metrics.fid``),
beside the real-vs-real floor (train vs test at the same count). Each peer is sampled the way its
own code samples: pytorch/examples in train mode (batch statistics, batches of 64, as its
``netG(fixed_noise)``), its 64x64 images resized to 28x28 with antialiasing; the tutorial in
eval mode (``training=False``); the package with ``gan_course.sampling.generate`` (eval mode).

Results are only meaningful on an idle machine: the load average before and after is printed.

    python benchmarks/peer_dcgan.py --pytorch-examples ~/src/examples          # 2/5/10 minutes
    python benchmarks/peer_dcgan.py --minutes 0.2 0.4 --fid-samples 500      # smoke run
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONTENDERS = ("pytorch-examples", "tf-tutorial", "package")  # the fixed process order
PACKAGE_CONFIG = "dcgan-fashion"
SAMPLE_BATCH = 64  # pytorch/examples' batchSize: its train-mode samples use batches of it
HERE = Path(__file__).resolve().parent


# --- the child: one contender, snapshots at the marks ------------------------------------------

class Marks:
    """Time marks (seconds) and what was recorded at each: images so far, the generator's state."""

    def __init__(self, seconds: list[float]):
        self.pending = sorted(seconds)
        self.rows: list[dict] = []
        self.states: list[dict] = []

    def take(self, now: float, images: int, module, *, ended_at: float | None = None) -> None:
        """Record every mark reached by ``now`` (training seconds). ``ended_at``: the contender's run
        finished after that many training seconds, before these marks; its last generator stands
        for them, and the row records when it ended (``seconds``) and ``ended: True``."""
        state = {k: v.detach().clone() for k, v in module.state_dict().items()} if module is not None else None
        while self.pending and self.pending[0] <= now:
            row = {"mark_s": self.pending.pop(0), "seconds": now, "images": images}
            if ended_at is not None:
                row.update(seconds=ended_at, ended=True)
            self.rows.append(row)
            self.states.append(state)

    @property
    def done(self) -> bool:
        return not self.pending


def _save(work: Path, marks: Marks, samples: list, extra: dict) -> None:
    """Write the marks so far; the parent may kill this process at any moment, so every file is
    written atomically (it reads the old result or the new one)."""
    import torch

    from gan_course.atomic import atomic_path, write_text_atomic

    for k, images in enumerate(samples):
        if images is not None:
            with atomic_path(work / f"samples_{k}.pt") as partial:
                torch.save(images, partial)  # (n, 1, 28, 28) uint8
            marks.rows[k]["samples"] = f"samples_{k}.pt"
    write_text_atomic(work / "result.json", json.dumps({"rows": marks.rows, **extra}, indent=1))


def _to_uint8_28(images):
    """(n, 1, H, W) in [-1, 1] -> (n, 1, 28, 28) uint8, resized with antialiasing when H != 28."""
    import torch.nn.functional as F

    from gan_course.data import from_float

    if images.shape[-1] != 28:
        images = F.interpolate(images, size=(28, 28), mode="bilinear", antialias=True, align_corners=False)
    return from_float(images.clamp(-1, 1))


def _noise(n: int, seed: int, shape=(100,)):
    import torch

    return torch.randn(n, *shape, generator=torch.Generator().manual_seed(seed + 1))


def _mnist_layout(root: Path) -> None:
    """Decompressed Fashion-MNIST IDX files in ``root/MNIST/raw/`` (torchvision's MNIST layout)."""
    from gan_course.paths import DEBIAN_FASHION_MNIST_DIR

    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        source = DEBIAN_FASHION_MNIST_DIR / f"{name}.gz"
        if not source.is_file():
            sys.exit(f"{source} is missing: install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist)")
        with gzip.open(source) as src, open(raw / name, "wb") as dst:
            shutil.copyfileobj(src, dst)


def child_pytorch_examples(args, work: Path) -> None:
    import runpy
    import signal

    import torch

    script = Path(args.pytorch_examples) / "dcgan" / "main.py"
    _mnist_layout(work / "data")
    marks = Marks(args.marks)
    start = time.perf_counter()

    def on_alarm(signum, frame):
        while frame is not None and "netG" not in frame.f_globals:
            frame = frame.f_back
        g = frame.f_globals if frame is not None else {}
        now = time.perf_counter() - start
        done = (g["epoch"] * len(g["dataloader"]) + g["i"]) * g["opt"].batchSize if "i" in g else 0
        marks.take(now, done, g.get("netG"))
        if not marks.done:
            signal.setitimer(signal.ITIMER_REAL, max(marks.pending[0] - (time.perf_counter() - start), 1e-3))
            return
        netG, samples = g.get("netG"), []
        for state in marks.states:
            if state is None:
                samples.append(None)
                continue
            netG.load_state_dict(state)
            netG.train()  # as main.py samples: batch statistics
            with torch.no_grad():
                z = _noise(args.fid_samples, args.seed, (int(g["opt"].nz), 1, 1))
                samples.append(torch.cat([_to_uint8_28(netG(b)) for b in z.split(SAMPLE_BATCH)]))
        _save(work, marks, samples, {"threads": torch.get_num_threads(), "script": str(script)})
        sys.stdout.flush()
        os._exit(0)

    sys.argv = [str(script), "--dataset", "mnist", "--dataroot", str(work / "data"), "--workers", "0",
                "--outf", str(work / "outf"), "--manualSeed", str(args.seed)]
    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, marks.pending[0])
    runpy.run_path(str(script), run_name="__main__")
    sys.exit("dcgan/main.py finished before the last time mark; raise its --niter or lower --minutes")


def child_tf_tutorial(args, work: Path) -> None:
    import torch

    sys.path.insert(0, str(HERE))
    from tf_tutorial_dcgan import TutorialGAN

    from gan_course.data import load_dataset, to_float

    images = to_float(load_dataset("fashion-mnist").data)  # (60000, 1, 28, 28) in [-1, 1]
    gan, marks = TutorialGAN(args.seed), Marks(args.marks)
    order, seen, clock = torch.Generator().manual_seed(args.seed), 0, 0.0
    from tf_tutorial_dcgan import epoch_batches

    while not marks.done:
        for batch in epoch_batches(images, order):
            start = time.perf_counter()
            gan.train_step(batch)
            clock += time.perf_counter() - start
            seen += len(batch)
            if marks.pending[0] <= clock:
                marks.take(clock, seen, gan.G)
                if marks.done:
                    break
    samples = []
    for state in marks.states:
        gan.G.load_state_dict(state)
        samples.append(_to_uint8_28(gan.sample(_noise(args.fid_samples, args.seed))))
    _save(work, marks, samples, {"threads": torch.get_num_threads()})


class _PackageMarks:
    """Trainer callback: the sampling generator at each mark of training time; stop after the last."""

    def __init__(self, marks: Marks, batch_size: int):
        self.marks, self.batch_size = marks, batch_size

    def on_step_end(self, trainer, record) -> None:
        if not self.marks.done and self.marks.pending[0] <= record["time"]:
            self.marks.take(record["time"], trainer.step * self.batch_size, trainer.sampler)
            if self.marks.done:
                trainer.request_stop()


def child_package(args, work: Path) -> None:
    import torch

    from gan_course.sampling import generate
    from gan_course.train import Trainer, load_config

    overrides = {} if args.threads is None else {"threads": args.threads}
    config = load_config(PACKAGE_CONFIG, out_dir=str(work), tensorboard=False, progress=False, seed=args.seed, **overrides)
    marks = Marks(args.marks)
    trainer = Trainer(config, callbacks=[_PackageMarks(marks, config.batch_size)])
    result = trainer.fit(overwrite=True)
    if not marks.done:  # the recipe's epochs ended first: the last generator stands for the later marks
        marks.take(float("inf"), trainer.step * config.batch_size, trainer.sampler, ended_at=result.train_time)
    samples = []
    for state in marks.states:
        trainer.sampler.load_state_dict(state)
        samples.append(_to_uint8_28(generate(trainer.sampler, _noise(args.fid_samples, args.seed, (trainer.G.latent_dim,)))))
    _save(work, marks, samples, {"threads": torch.get_num_threads(), "batch_size": config.batch_size})


CHILDREN = {"pytorch-examples": child_pytorch_examples, "tf-tutorial": child_tf_tutorial, "package": child_package}


# --- the parent: run each contender, then score its snapshots ------------------------------------

def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _run_child(name: str, args, work: Path) -> dict:
    work.mkdir(parents=True)
    command = [sys.executable, str(Path(__file__).resolve()), "--child", name, "--work", str(work),
               "--marks", *map(str, args.marks), "--fid-samples", str(args.fid_samples), "--seed", str(args.seed)]
    if args.pytorch_examples:
        command += ["--pytorch-examples", str(args.pytorch_examples)]
    if args.threads is not None:
        command += ["--threads", str(args.threads)]
    started = time.perf_counter()
    with open(work / "log.txt", "w") as log:
        process = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT,
                                 timeout=max(args.marks) * 4 + 1800)
    result_file = work / "result.json"
    if process.returncode != 0 or not result_file.is_file():
        tail = (work / "log.txt").read_text()[-2000:]
        return {"error": f"exit status {process.returncode}; last output:\n{tail}"}
    result = json.loads(result_file.read_text())
    result["wall_s"] = time.perf_counter() - started
    return result


def _score(result: dict, work: Path, n: int) -> None:
    import torch

    from gan_course.metrics.fid import compute_fid

    for row in result["rows"]:
        if "samples" in row:
            fake = torch.load(work / row["samples"])
            row["fid"] = compute_fid("fashion-mnist", fake, split="test", n_real=n).value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[2, 5, 10], help="time marks (default 2 5 10)")
    parser.add_argument("--fid-samples", type=int, default=10_000, help="generated and test images per FID (<= 10000)")
    parser.add_argument("--pytorch-examples", type=Path, help="a checkout of github.com/pytorch/examples")
    parser.add_argument("--threads", type=int, help="torch threads of every contender (default: each one's own)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="+", choices=CONTENDERS, metavar="CONTENDER",
                        help=f"run only these contenders, in the fixed order ({', '.join(CONTENDERS)}); default: all. "
                             "For re-measuring one after a change: the published table runs all three")
    parser.add_argument("--out", type=Path, help="keep logs, snapshots and results here (default: a temporary dir)")
    parser.add_argument("--child", choices=CONTENDERS, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--marks", type=float, nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        if args.threads is not None:
            import torch

            torch.set_num_threads(args.threads)
        return CHILDREN[args.child](args, args.work)
    if not 2 <= args.fid_samples <= 10_000:
        parser.error("--fid-samples must be between 2 and 10000 (the test split's size)")
    args.marks = [60 * m for m in sorted(args.minutes)]
    if args.pytorch_examples is not None and not (args.pytorch_examples / "dcgan" / "main.py").is_file():
        parser.error(f"{args.pytorch_examples}/dcgan/main.py does not exist; pass a checkout of pytorch/examples")
    out = args.out or Path(tempfile.mkdtemp(prefix="peer-dcgan-"))
    if args.out and out.exists() and any(out.iterdir()):
        parser.error(f"{out} is not empty; pass a new --out directory")
    from gan_course.metrics.fid import fid_floor

    load_before = _load()
    print(f"load average before (1/5/15 min): {load_before}; {os.cpu_count()} cores; marks {args.minutes} min; "
          f"FID of {args.fid_samples} samples vs the test split; work dir {out}", flush=True)
    floor = fid_floor("fashion-mnist", n=args.fid_samples).value
    results = {}
    for name in CONTENDERS:
        if args.only and name not in args.only:
            results[name] = {"skipped": "not in --only"}
        elif name == "pytorch-examples" and args.pytorch_examples is None:
            results[name] = {"skipped": "no --pytorch-examples DIR: clone https://github.com/pytorch/examples "
                                        "and pass its path"}
        else:
            results[name] = _run_child(name, args, out / name)
            if "rows" in results[name]:
                _score(results[name], out / name, args.fid_samples)
            results[name]["load_after"] = _load()
        print(f"{name}: done, load average {_load()}", flush=True)
    print(f"\nFID floor (real vs real, {args.fid_samples} train vs {args.fid_samples} test): {floor:.2f}")
    print(f"{'contender':<18} {'mark min':>8} {'train s':>8} {'images':>8} {'img/s':>7} {'FID':>8} {'threads':>7}")
    for name, result in results.items():
        if "rows" not in result:
            print(f"{name:<18} {result.get('skipped') or result.get('error')}")
            continue
        for row in result["rows"]:
            speed = row["images"] / row["seconds"] if row["seconds"] else float("nan")
            fid = f"{row['fid']:8.2f}" if "fid" in row else f"{'-':>8}"
            ended = "  (its run had ended: the final generator)" if row.get("ended") else ""
            print(f"{name:<18} {row['mark_s'] / 60:8.2f} {row['seconds']:8.1f} {row['images']:8d} {speed:7.1f} "
                  f"{fid} {result['threads']:>7}{ended}")
    load_after = _load()
    print(f"load average before {load_before}, after {load_after}")
    from gan_course.atomic import write_text_atomic

    write_text_atomic(out / "summary.json", json.dumps({"floor": floor, "load_before": load_before, "load_after": load_after,
                                                  "minutes": args.minutes, "fid_samples": args.fid_samples,
                                                  "results": results}, indent=1))


if __name__ == "__main__":
    main()
