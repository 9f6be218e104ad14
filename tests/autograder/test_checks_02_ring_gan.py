"""Do the hidden checks of assignment 02 (a GAN for a 2D ring) pass every correct
implementation and fail realistic mistakes, with messages that do not give the answer away?

``CORRECT[function]`` lists correct implementations (the first is the clean, idiomatic one
the solution notebook reuses); ``WRONG[function]`` lists ``(mistake, implementation)`` pairs.
"""

from __future__ import annotations

import math
import random
import re
from collections import OrderedDict

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.spatial.distance import cdist as scipy_cdist
from torch import nn
from torch.utils.data import Dataset

from gan_course.course.checks import DEFAULT_SEED, CheckFailure, check, checks_for

from . import cases_gda_trajectory as gda
from .check_cases import (assert_harness_free_of_answers, assert_replies_load_with_weights_only,
                          assert_unanswered_functions_fail)

ASSIGNMENT = "02_ring_gan"
SEEDS = (DEFAULT_SEED, 1, 2)


# --- RingDataset ---------------------------------------------------------------------------


class RingDataset(Dataset):
    """The ring of COURSE.md 02: n points drawn once, from a private generator seeded with seed."""

    def __init__(self, n=10000, seed=0):
        generator = torch.Generator().manual_seed(seed)
        theta = torch.rand(n, generator=generator) * 2 * math.pi  # (n,)
        r = torch.randn(n, generator=generator)  # (n,)
        left = (theta >= math.pi / 2) & (theta <= 3 * math.pi / 2)
        shift = torch.where(left, 10.0, -10.0)
        self.points = torch.stack(((10 + r) * torch.cos(theta), (10 + r) * torch.sin(theta) + shift), dim=1)  # (n, 2)

    def __len__(self):
        return len(self.points)

    def __getitem__(self, index):
        return self.points[index]


class _RingNumpy(Dataset):
    def __init__(self, n=10000, seed=0):
        rng = np.random.default_rng(seed)
        theta = rng.uniform(0, 2 * np.pi, n)
        r = rng.standard_normal(n)
        shift = np.where((theta >= np.pi / 2) & (theta <= 3 * np.pi / 2), 10.0, -10.0)
        points = np.stack([(10 + r) * np.cos(theta), (10 + r) * np.sin(theta) + shift], axis=1)
        self.points = torch.from_numpy(points).float()

    def __len__(self):
        return self.points.shape[0]

    def __getitem__(self, i):
        return self.points[i]


class _RingLoop(Dataset):
    def __init__(self, n=10000, seed=0):
        rng = random.Random(seed)
        rows = []
        for _ in range(n):
            theta, r = rng.uniform(0, 2 * math.pi), rng.gauss(0, 1)
            offset = 10 if math.pi / 2 <= theta <= 3 * math.pi / 2 else -10
            rows.append(((10 + r) * math.cos(theta), (10 + r) * math.sin(theta) + offset))
        self.data = torch.tensor(rows, dtype=torch.float32)
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return self.data[i]


class _RingGlobalSeed(Dataset):
    """Seeds the global RNG: reproducible and independent of what ran before (it does reset it)."""

    def __init__(self, n=10000, seed=0):
        torch.manual_seed(seed)
        theta = 2 * math.pi * torch.rand(n)
        radius = 10 + torch.randn(n)
        x, y = radius * torch.cos(theta), radius * torch.sin(theta)
        y = torch.where(torch.cos(theta) <= 0, y + 10, y - 10)  # cos(theta) <= 0 <=> pi/2 <= theta <= 3 pi/2
        self.xy = torch.stack([x, y], 1)

    def __len__(self):
        return len(self.xy)

    def __getitem__(self, i):
        return self.xy[i]


