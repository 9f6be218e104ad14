"""Training throughput of the package's DCGAN on 28x28 images on CPU: images per second of
one training iteration (one discriminator step + one generator step, BCE, fused Adam), the cost
that decides how long assignment 01 and ``dcgan-fashion`` take on a student laptop.

Radford et al. 2015, "Unsupervised Representation Learning with Deep Convolutional GANs",
https://arxiv.org/abs/1511.06434 (architecture, Adam lr 2e-4 and beta1 0.5).

The default run compares, side by side in one process, the trainer's own steps
(``Trainer._d_step`` / ``_g_step``, values kept on the device as in training) for each
``--widths`` (ngf = ndf; 64 is DCGAN's) and three variants:

- ``eager``: the default NCHW layout, no compilation (the baseline of the ratios);
- ``channels_last``: ``TrainConfig.channels_last`` (NHWC weights and batches, oneDNN);
- ``compile``: ``channels_last`` plus ``TrainConfig.compile`` (torch.compile, inductor).

For ``compile`` the compilation (cold: a fresh inductor cache directory) is timed separately,
as :func:`gan_course.train.speed.prepare` does it at the start of training, and "break-even"
is the training time after which the compiled run has processed more images than the eager
one: ``compile_s * r / (r - r_eager)``. Warm-up steps are excluded; each of ``--repeats``
timings covers ``--steps`` iterations and the table reports the median repeat. Data are
synthetic 28x28 images (the loader is not what is measured).

Run ``python benchmarks/dcgan_throughput.py [--widths 64 32] [--batch 64] [--steps 10]
[--repeats 3] [--threads N]`` (default threads: one per free core, as training picks them).
``measure`` (a plain step outside the trainer, per batch size) is what
``threads_under_load.py`` times.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import torch

from gan_course.losses import get_loss
from gan_course.models import build_models

DCGAN_LR = 2e-4  # Radford et al. 2015
DCGAN_BETAS = (0.5, 0.999)  # Radford et al. 2015
DATA_SHAPE = (1, 28, 28)  # (C, H, W) of MNIST / Fashion-MNIST


def _models():
    return build_models("dcgan", data_shape=DATA_SHAPE)  # (generator, discriminator)


def training_step(G, D, opt_g, opt_d, real, loss) -> None:
    """One D step on real + fakes made without gradients, then one G step on fresh fakes with
    D's parameters frozen -- the two steps of ``gan_course.train.Trainer``. real: (B, C, H, W)."""
    batch = real.size(0)
    with torch.no_grad():
        fake = G(torch.randn(batch, G.latent_dim))  # (B, C, H, W)
    d_loss = loss.discriminator_loss(D(real), D(fake))  # D returns logits (B,)
    opt_d.zero_grad(set_to_none=True)
    d_loss.backward()
    opt_d.step()
    D.requires_grad_(False)
    g_loss = loss.g_loss(D(G(torch.randn(batch, G.latent_dim))))
    opt_g.zero_grad(set_to_none=True)
    g_loss.backward()
    D.requires_grad_(True)
    opt_g.step()


def measure(batch: int, *, steps: int, repeats: int, warmup: int, seed: int = 0) -> dict:
    """Median images/s and ms/step over ``repeats`` timings of ``steps`` steps at ``batch``."""
    torch.manual_seed(seed)
    G, D = _models()
    G.train(), D.train()
    opt_g = torch.optim.Adam(G.parameters(), lr=DCGAN_LR, betas=DCGAN_BETAS)
    opt_d = torch.optim.Adam(D.parameters(), lr=DCGAN_LR, betas=DCGAN_BETAS)
    loss = get_loss("bce")
    real = torch.rand(batch, *DATA_SHAPE) * 2 - 1  # (B, 1, 28, 28) in [-1, 1]
    for _ in range(warmup):
        training_step(G, D, opt_g, opt_d, real, loss)
    seconds_per_step = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            training_step(G, D, opt_g, opt_d, real, loss)
        seconds_per_step.append((time.perf_counter() - start) / steps)
    step = statistics.median(seconds_per_step)
    return {"batch": batch, "images_per_s": batch / step, "ms_per_step": 1000 * step,
            "spread_ms": 1000 * (max(seconds_per_step) - min(seconds_per_step)),
            "threads": torch.get_num_threads()}


VARIANTS = {"eager": dict(channels_last=False, compile=False),  # the baseline of the ratios
            "channels_last": dict(channels_last=True, compile=False),
            "compile": dict(channels_last=True, compile=True)}  # TrainConfig.compile with the default layout


