"""Training throughput of the package's DCGAN on 28x28 images on CPU: images per second of
one training step (one discriminator step + one generator step, BCE losses), the cost that
decides how long assignment 01 takes on a student laptop.

Radford et al. 2015, "Unsupervised Representation Learning with Deep Convolutional GANs",
https://arxiv.org/abs/1511.06434 (architecture, Adam lr 2e-4 and beta1 0.5).

Run ``python benchmarks/dcgan_throughput.py [--batches 64 128] [--steps 10] [--repeats 5]``.
Warm-up steps are excluded; each repeat times ``--steps`` steps, and the table reports the
median repeat. Data are random tensors in [-1, 1] (the loader is not what is measured).
"""

from __future__ import annotations

import argparse
import statistics
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[64, 128])
    parser.add_argument("--steps", type=int, default=10, help="steps per timed repeat")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    G, D = _models()
    n_params = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    print(f"DCGAN {DATA_SHAPE}: G {n_params(G):,} params, D {n_params(D):,} params; "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"{'batch':>6} {'images/s':>10} {'ms/step':>9} {'spread ms':>10} {'threads':>8}")
    for batch in args.batches:
        row = measure(batch, steps=args.steps, repeats=args.repeats, warmup=args.warmup)
        print(f"{row['batch']:>6} {row['images_per_s']:>10.1f} {row['ms_per_step']:>9.1f} "
              f"{row['spread_ms']:>10.1f} {row['threads']:>8}", flush=True)


if __name__ == "__main__":
    main()