def _ring_variant(*, shift=10.0, swap=False, rule="left", noise="normal", theta_max=2 * math.pi, degrees=False,
                  radial="both", rng="private", default_n=10000, default_seed=0, dtype=torch.float32, base=Dataset,
                  fresh=False, numpy_items=False):
    """A RingDataset with one mistake."""

    class Ring(base):
        def __init__(self, n=default_n, seed=default_seed):
            g = torch.Generator().manual_seed(0 if rng == "fixed" else seed) if rng != "global" else None
            self.n, self.g = n, g
            self.points = self._draw(n)

        def _draw(self, n):
            g = self.g
            theta = torch.rand(n, generator=g, dtype=torch.float64) * (360.0 if degrees else theta_max)
            r = torch.randn(n, generator=g, dtype=torch.float64) if noise == "normal" else torch.rand(n, generator=g, dtype=torch.float64)
            lo, hi = (90.0, 270.0) if degrees else (math.pi / 2, 3 * math.pi / 2)
            first = (theta >= lo) & (theta <= hi) if rule == "left" else (theta <= math.pi)
            offset = torch.where(first, -shift if swap else shift, shift if swap else -shift)
            rx = 10 + r if radial in ("both", "x") else torch.full_like(r, 10.0)
            ry = 10 + r if radial == "both" else torch.full_like(r, 10.0)
            return torch.stack((rx * torch.cos(theta), ry * torch.sin(theta) + offset), 1).to(dtype)

        def __len__(self):
            return self.n

        def __getitem__(self, i):
            point = self._draw(1)[0] if fresh else self.points[i]
            return point.numpy() if numpy_items else point

    return Ring


# --- make_generator / make_discriminator -----------------------------------------------------


def make_generator(latent_dim=100):
    """MLP latent_dim -> 128 -> 256 -> 256 -> 2, LeakyReLU(0.2) between layers, no output activation."""
    return nn.Sequential(
        nn.Linear(latent_dim, 128), nn.LeakyReLU(0.2),
        nn.Linear(128, 256), nn.LeakyReLU(0.2),
        nn.Linear(256, 256), nn.LeakyReLU(0.2),
        nn.Linear(256, 2),
    )


class _GeneratorModule(nn.Module):
    def __init__(self, latent_dim):
        super().__init__()
        self.fc1, self.fc2, self.fc3, self.out = (nn.Linear(latent_dim, 128), nn.Linear(128, 256),
                                                   nn.Linear(256, 256), nn.Linear(256, 2))

    def forward(self, z):
        h = F.leaky_relu(self.fc1(z), 0.2)
        h = F.leaky_relu(self.fc2(h), 0.2)
        h = F.leaky_relu(self.fc3(h), 0.2)
        return self.out(h)


def _generator_module(latent_dim=100):
    return _GeneratorModule(latent_dim)


def _generator_loop(latent_dim=100):
    sizes, layers = [latent_dim, 128, 256, 256, 2], []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.LeakyReLU(negative_slope=0.2, inplace=True))
    return nn.Sequential(*layers)


def _generator_ordered(latent_dim=100):
    return nn.Sequential(OrderedDict([
        ("fc1", nn.Linear(latent_dim, 128)), ("act1", nn.LeakyReLU(0.2)),
        ("fc2", nn.Linear(128, 256)), ("act2", nn.LeakyReLU(0.2)),
        ("fc3", nn.Linear(256, 256)), ("act3", nn.LeakyReLU(0.2)),
        ("out", nn.Linear(256, 2)),
    ]))


def _mlp(sizes, *, act=lambda: nn.LeakyReLU(0.2), drop=None, out=None, drop_input=False, drop_output=False,
         norm=False):
    layers = [nn.Dropout(drop)] if drop_input else []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            if norm:
                layers.append(nn.BatchNorm1d(sizes[i + 1]))
            layers.append(act())
            if drop and not drop_input:
                layers.append(nn.Dropout(drop))
    if drop_output:
        layers.append(nn.Dropout(drop))
    if out is not None:
        layers.append(out())
    return nn.Sequential(*layers)


def make_discriminator():
    """MLP 2 -> 128 -> 256 -> 128 -> 1, LeakyReLU(0.2) and Dropout(0.3) after each hidden layer; logits."""
    return nn.Sequential(
        nn.Linear(2, 128), nn.LeakyReLU(0.2), nn.Dropout(0.3),
        nn.Linear(128, 256), nn.LeakyReLU(0.2), nn.Dropout(0.3),
        nn.Linear(256, 128), nn.LeakyReLU(0.2), nn.Dropout(0.3),
        nn.Linear(128, 1),
    )


