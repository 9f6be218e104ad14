"""The catalogue of assignment 02 (a GAN for a 2D ring): correct implementations of every
graded function and realistic mistakes, each with the verdict its hidden check must give
(``RingDataset``'s cases: :mod:`.a02_ring_dataset`, ``gda_trajectory``'s: :mod:`.a02_gda_trajectory`). ``tests/autograder/test_checks.py`` runs it."""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
import torch
import torch.nn.functional as F
from scipy.spatial.distance import cdist as scipy_cdist
from torch import nn

from gan_course.course.checks import DEFAULT_SEED

from . import a02_gda_trajectory as gda
from . import a02_ring_dataset as ring
from .catalogue import ERROR, catalogue

ASSIGNMENT = "02_ring_gan"


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
    "RingDataset": ring.CORRECT,
    "make_generator": [make_generator, _generator_module, _generator_loop, _generator_ordered],
    "make_discriminator": [make_discriminator, _discriminator_module, _discriminator_dropout_first],
    "discriminator_step": [discriminator_step, _d_step_no_grad, _d_step_concatenated, _d_step_manual_clear],
    "generator_step": [generator_step, _g_step_frozen, _g_step_ones],
    "energy_distance": [energy_distance, _ed_numpy, _ed_scipy, _ed_loop, _ed_float32],
    "gda_trajectory": gda.CORRECT,
}

WRONG = {  # (mistake, implementation[, words the message must contain[, status]])
    "RingDataset": ring.WRONG,
    "make_generator": [
        ("ReLU instead of LeakyReLU", lambda latent_dim=100: _mlp([latent_dim, 128, 256, 256, 2], act=nn.ReLU)),
        ("LeakyReLU's default slope", lambda latent_dim=100: _mlp([latent_dim, 128, 256, 256, 2], act=nn.LeakyReLU),
         "slope 0.2"),
        ("tanh output", lambda latent_dim=100: _mlp([latent_dim, 128, 256, 256, 2], out=nn.Tanh)),
        ("wrong hidden sizes", lambda latent_dim=100: _mlp([latent_dim, 128, 256, 128, 2])),
        ("latent_dim ignored", lambda latent_dim=100: _mlp([100, 128, 256, 256, 2]), "must take latent_dim inputs"),
        ("default latent_dim 64", lambda latent_dim=64: _mlp([latent_dim, 128, 256, 256, 2])),
        ("activation after the output layer", lambda latent_dim=100: _mlp([latent_dim, 128, 256, 256, 2], out=lambda: nn.LeakyReLU(0.2))),
        ("BatchNorm in the generator", lambda latent_dim=100: _mlp([latent_dim, 128, 256, 256, 2], norm=True)),
        ("Dropout in the generator", lambda latent_dim=100: _mlp([latent_dim, 128, 256, 256, 2], drop=0.3)),
        ("a layer missing", lambda latent_dim=100: _mlp([latent_dim, 128, 256, 2])),
    ],
    "make_discriminator": [
        ("sigmoid output", lambda: _mlp([2, 128, 256, 128, 1], drop=0.3, out=nn.Sigmoid), "logits"),
        ("Dropout(0.5)", lambda: _mlp([2, 128, 256, 128, 1], drop=0.5), "Dropout(0.3)"),
        ("no dropout", lambda: _mlp([2, 128, 256, 128, 1])),
        ("dropout on the input", lambda: _mlp([2, 128, 256, 128, 1], drop=0.3, drop_input=True)),
        ("dropout after the output layer too", lambda: _mlp([2, 128, 256, 128, 1], drop=0.3, drop_output=True)),
        ("F.dropout left on in eval()", _AlwaysDropout, "training=self.training"),
        ("ReLU instead of LeakyReLU", lambda: _mlp([2, 128, 256, 128, 1], drop=0.3, act=nn.ReLU)),
        ("the generator's hidden sizes", lambda: _mlp([2, 128, 256, 256, 1], drop=0.3)),
        ("BatchNorm", lambda: _mlp([2, 128, 256, 128, 1], drop=0.3, norm=True)),
    ],
    "discriminator_step": [
        ("no detach: G gets gradients", _d_step_variant(detach=False), "detach"),
        ("no zero_grad: stale gradients", _d_step_variant(zero=False), "zero_grad()"),
        ("zero_grad after backward", _d_step_variant(zero_after_backward=True), "did not update"),
        ("default real_label 1.0", _d_step_variant(real_default=1.0), "keep the default"),
        ("smoothing applied to the fake targets", _d_step_variant(fake_target=0.1), "fake targets stay 0"),
        ("returns the tensor", _d_step_variant(as_tensor=True)),
        ("returns the loss after the step", _d_step_variant(recompute=True), "before opt_d.step()"),
        ("two optimizer steps", _d_step_variant(steps=2)),
        ("real_label ignored", _d_step_variant(fixed_label=0.9), "real_label argument is ignored"),
        ("sum instead of mean", _d_step_variant(reduction="sum"), "do not sum"),
        ("swapped targets", _d_step_variant(swap=True), "targets are swapped"),
    ],
    "generator_step": [
        ("no zero_grad: stale gradients", _g_step_variant(zero=False), "stale gradients"),
        ("the minimax loss", _g_step_variant(loss_fn=lambda x: -F.softplus(x).mean()), "non-saturating"),
        ("label smoothing in the generator", _g_step_variant(loss_fn=lambda x: F.binary_cross_entropy_with_logits(x, torch.full_like(x, 0.9)))),
        ("D left frozen", _g_step_variant(unfreeze=False), "unfreeze"),
        ("fake batch detached: G gets no gradient", _g_step_variant(detach=True)),
        ("returns the tensor", _g_step_variant(as_tensor=True)),
        ("target 0 instead of 1", _g_step_variant(loss_fn=lambda x: F.binary_cross_entropy_with_logits(x, torch.zeros_like(x)))),
    ],
    "energy_distance": [
        ("U- instead of V-statistic", _ed_u_statistic, "V-statistic"),
        ("squared distances", _ed_squared, "not its square"),
        ("square root of the distance", lambda a, b: energy_distance(a, b) ** 0.5),
        ("cross term without the factor 2", lambda a, b: energy_distance(a, b) - float(torch.cdist(torch.as_tensor(a).double(), torch.as_tensor(b).double()).mean())),
        ("returns a tensor", lambda a, b: torch.tensor(energy_distance(a, b)), "Python float"),
        ("distances between columns", lambda a, b: energy_distance(np.asarray(a).T, np.asarray(b).T), "", ERROR),
    ],
    "gda_trajectory": gda.WRONG,
}

CATALOGUE = catalogue(
    ASSIGNMENT, harness="a02", correct=CORRECT, wrong=WRONG,
    # what the notebook provides next to the graded functions (01's losses, for the two steps)
    helpers={"discriminator_loss": discriminator_loss, "generator_loss": generator_loss},
    wrong_seeds=(DEFAULT_SEED, 7),
    quotable=frozenset({0.2, 0.3, 0.01}),  # LeakyReLU(0.2), Dropout(0.3); 0.01 is LeakyReLU's default slope
)