def measure_trainer(width: int, variant: str, *, batch: int, steps: int, repeats: int, warmup: int,
                    threads: int, out_dir: str, log_every: int = 10) -> dict:
    """Images/s of the trainer's own iteration (D step + G step) for ``VARIANTS[variant]`` at
    ``width``; ``compile_s``: seconds of :func:`~gan_course.train.speed.prepare` (compilation and
    its rolled-back trial iteration). Values are flushed every ``log_every`` iterations, as in training."""
    from gan_course.data import synthetic_like
    from gan_course.train import TrainConfig, Trainer
    from gan_course.train.speed import laid_out, prepare
    from gan_course.train.stats import EpochStats

    config = TrainConfig(model="dcgan", dataset="fashion-mnist", strategy="gan", batch_size=batch, width=width,
                         out_dir=out_dir, name=f"{variant}-{width}", threads=threads, progress=False,
                         tensorboard=False, plots=False, **VARIANTS[variant])
    trainer = Trainer(config, data=synthetic_like("fashion-mnist", n=2 * batch))
    torch.set_num_threads(threads)
    start = time.perf_counter()
    prepare(trainer, trainer._first_batch)
    compile_s = time.perf_counter() - start
    if VARIANTS[variant]["compile"] and not trainer.compiled:
        raise RuntimeError("torch.compile fell back to eager (see the warning above): nothing to measure")
    real, labels = trainer._first_batch()
    real = laid_out(trainer, real)  # (B, 1, 28, 28)
    stats = EpochStats()

    def iteration() -> None:
        trainer._d_step(real, labels, stats)
        trainer._g_step(batch, labels, stats)
        trainer.step += 1
        if trainer.step % log_every == 0:
            stats.flush()
            stats.window_logged()

    for _ in range(warmup):
        iteration()
    seconds = []
    for _ in range(repeats):
        begin = time.perf_counter()
        for _ in range(steps):
            iteration()
        stats.flush()  # the values reach the host: the device work is done
        seconds.append((time.perf_counter() - begin) / steps)
    step = statistics.median(seconds)
    return {"width": width, "variant": variant, "compile_s": compile_s if VARIANTS[variant]["compile"] else None,
            "images_per_s": batch / step, "ms_per_step": 1000 * step,
            "spread_ms": 1000 * (max(seconds) - min(seconds)), "threads": torch.get_num_threads()}


def _load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[64, 32], help="ngf = ndf of G and D")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--batch", type=int, default=64, help="the batch of the shipped dcgan-fashion recipe")
    parser.add_argument("--steps", type=int, default=10, help="iterations per timed repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: one per free core)")
    parser.add_argument("--batches", type=int, nargs="+", default=None,
                        help="instead: the plain step outside the trainer (measure) for these batch sizes")
    args = parser.parse_args(argv)
    from gan_course.train.threads import auto_threads

    threads = args.threads if args.threads is not None else auto_threads()
    torch.set_num_threads(threads)
    print(f"torch {torch.__version__}, {threads} threads, {os.cpu_count()} cores; load average before {_load()}")
    if args.batches:
        print(f"{'batch':>6} {'images/s':>10} {'ms/step':>9} {'spread ms':>10} {'threads':>8}")
        for batch in args.batches:
            row = measure(batch, steps=args.steps, repeats=args.repeats, warmup=args.warmup)
            print(f"{row['batch']:>6} {row['images_per_s']:>10.1f} {row['ms_per_step']:>9.1f} "
                  f"{row['spread_ms']:>10.1f} {row['threads']:>8}", flush=True)
        return
    os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", tempfile.mkdtemp(prefix="inductor-"))  # a cold compile
    print(f"DCGAN (1, 28, 28), batch {args.batch}, median of {args.repeats} x {args.steps} iterations "
          f"after {args.warmup} warm-up")
    print(f"| width | variant | compile s | images/s | ms/step | spread ms | vs eager | break-even s |")
    print("|---|---|---|---|---|---|---|---|")
    baseline = {}
    with tempfile.TemporaryDirectory() as out_dir:
        for width in args.widths:
            for variant in args.variants:
                r = measure_trainer(width, variant, batch=args.batch, steps=args.steps, repeats=args.repeats,
                                    warmup=args.warmup, threads=threads, out_dir=out_dir)
                rate = r["images_per_s"]
                base = baseline.setdefault(width, rate if variant == "eager" else None)
                ratio = f"{rate / base:.2f}x" if base else "-"
                compile_s = f"{r['compile_s']:.1f}" if r["compile_s"] is not None else "-"
                even = "-"
                if r["compile_s"] is not None and base:
                    even = f"{r['compile_s'] * rate / (rate - base):.0f}" if rate > base else "never"
                print(f"| {width} | {variant} | {compile_s} | {rate:.0f} | {r['ms_per_step']:.1f} | "
                      f"{r['spread_ms']:.1f} | {ratio} | {even} |", flush=True)
    print(f"load average after {_load()}")


if __name__ == "__main__":
    main()