class _DiscriminatorModule(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.ModuleList([nn.Linear(2, 128), nn.Linear(128, 256), nn.Linear(256, 128)])
        self.out = nn.Linear(128, 1)

    def forward(self, x):
        for layer in self.hidden:
            x = F.dropout(F.leaky_relu(layer(x), 0.2), 0.3, training=self.training)
        return self.out(x).squeeze(1)  # (B,)


def _discriminator_module():
    return _DiscriminatorModule()


def _discriminator_dropout_first():  # Dropout before LeakyReLU: the same function (LeakyReLU is positively homogeneous)
    return nn.Sequential(
        nn.Linear(2, 128), nn.Dropout(0.3), nn.LeakyReLU(0.2),
        nn.Linear(128, 256), nn.Dropout(0.3), nn.LeakyReLU(0.2),
        nn.Linear(256, 128), nn.Dropout(p=0.3, inplace=True), nn.LeakyReLU(0.2, inplace=True),
        nn.Linear(128, 1),
    )


class _AlwaysDropout(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.ModuleList([nn.Linear(2, 128), nn.Linear(128, 256), nn.Linear(256, 128), nn.Linear(128, 1)])

    def forward(self, x):
        for layer in self.net[:-1]:
            x = F.dropout(F.leaky_relu(layer(x), 0.2), 0.3)  # training defaults to True: on even in eval()
        return self.net[-1](x)


# --- discriminator_step / generator_step -----------------------------------------------------


def discriminator_loss(real_logits, fake_logits, real_label=1.0):  # assignment 01's, provided by the notebook
    real_loss = F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, real_label))
    return real_loss + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))


def generator_loss(fake_logits):  # assignment 01's, provided by the notebook
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


def discriminator_step(G, D, opt_d, real, z, real_label=0.9):
    """One discriminator update on real and generated points; G gets no gradient."""
    opt_d.zero_grad()
    fake = G(z).detach()  # no gradient flows into G
    loss = discriminator_loss(D(real), D(fake), real_label)
    loss.backward()
    opt_d.step()
    return loss.item()


def _d_step_no_grad(G, D, opt_d, real, z, real_label=0.9):
    with torch.no_grad():
        fake = G(z)
    D.zero_grad()
    real_logits, fake_logits = D(real), D(fake)
    loss = (F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, real_label))
            + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
    loss.backward()
    opt_d.step()
    return float(loss.detach())


def _d_step_concatenated(G, D, opt_d, real, z, real_label=0.9):
    opt_d.zero_grad(set_to_none=False)
    logits = D(torch.cat([real, G(z).detach()])).view(-1)
    real_logits, fake_logits = logits[: len(real)], logits[len(real):]
    loss = F.softplus(-real_logits).mul(real_label).add(F.softplus(real_logits).mul(1 - real_label)).mean() + F.softplus(fake_logits).mean()
    loss.backward()
    opt_d.step()
    return loss.item()


def _d_step_manual_clear(G, D, opt_d, real, z, real_label=0.9):
    for p in D.parameters():
        p.grad = None
    fake_logits = D(G(z).detach())  # fake first
    real_logits = D(real)
    loss = discriminator_loss(real_logits, fake_logits, real_label=real_label)
    loss.backward()
    opt_d.step()
    return loss.detach().item()


def _d_step_variant(*, detach=True, zero=True, zero_after_backward=False, real_default=0.9, fake_target=0.0, as_tensor=False,
                    recompute=False, steps=1, fixed_label=None, reduction="mean", swap=False):
    def step(G, D, opt_d, real, z, real_label=real_default):
        label = fixed_label if fixed_label is not None else real_label
        for _ in range(steps):
            if zero:
                opt_d.zero_grad()
            fake = G(z).detach() if detach else G(z)
            real_logits, fake_logits = D(real), D(fake)
            if swap:
                real_logits, fake_logits = fake_logits, real_logits
            loss = (F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, label), reduction=reduction)
                    + F.binary_cross_entropy_with_logits(fake_logits, torch.full_like(fake_logits, fake_target), reduction=reduction))
            loss.backward()
            if zero_after_backward:
                opt_d.zero_grad()
            opt_d.step()
        if recompute:
            with torch.no_grad():
                loss = discriminator_loss(D(real), D(G(z)), label)
        return loss if as_tensor else loss.item()
    return step


