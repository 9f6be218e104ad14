"""The catalogue of assignment 03 (DCGAN on faces): correct implementations of every graded
function and realistic mistakes, each with the verdict its hidden check must give
(``make_dcgan_discriminator``'s cases: :mod:`.a03_dcgan_discriminator`).
``tests/autograder/test_checks.py`` runs it."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from scipy.stats import truncnorm
from torch import nn

from gan_course.course.checks import DEFAULT_SEED

from . import a03_dcgan_discriminator as discriminator
from .catalogue import catalogue

ASSIGNMENT = "03_dcgan_faces"


# --- make_dcgan_generator ------------------------------------------------------------------


class DCGANGenerator(nn.Module):
    """z (B, latent_dim) or (B, latent_dim, 1, 1) -> images (B, channels, 64, 64) in [-1, 1]."""

    def __init__(self, latent_dim=100, channels=3, width=64):
        super().__init__()
        w = width  # ngf: feature maps of the last hidden layer
        self.net = nn.Sequential(
            nn.ConvTranspose2d(latent_dim, 8 * w, 4, 1, 0, bias=False), nn.BatchNorm2d(8 * w), nn.ReLU(True),  # (B, 8w, 4, 4)
            nn.ConvTranspose2d(8 * w, 4 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(4 * w), nn.ReLU(True),  # (B, 4w, 8, 8)
            nn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(True),  # (B, 2w, 16, 16)
            nn.ConvTranspose2d(2 * w, w, 4, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(True),  # (B, w, 32, 32)
            nn.ConvTranspose2d(w, channels, 4, 2, 1, bias=False), nn.Tanh(),  # (B, channels, 64, 64)
        )

    def forward(self, z):
        return self.net(z.view(z.shape[0], -1, 1, 1))  # (B, latent_dim) or (B, latent_dim, 1, 1) -> (B, C, 64, 64)


def make_dcgan_generator(latent_dim=100, channels=3, width=64):
    """The DCGAN generator of Radford et al. 2015 for 64x64 images."""
    return DCGANGenerator(latent_dim, channels, width)


class _FunctionalGenerator(nn.Module):
    """Layers in ModuleLists (registered convs first, BatchNorms after), activations in forward."""

    def __init__(self, latent_dim, channels, width):
        super().__init__()
        sizes = [latent_dim, 8 * width, 4 * width, 2 * width, width]
        self.ups = nn.ModuleList(nn.ConvTranspose2d(a, b, 4, 1 if i == 0 else 2, 0 if i == 0 else 1)
                                 for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])))
        self.norms = nn.ModuleList(nn.BatchNorm2d(b) for b in sizes[1:])
        self.to_image = nn.ConvTranspose2d(width, channels, 4, 2, 1)

    def forward(self, z):
        x = z.reshape(len(z), -1, 1, 1)
        for up, norm in zip(self.ups, self.norms):
            x = F.relu(norm(up(x)))
        return torch.tanh(self.to_image(x))


def _generator_functional(latent_dim=100, channels=3, width=64):
    return _FunctionalGenerator(latent_dim, channels, width)


class _Reshape(nn.Module):
    def forward(self, z):
        return z.reshape(z.size(0), -1, 1, 1)


def _generator_k5(latent_dim=100, channels=3, width=64):
    """Kernel 5 with output_padding: also doubles the size at every step."""
    layers, c_in = [_Reshape()], latent_dim
    for i, c_out in enumerate([8 * width, 4 * width, 2 * width, width]):
        conv = nn.ConvTranspose2d(c_in, c_out, 4, 1, 0) if i == 0 else nn.ConvTranspose2d(c_in, c_out, 5, 2, 2, output_padding=1)
        layers += [conv, nn.BatchNorm2d(c_out), nn.ReLU()]
        c_in = c_out
    return nn.Sequential(*layers, nn.ConvTranspose2d(width, channels, 5, 2, 2, output_padding=1), nn.Tanh())


def _dcgan_variant(*, hidden=lambda w: [8 * w, 4 * w, 2 * w, w], fixed_width=None, act=lambda: nn.ReLU(True), out=nn.Tanh,
                   bn_out=False, relu_first=False, reshape=True, default_channels=3, upsample=False, layers=5):
    """A DCGAN generator with one mistake (``layers`` counts the transposed convolutions)."""

    def make(latent_dim=100, channels=default_channels, width=64):
        sizes = [latent_dim, *hidden(fixed_width or width)][:layers]
        modules = [_Reshape()] if reshape else []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            if upsample and i > 0:
                conv = [nn.Upsample(scale_factor=2), nn.Conv2d(a, b, 3, 1, 1)]
            else:
                conv = [nn.ConvTranspose2d(a, b, 4, 1 if i == 0 else 2, 0 if i == 0 else 1, bias=False)]
            block = [nn.BatchNorm2d(b), act()]
            modules += conv + (block[::-1] if relu_first else block)
        last = [nn.Upsample(scale_factor=2), nn.Conv2d(sizes[-1], channels, 3, 1, 1)] if upsample else [
            nn.ConvTranspose2d(sizes[-1], channels, 4, 2, 1, bias=False)]
        modules += last + ([nn.BatchNorm2d(channels)] if bn_out else []) + ([out()] if out else [])
        return nn.Sequential(*modules)

    return make


# --- lerp / slerp --------------------------------------------------------------------------


def lerp(z0, z1, steps):
    """Linear interpolants from z0 to z1, endpoints included: (d,), (d,) -> (steps, d)."""
    t = torch.linspace(0, 1, steps, dtype=z0.dtype, device=z0.device).unsqueeze(1)  # (steps, 1)
    return (1 - t) * z0 + t * z1


def _lerp_torch(z0, z1, steps):
    t = torch.linspace(0, 1, steps, dtype=z0.dtype).unsqueeze(1)
    return torch.lerp(z0.expand(steps, -1), z1.expand(steps, -1), t)


def _lerp_loop(z0, z1, steps):
    return torch.stack([z0 + (z1 - z0) * (i / (steps - 1)) for i in range(steps)])


def _lerp_numpy(z0, z1, steps):
    t = np.linspace(0, 1, steps)[:, None]
    return torch.as_tensor((1 - t) * z0.numpy() + t * z1.numpy(), dtype=z0.dtype)


def slerp(z0, z1, steps):
    """Spherical interpolants from z0 to z1 (angle between the normalised vectors); lerp when (anti)parallel."""
    cos = torch.dot(z0 / z0.norm(), z1 / z1.norm()).clamp(-1.0, 1.0)
    if 1 - cos.abs() < 1e-6:  # the great circle is undefined
        return lerp(z0, z1, steps)
    omega = torch.arccos(cos)
    t = torch.linspace(0, 1, steps, dtype=z0.dtype, device=z0.device).unsqueeze(1)  # (steps, 1)
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)


def _slerp_numpy(z0, z1, steps):  # the popular version: threshold 0.9995 on the cosine
    a, b = z0.detach().cpu().numpy(), z1.detach().cpu().numpy()
    dot = np.clip(np.dot(a / np.linalg.norm(a), b / np.linalg.norm(b)), -1.0, 1.0)
    t = np.linspace(0, 1, steps)[:, None]
    if abs(dot) > 0.9995:
        out = (1 - t) * a + t * b
    else:
        omega = np.arccos(dot)
        out = np.sin((1 - t) * omega) / np.sin(omega) * a + np.sin(t * omega) / np.sin(omega) * b
    return torch.as_tensor(out, dtype=z0.dtype)


def _slerp_sin_check(z0, z1, steps):
    omega = torch.arccos(torch.clamp(F.cosine_similarity(z0, z1, dim=0), -1, 1))
    so = torch.sin(omega)
    t = torch.linspace(0, 1, steps, dtype=z0.dtype)[:, None]
    if so.abs() < 1e-6:
        return (1 - t) * z0 + t * z1
    return torch.sin((1 - t) * omega) / so * z0 + torch.sin(t * omega) / so * z1


def _slerp_loop(z0, z1, steps):
    u0, u1 = F.normalize(z0, dim=0), F.normalize(z1, dim=0)
    cos = float((u0 * u1).sum().clamp(-1, 1))
    rows = []
    for i in range(steps):
        t = i / (steps - 1)
        if abs(cos) > 1 - 1e-7:
            rows.append((1 - t) * z0 + t * z1)
        else:
            omega = np.arccos(cos)
            rows.append((np.sin((1 - t) * omega) * z0 + np.sin(t * omega) * z1) / np.sin(omega))
    return torch.stack(rows)


def _slerp_variant(*, normalise_angle=True, unit_outputs=False, fallback="both", endpoint=True):
    def wrong(z0, z1, steps):
        a, b = (z0 / z0.norm(), z1 / z1.norm()) if unit_outputs else (z0, z1)
        cos = torch.dot(z0 / z0.norm(), z1 / z1.norm()) if normalise_angle else torch.dot(z0, z1)
        cos = cos.clamp(-1, 1) if normalise_angle else cos
        if (fallback == "both" and 1 - cos.abs() < 1e-6) or (fallback == "parallel" and cos > 1 - 1e-6):
            return lerp(z0, z1, steps)
        omega = torch.arccos(cos)
        t = (torch.linspace(0, 1, steps + 1)[:-1] if not endpoint else torch.linspace(0, 1, steps)).to(z0.dtype)[:, None]
        return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)
    return wrong


# --- truncated_noise -----------------------------------------------------------------------


def truncated_noise(n, latent_dim, threshold, generator=None):
    """(n, latent_dim) standard normals, every entry redrawn from `generator` until |z| <= threshold."""
    z = torch.randn(n, latent_dim, generator=generator)
    outside = z.abs() > threshold
    while outside.any():
        z[outside] = torch.randn(int(outside.sum()), generator=generator)
        outside = z.abs() > threshold
    return z


def _noise_trunc_normal(n, latent_dim, threshold, generator=None):
    return nn.init.trunc_normal_(torch.empty(n, latent_dim), 0.0, 1.0, -threshold, threshold, generator=generator)


def _noise_scipy(n, latent_dim, threshold, generator=None):
    seed = None if generator is None else int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
    values = truncnorm.rvs(-threshold, threshold, size=(n, latent_dim), random_state=np.random.default_rng(seed))
    return torch.as_tensor(values, dtype=torch.float32)


def _noise_where(n, latent_dim, threshold, generator=None):
    z = torch.randn(n, latent_dim, generator=generator)
    while (z.abs() > threshold).any():
        z = torch.where(z.abs() > threshold, torch.randn(n, latent_dim, generator=generator), z)
    return z


def _noise_one_pass(n, latent_dim, threshold, generator=None):
    z = torch.randn(n, latent_dim, generator=generator)
    outside = z.abs() > threshold
    z[outside] = torch.randn(int(outside.sum()), generator=generator)
    return z


def _noise_global_redraw(n, latent_dim, threshold, generator=None):
    z = torch.randn(n, latent_dim, generator=generator)
    while (z.abs() > threshold).any():
        outside = z.abs() > threshold
        z[outside] = torch.randn(int(outside.sum()))  # forgot the generator here
    return z


CORRECT = {
    "make_dcgan_generator": [make_dcgan_generator, _generator_functional, _generator_k5],
    "make_dcgan_discriminator": discriminator.CORRECT,
    "lerp": [lerp, _lerp_torch, _lerp_loop, _lerp_numpy],
    "slerp": [slerp, _slerp_numpy, _slerp_sin_check, _slerp_loop],
    "truncated_noise": [truncated_noise, _noise_trunc_normal, _noise_scipy, _noise_where],
}

WRONG = {  # (mistake, implementation[, words the message must contain[, status]])
    "make_dcgan_generator": [
        ("width as the first hidden layer's feature maps", _dcgan_variant(hidden=lambda w: [w, w // 2, w // 4, w // 8]),
         "LAST hidden layer"),
        ("width ignored (64 hard-coded)", _dcgan_variant(fixed_width=64)),
        ("LeakyReLU instead of ReLU", _dcgan_variant(act=lambda: nn.LeakyReLU(0.2)), "followed by a ReLU"),
        ("sigmoid output", _dcgan_variant(out=nn.Sigmoid), "sigmoid only reaches"),
        ("no output activation", _dcgan_variant(out=None), "[-1, 1]"),
        ("BatchNorm on the output layer", _dcgan_variant(bn_out=True), "output layer has none"),
        ("ReLU before BatchNorm", _dcgan_variant(relu_first=True), "followed by a ReLU"),
        ("(B, latent_dim) input not reshaped", _dcgan_variant(reshape=False), "both shapes"),
        ("default channels 1", _dcgan_variant(default_channels=1)),
        ("upsampling and convolutions instead of transposed convolutions", _dcgan_variant(upsample=True)),
        ("32x32 output: a layer missing", _dcgan_variant(layers=4)),
        ("clamp instead of tanh", _dcgan_variant(out=lambda: nn.Hardtanh()), "tanh of the last"),
    ],
    "make_dcgan_discriminator": discriminator.WRONG,
    "lerp": [
        ("endpoint excluded", lambda z0, z1, steps: lerp(z0, z1, steps + 1)[:-1], "endpoints included"),
        ("t = k / steps", lambda z0, z1, steps: z0 + (z1 - z0) * (torch.arange(steps, dtype=z0.dtype) / steps)[:, None]),
        ("swapped endpoints", lambda z0, z1, steps: lerp(z1, z0, steps)),
        ("transposed (d, steps)", lambda z0, z1, steps: lerp(z0, z1, steps).T),
        ("always float32", lambda z0, z1, steps: lerp(z0.float(), z1.float(), steps), "keep the inputs' dtype"),
        ("returns a list", lambda z0, z1, steps: list(lerp(z0, z1, steps))),
        ("numpy array returned", lambda z0, z1, steps: lerp(z0, z1, steps).numpy()),
    ],
    "slerp": [
        ("lerp instead", lerp, "linear interpolants"),
        ("angle of the unnormalised vectors", _slerp_variant(normalise_angle=False)),
        ("interpolates the normalised vectors", _slerp_variant(unit_outputs=True), "interpolate z0 and z1 themselves"),
        ("no fallback for (anti)parallel vectors", _slerp_variant(fallback="none"), "fall back to lerp"),
        ("fallback for parallel but not anti-parallel vectors", _slerp_variant(fallback="parallel"), "fall back to lerp"),
        ("endpoint excluded", _slerp_variant(endpoint=False)),
        ("always float32", lambda z0, z1, steps: slerp(z0.float(), z1.float(), steps)),
    ],
    "truncated_noise": [
        ("clamping instead of resampling", lambda n, d, t, generator=None: torch.randn(n, d, generator=generator).clamp(-t, t),
         "clamping"),
        ("a single resampling pass", _noise_one_pass, "until every entry is inside"),
        ("generator ignored", lambda n, d, t, generator=None: truncated_noise(n, d, t)),
        ("redraws from the global RNG", _noise_global_redraw, "each redraw"),
        ("rescaled by the maximum", lambda n, d, t, generator=None: (lambda z: z * t / z.abs().max())(torch.randn(n, d, generator=generator))),
        ("wrapped with fmod", lambda n, d, t, generator=None: torch.fmod(torch.randn(n, d, generator=generator), t), "truncated"),
        ("float64 from scipy", lambda n, d, t, generator=None: torch.from_numpy(truncnorm.rvs(-t, t, size=(n, d), random_state=0))),
        ("uniform on [-threshold, threshold]", lambda n, d, t, generator=None: (torch.rand(n, d, generator=generator) * 2 - 1) * t),
    ],
}

CATALOGUE = catalogue(
    ASSIGNMENT, harness="a03", correct=CORRECT, wrong=WRONG,
    helpers={"lerp": lerp},  # what the notebook provides next to the graded functions
    wrong_seeds=(DEFAULT_SEED, 7),
    quotable=frozenset({0.2, 0.01}),  # LeakyReLU(0.2); 0.01 is LeakyReLU's default slope
)