def generator_step(G, D, opt_g, z):
    """One generator update with the non-saturating loss; D's parameters are not stepped."""
    opt_g.zero_grad()
    loss = generator_loss(D(G(z)))
    loss.backward()
    opt_g.step()
    return loss.item()


def _g_step_frozen(G, D, opt_g, z):
    for p in D.parameters():
        p.requires_grad_(False)
    G.zero_grad()
    loss = F.softplus(-D(G(z))).mean()
    loss.backward()
    opt_g.step()
    for p in D.parameters():
        p.requires_grad_(True)
    return float(loss.detach())


def _g_step_ones(G, D, opt_g, z):
    opt_g.zero_grad(set_to_none=False)
    logits = D(G(z))
    loss = F.binary_cross_entropy_with_logits(logits, torch.ones(z.size(0), 1))
    loss.backward()
    opt_g.step()
    return loss.item()


def _g_step_variant(*, zero=True, loss_fn=generator_loss, unfreeze=True, detach=False, as_tensor=False):
    def step(G, D, opt_g, z):
        if not unfreeze:
            for p in D.parameters():
                p.requires_grad_(False)
        if zero:
            opt_g.zero_grad()
        fake = G(z)
        loss = loss_fn(D(fake.detach() if detach else fake))
        if loss.requires_grad:
            loss.backward()
        opt_g.step()
        return loss if as_tensor else loss.item()
    return step


# --- energy_distance -------------------------------------------------------------------------


def energy_distance(a, b):
    """V-statistic energy distance 2 E d(X,Y) - E d(X,X') - E d(Y,Y') between (n, p) and (m, p) point sets."""
    a = torch.as_tensor(a, dtype=torch.float64)
    b = torch.as_tensor(b, dtype=torch.float64)
    return float(2 * torch.cdist(a, b).mean() - torch.cdist(a, a).mean() - torch.cdist(b, b).mean())


def _ed_numpy(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)

    def mean_distance(x, y):
        return np.linalg.norm(x[:, None, :] - y[None, :, :], axis=-1).mean()

    return float(2 * mean_distance(a, b) - mean_distance(a, a) - mean_distance(b, b))


def _ed_scipy(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return 2 * scipy_cdist(a, b).mean() - scipy_cdist(a, a).mean() - scipy_cdist(b, b).mean()  # a numpy.float64


def _ed_loop(a, b):
    a, b = [list(map(float, row)) for row in a], [list(map(float, row)) for row in b]

    def mean_distance(x, y):
        return sum(math.dist(p, q) for p in x for q in y) / (len(x) * len(y))

    return 2 * mean_distance(a, b) - mean_distance(a, a) - mean_distance(b, b)


def _ed_float32(a, b):  # computed in the inputs' own precision (float32 cdist)
    a, b = torch.as_tensor(a), torch.as_tensor(b)
    return (2 * torch.cdist(a, b).mean() - torch.cdist(a, a).mean() - torch.cdist(b, b).mean()).item()


def _ed_u_statistic(a, b):
    a, b = torch.as_tensor(a, dtype=torch.float64), torch.as_tensor(b, dtype=torch.float64)
    n, m = len(a), len(b)
    return float(2 * torch.cdist(a, b).mean() - torch.cdist(a, a).sum() / (n * (n - 1)) - torch.cdist(b, b).sum() / (m * (m - 1)))


def _ed_squared(a, b):
    a, b = torch.as_tensor(a, dtype=torch.float64), torch.as_tensor(b, dtype=torch.float64)
    return float(2 * torch.cdist(a, b).pow(2).mean() - torch.cdist(a, a).pow(2).mean() - torch.cdist(b, b).pow(2).mean())


CORRECT = {
    "RingDataset": [RingDataset, _RingNumpy, _RingLoop, _RingGlobalSeed],
    "make_generator": [make_generator, _generator_module, _generator_loop, _generator_ordered],
    "make_discriminator": [make_discriminator, _discriminator_module, _discriminator_dropout_first],
    "discriminator_step": [discriminator_step, _d_step_no_grad, _d_step_concatenated, _d_step_manual_clear],
    "generator_step": [generator_step, _g_step_frozen, _g_step_ones],
    "energy_distance": [energy_distance, _ed_numpy, _ed_scipy, _ed_loop, _ed_float32],
}

WRONG = {
    "RingDataset": [
        ("swapped halves", _ring_variant(swap=True)),
        ("r ~ U(0, 1) instead of N(0, 1)", _ring_variant(noise="uniform")),
        ("theta in degrees", _ring_variant(degrees=True)),
        ("top/bottom split instead of left/right", _ring_variant(rule="top")),
        ("theta ~ U(0, pi)", _ring_variant(theta_max=math.pi)),
        ("shift of 5", _ring_variant(shift=5.0)),
        ("radial noise on x only", _ring_variant(radial="x")),
        ("global RNG", _ring_variant(rng="global")),
        ("seed ignored", _ring_variant(rng="fixed")),
        ("fresh point in __getitem__", _ring_variant(fresh=True)),
        ("float64 points", _ring_variant(dtype=torch.float64)),
        ("numpy items", _ring_variant(numpy_items=True)),
        ("default seed 42", _ring_variant(default_seed=42)),
        ("default n 1000", _ring_variant(default_n=1000)),
        ("not a Dataset", _ring_variant(base=object)),
    ],
    "make_generator": [
        ("ReLU instead of LeakyReLU", lambda latent_dim=100: _mlp([latent_dim, 128, 256, 256, 2], act=nn.ReLU)),
        ("LeakyReLU's default slope", lambda latent_dim=100: _mlp([latent_dim, 128, 256, 256, 2], act=nn.LeakyReLU)),
        ("tanh output", lambda latent_dim=100: _mlp([latent_dim, 128, 256, 256, 2], out=nn.Tanh)),
        ("wrong hidden sizes", lambda latent_dim=100: _mlp([latent_dim, 128, 256, 128, 2])),
        ("latent_dim ignored", lambda latent_dim=100: _mlp([100, 128, 256, 256, 2])),
        ("default latent_dim 64", lambda latent_dim=64: _mlp([latent_dim, 128, 256, 256, 2])),
        ("activation after the output layer", lambda latent_dim=100: _mlp([latent_dim, 128, 256, 256, 2], out=lambda: nn.LeakyReLU(0.2))),
        ("BatchNorm in the generator", lambda latent_dim=100: _mlp([latent_dim, 128, 256, 256, 2], norm=True)),
        ("Dropout in the generator", lambda latent_dim=100: _mlp([latent_dim, 128, 256, 256, 2], drop=0.3)),
        ("a layer missing", lambda latent_dim=100: _mlp([latent_dim, 128, 256, 2])),
    ],
    "make_discriminator": [
        ("sigmoid output", lambda: _mlp([2, 128, 256, 128, 1], drop=0.3, out=nn.Sigmoid)),
        ("Dropout(0.5)", lambda: _mlp([2, 128, 256, 128, 1], drop=0.5)),
        ("no dropout", lambda: _mlp([2, 128, 256, 128, 1])),
        ("dropout on the input", lambda: _mlp([2, 128, 256, 128, 1], drop=0.3, drop_input=True)),
        ("dropout after the output layer too", lambda: _mlp([2, 128, 256, 128, 1], drop=0.3, drop_output=True)),
        ("F.dropout left on in eval()", _AlwaysDropout),
        ("ReLU instead of LeakyReLU", lambda: _mlp([2, 128, 256, 128, 1], drop=0.3, act=nn.ReLU)),
        ("the generator's hidden sizes", lambda: _mlp([2, 128, 256, 256, 1], drop=0.3)),
        ("BatchNorm", lambda: _mlp([2, 128, 256, 128, 1], drop=0.3, norm=True)),
    ],
    "discriminator_step": [
        ("no detach: G gets gradients", _d_step_variant(detach=False)),
        ("no zero_grad: stale gradients", _d_step_variant(zero=False)),
        ("zero_grad after backward", _d_step_variant(zero_after_backward=True)),
        ("default real_label 1.0", _d_step_variant(real_default=1.0)),
        ("smoothing applied to the fake targets", _d_step_variant(fake_target=0.1)),
        ("returns the tensor", _d_step_variant(as_tensor=True)),
        ("returns the loss after the step", _d_step_variant(recompute=True)),
        ("two optimizer steps", _d_step_variant(steps=2)),
        ("real_label ignored", _d_step_variant(fixed_label=0.9)),
        ("sum instead of mean", _d_step_variant(reduction="sum")),
        ("swapped targets", _d_step_variant(swap=True)),
    ],
    "generator_step": [
        ("no zero_grad: stale gradients", _g_step_variant(zero=False)),
        ("the minimax loss", _g_step_variant(loss_fn=lambda x: -F.softplus(x).mean())),
        ("label smoothing in the generator", _g_step_variant(loss_fn=lambda x: F.binary_cross_entropy_with_logits(x, torch.full_like(x, 0.9)))),
        ("D left frozen", _g_step_variant(unfreeze=False)),
        ("fake batch detached: G gets no gradient", _g_step_variant(detach=True)),
        ("returns the tensor", _g_step_variant(as_tensor=True)),
        ("target 0 instead of 1", _g_step_variant(loss_fn=lambda x: F.binary_cross_entropy_with_logits(x, torch.zeros_like(x)))),
    ],
    "energy_distance": [
        ("U- instead of V-statistic", _ed_u_statistic),
        ("squared distances", _ed_squared),
        ("square root of the distance", lambda a, b: energy_distance(a, b) ** 0.5),
        ("cross term without the factor 2", lambda a, b: energy_distance(a, b) - float(torch.cdist(torch.as_tensor(a).double(), torch.as_tensor(b).double()).mean())),
        ("returns a tensor", lambda a, b: torch.tensor(energy_distance(a, b))),
        ("distances between columns", lambda a, b: energy_distance(np.asarray(a).T, np.asarray(b).T)),
    ],
}

CORRECT["gda_trajectory"], WRONG["gda_trajectory"] = gda.CORRECT, gda.WRONG

# what the notebook provides next to the graded functions (01's losses, for the two steps)
HELPERS = {"discriminator_loss": discriminator_loss, "generator_loss": generator_loss}


# --- the tests -----------------------------------------------------------------------------

CORRECT_CASES = [(function, impl) for function, impls in CORRECT.items() for impl in impls]
WRONG_CASES = [(function, label, impl) for function, pairs in WRONG.items() for label, impl in pairs]


def test_every_graded_function_has_correct_and_wrong_implementations():
    """Is every check of the assignment exercised by this file, both ways?"""
    graded = set(checks_for(ASSIGNMENT))
    assert graded == {"RingDataset", "make_generator", "make_discriminator", "discriminator_step", "generator_step", "energy_distance",
                      "gda_trajectory"}
    assert set(CORRECT) == graded and set(WRONG) == graded
    assert all(len(CORRECT[f]) >= 3 and CORRECT[f][0].__name__ == f for f in graded)
    assert all(len(WRONG[f]) >= 5 for f in graded)


@pytest.mark.parametrize("function, impl", CORRECT_CASES, ids=[f"{f}-{i.__name__}" for f, i in CORRECT_CASES])
@pytest.mark.parametrize("seed", SEEDS)
def test_correct_implementation_passes(function, impl, seed):
    check(ASSIGNMENT, function, {function: impl}, seed=seed)


@pytest.mark.parametrize("function, label, impl", WRONG_CASES, ids=[f"{f}-{label}" for f, label, _ in WRONG_CASES])
@pytest.mark.parametrize("seed", (DEFAULT_SEED, 7))
def test_wrong_implementation_fails_without_giving_the_answer(function, label, impl, seed):
    with pytest.raises(CheckFailure) as failure:
        check(ASSIGNMENT, function, {function: impl}, seed=seed)
    message = str(failure.value)
    assert f"`{function}" in message
    assert "tensor(" not in message
    assert not re.search(r"\d\.\d{3,}", message), message  # no computed value, expected or otherwise


@pytest.mark.parametrize("function, impl, expected", [
    ("RingDataset", _ring_variant(swap=True), "shifted UP"),
    ("RingDataset", _ring_variant(noise="uniform"), "r ~ N(0, 1)"),
    ("RingDataset", _ring_variant(rng="global"), "global random state"),
    ("RingDataset", _ring_variant(rng="fixed"), "ignores its seed"),
    ("RingDataset", _ring_variant(fresh=True), "once in __init__"),
    ("RingDataset", _ring_variant(default_seed=42), "default seed"),
    ("make_generator", lambda latent_dim=100: _mlp([latent_dim, 128, 256, 256, 2], act=nn.LeakyReLU), "slope 0.2"),
    ("make_generator", lambda latent_dim=100: _mlp([100, 128, 256, 256, 2]), "must take latent_dim inputs"),
    ("make_discriminator", lambda: _mlp([2, 128, 256, 128, 1], drop=0.3, out=nn.Sigmoid), "logits"),
    ("discriminator_step", _d_step_variant(reduction="sum"), "do not sum"),
    ("discriminator_step", _d_step_variant(swap=True), "targets are swapped"),
    ("make_discriminator", lambda: _mlp([2, 128, 256, 128, 1], drop=0.5), "Dropout(0.3)"),
    ("make_discriminator", _AlwaysDropout, "training=self.training"),
    ("discriminator_step", _d_step_variant(detach=False), "detach"),
    ("discriminator_step", _d_step_variant(zero=False), "zero_grad()"),
    ("discriminator_step", _d_step_variant(zero_after_backward=True), "did not update"),
    ("discriminator_step", _d_step_variant(real_default=1.0), "keep the default"),
    ("discriminator_step", _d_step_variant(fake_target=0.1), "fake targets stay 0"),
    ("discriminator_step", _d_step_variant(recompute=True), "before opt_d.step()"),
    ("discriminator_step", _d_step_variant(fixed_label=0.9), "real_label argument is ignored"),
    ("generator_step", _g_step_variant(zero=False), "stale gradients"),
    ("generator_step", _g_step_variant(loss_fn=lambda x: -F.softplus(x).mean()), "non-saturating"),
    ("generator_step", _g_step_variant(unfreeze=False), "unfreeze"),
    ("energy_distance", _ed_u_statistic, "V-statistic"),
    ("energy_distance", _ed_squared, "not its square"),
    ("energy_distance", lambda a, b: torch.tensor(energy_distance(a, b)), "Python float"),
    *[("gda_trajectory", impl, words) for impl, words in gda.DIAGNOSES],
])
def test_failures_name_the_specific_mistake(function, impl, expected):
    """Does each classic mistake get its own diagnosis, not a generic 'wrong value'?"""
    with pytest.raises(CheckFailure, match=re.escape(expected)):
        check(ASSIGNMENT, function, {function: impl})


def test_missing_and_placeholder_functions_fail_with_a_clear_message():
    """Does an unanswered notebook (NotImplementedError, or no function at all) fail every check?"""
    assert_unanswered_functions_fail(ASSIGNMENT)


def test_checks_leave_the_callers_random_state_alone():
    """Hidden tests run in the student's kernel: do torch, numpy and random keep their state?"""
    namespace = {name: impls[0] for name, impls in CORRECT.items()}
    torch_state, np_state, py_state = torch.get_rng_state(), np.random.get_state(), random.getstate()
    for function in ("RingDataset", "make_discriminator", "discriminator_step", "generator_step"):
        check(ASSIGNMENT, function, namespace)
    assert torch.equal(torch_state, torch.get_rng_state())
    assert np.array_equal(np_state[1], np.random.get_state()[1]) and py_state == random.getstate()


def test_ring_statistics_accept_the_reference_sampler_for_many_seeds():
    """Are the ring's statistical thresholds loose enough that correct data never fails?"""
    from gan_course.course.checks.a02_ring_gan import RING_N, _judge_ring_distribution
    from gan_course.data.ring import sample_ring

    for seed in range(200):
        _judge_ring_distribution(sample_ring(RING_N, generator=torch.Generator().manual_seed(seed)))


def test_harness_replies_load_with_weights_only():
    """Would every reply of the sandbox load with torch.load(weights_only=True), as the grader reads it?"""
    assert_replies_load_with_weights_only(ASSIGNMENT, CORRECT, HELPERS)


def test_harness_imports_neither_gan_course_nor_the_checks():
    """The harness runs next to student code: does it stay free of answers and grader code?"""
    from gan_course.course.harness import a02

    assert_harness_free_of_answers(a02)
