"""Hidden checks of assignment 03 (DCGAN on faces): the DCGAN generator, the latent tools and
(in _discriminator_check) the DCGAN discriminator.

References: gan_course.models.dcgan (Radford et al. 2015: transposed convolutions, BatchNorm,
ReLU, tanh output), gan_course.latent (slerp: Shoemake 1985, White 2016; truncation trick:
Brock et al. 2019).

The generator is judged by the layers its forward pass calls (transposed-convolution channels
8w, 4w, 2w, w; a BatchNorm2d after each hidden one) and by its activations (ReLU after each
BatchNorm, tanh at the output). Truncated noise is judged by its bound and its statistics
against the truncated normal's closed forms (SIGMAS standard errors, Kolmogorov-Smirnov
distance KS_C / sqrt(N)), so any correct sampler (resampling loop, trunc_normal_, scipy)
passes for any seed, and clamping (mass piled at the bound) fails.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from gan_course.latent import lerp, slerp

from ._discriminator_check import discriminator_judge, discriminator_probes
from .base import KS_C, Check, CheckFailure, Probe, close, draw_seed, expect, ks_distance

ASSIGNMENT = "03_dcgan_faces"
SIGMAS = 7.0  # moment tests allow this many standard errors
IMAGE_SIZE = 64
DEFAULTS = {"latent_dim": 100, "channels": 3, "width": 64}  # COURSE.md 03 make_dcgan_generator
WIDTH_MULTIPLIERS = (8, 4, 2, 1)  # hidden transposed convolutions: 8w, 4w, 2w, w feature maps
BOUNDARY_MASS = 0.01  # a correct sampler puts almost nothing within 1e-4 of the threshold


# --- make_dcgan_generator ------------------------------------------------------------------


def _generator_probes(g: torch.Generator) -> list[Probe]:
    small = {"latent_dim": 16, "channels": 1, "width": 8}
    return [
        Probe("a03.dcgan_generator", {"kwargs": {}, "z": torch.randn(2, DEFAULTS["latent_dim"], generator=g),
                                      "seed": draw_seed(g), "trace": False, "forward": False}, "make_dcgan_generator()"),
        Probe("a03.dcgan_generator", {"kwargs": small, "z": torch.randn(3, small["latent_dim"], generator=g),
                                      "seed": draw_seed(g), "trace": True}, "make_dcgan_generator(latent_dim=16, channels=1, width=8)"),
    ]


def _channels(args: dict) -> list[tuple[int, int]]:
    """(in, out) channels of the five transposed convolutions, in order."""
    sizes = [args["latent_dim"], *(m * args["width"] for m in WIDTH_MULTIPLIERS), args["channels"]]
    return list(zip(sizes[:-1], sizes[1:]))


def _channels_ok(r: dict, args: dict) -> bool:
    """The transposed convolutions met in the traced forward pass have the DCGAN channel counts."""
    cts = [c for c in r["calls"] if c["type"] == "ConvTranspose2d"]
    return [(c["in_channels"], c["out_channels"]) for c in cts] == _channels(args)


def _channels_message(name: str, label: str) -> str:
    return (f"`{name}` ({label}): the transposed convolutions do not have the channel counts of the DCGAN generator. "
            "latent_dim goes in and `channels` comes out; `width` (ngf) is the number of feature maps of the LAST hidden "
            "layer, and each earlier layer has twice as many as the next (8w, 4w, 2w, w). Use nn.ConvTranspose2d for "
            "every layer, with the arguments (and their defaults), not fixed numbers.")


def _generator_judge(probes: list[Probe], results: list[dict]) -> None:
    name = "make_dcgan_generator"
    for probe, result in zip(probes, results):
        r, label = result["value"], probe.label
        args = {**DEFAULTS, **probe.payload["kwargs"]}
        batch = probe.payload["z"].shape[0]
        expect(r["is_module"], f"`{name}` must return a torch.nn.Module, got a {r.get('type')}.")
        if "layers" in r:  # structure only (the defaults): registration order may differ from call order
            found = sorted((c["in_channels"], c["out_channels"]) for c in r["layers"] if c["type"] == "ConvTranspose2d")
            expect(found == sorted(_channels(args)), _channels_message(name, label))
            continue
        shapes = (("flat", "(B, latent_dim)"), ("spatial", "(B, latent_dim, 1, 1)"))
        if r["flat_error"] is None or r["spatial_error"] is None:  # the trace comes from a call that worked
            expect(_channels_ok(r, args), _channels_message(name, label))
        for key, shape in shapes:
            expect(r[f"{key}_error"] is None, f"`{name}` ({label}) fails on z of shape {shape}: {r[f'{key}_error']}. "
                   "The generator must accept both shapes: reshape z to (B, latent_dim, 1, 1) inside forward "
                   "(z.view(z.shape[0], -1, 1, 1)).")
            out = r[key]
            expect(tuple(out.shape) == (batch, args["channels"], IMAGE_SIZE, IMAGE_SIZE), f"`{name}` ({label}) returns "
                   f"shape {tuple(out.shape)} for z of shape {shape}; the images must be (B, channels, 64, 64). Check "
                   "kernel sizes, strides and paddings: 1 -> 4 -> 8 -> 16 -> 32 -> 64.")
        expect(close(r["flat"], r["spatial"], rtol=1e-4, atol=1e-5), f"`{name}` gives different images for the same z "
               "as (B, latent_dim) and as (B, latent_dim, 1, 1).")
        cts = [c for c in r["calls"] if c["type"] == "ConvTranspose2d"]
        kinds = [c for c in r["calls"] if c["type"] in ("ConvTranspose2d", "BatchNorm2d")]
        pattern = ["ConvTranspose2d", "BatchNorm2d"] * (len(WIDTH_MULTIPLIERS)) + ["ConvTranspose2d"]
        expect([c["type"] for c in kinds] == pattern and all(
            bn["num_features"] == ct["out_channels"] for ct, bn in zip(kinds[0::2], kinds[1::2])),
            f"`{name}`: every hidden transposed convolution is followed by a BatchNorm2d over its output channels; the "
            "output layer has none.")
        out = r["flat"]
        expect(bool(torch.isfinite(out).all()) and float(out.abs().max()) <= 1.0, f"`{name}`: images must lie in [-1, 1] "
               "(the range of the training images): end with tanh.")
        expect(float(out.min()) < 0, f"`{name}`: images must use all of [-1, 1]; sigmoid only reaches (0, 1). End with tanh.")
        if probe.payload["trace"]:
            expect(close(out, torch.tanh(cts[-1]["output"]), rtol=1e-4, atol=1e-5), f"`{name}`: the output must be the "
                   "tanh of the last transposed convolution, with nothing in between.")
            for ct, bn in zip(cts[1:], [c for c in kinds if c["type"] == "BatchNorm2d"]):
                expect(close(ct["input"], F.relu(bn["output"]), rtol=1e-4, atol=1e-6), f"`{name}`: each BatchNorm2d "
                       "must be followed by a ReLU (not LeakyReLU, not before the BatchNorm) before the next transposed "
                       "convolution.")


# --- lerp / slerp --------------------------------------------------------------------------


def _call(*args, label: str) -> Probe:
    return Probe("common.call", {"args": list(args), "kwargs": {}}, label)


def _lerp_probes(g: torch.Generator) -> list[Probe]:
    z0, z1 = torch.randn(8, generator=g), torch.randn(8, generator=g) * 2
    return [
        _call(z0, z1, 7, label="z0, z1 of shape (8,), 7 steps"),
        _call(z0, z1, 2, label="2 steps"),
        _call(z0.double(), z1.double(), 5, label="float64 inputs"),
    ]


def _exact_direction(g: torch.Generator, sign: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Two exactly (anti)parallel vectors whose normalised cosine is exactly +-1 in floating point."""
    a, b = (float(torch.randint(1, 5, (1,), generator=g)) / 2 for _ in range(2))
    return torch.full((4,), a), torch.full((4,), sign * b)


def _slerp_probes(g: torch.Generator) -> list[Probe]:
    z0, z1 = torch.randn(8, generator=g), torch.randn(8, generator=g) * 2
    near = torch.randn(6, generator=g)
    return [
        _call(z0, z1, 9, label="z0, z1 of shape (8,), 9 steps"),
        _call(z0, z1, 2, label="2 steps"),
        _call(z0.double(), z1.double(), 5, label="float64 inputs"),
        _call(*_exact_direction(g, 1.0), 5, label="parallel vectors"),
        _call(*_exact_direction(g, -1.0), 5, label="anti-parallel vectors"),
        _call(near, 1.7 * near, 5, label="z1 = 1.7 z0 (parallel up to rounding)"),
    ]


def _unit_slerp(z0: torch.Tensor, z1: torch.Tensor, steps: int) -> torch.Tensor:
    """A mistake: slerp between the normalised vectors (the outputs all have norm 1)."""
    return slerp(z0 / z0.norm(), z1 / z1.norm(), steps)


def _interp_judge(name: str, reference, diagnoses):
    def judge(probes: list[Probe], results: list[dict]) -> None:
        for probe, result in zip(probes, results):
            z0, z1, steps = probe.payload["args"]
            described = result["value"]["result"]
            expect("tensor" in described, f"`{name}` must return a torch tensor, got a {described.get('type')}.")
            out = described["tensor"]
            expect(tuple(out.shape) == (steps, z0.shape[0]), f"`{name}` ({probe.label}) returns shape {tuple(out.shape)}; "
                   "expected (steps, d): one interpolant per row.")
            expect(out.dtype == z0.dtype, f"`{name}` ({probe.label}) returns {out.dtype} for {z0.dtype} inputs: keep the "
                   "inputs' dtype (build t with dtype=z0.dtype), or the generator will reject the latents.")
            if not bool(torch.isfinite(out).all()):
                raise CheckFailure(f"`{name}` ({probe.label}) returns NaN or inf. When z0 and z1 are (anti)parallel, "
                                   "sin(omega) is 0: fall back to lerp there, and clamp the cosine to [-1, 1] before acos."
                                   if "parallel" in probe.label else f"`{name}` ({probe.label}) returns NaN or inf.")
            if close(out, reference(z0, z1, steps), rtol=1e-4, atol=1e-5):
                continue
            for wrong, message in diagnoses(probe.label):
                if close(out, wrong(z0, z1, steps), rtol=1e-4, atol=1e-5):
                    raise CheckFailure(f"`{name}` ({probe.label}): {message}")
            expect(close(out[0], z0) and close(out[-1], z1), f"`{name}` ({probe.label}): the first row must be z0 and the "
                   "last z1 (endpoints included: t runs from 0 to 1 inclusive, torch.linspace(0, 1, steps)).")
            if "parallel" in probe.label:
                raise CheckFailure(f"`{name}` ({probe.label}): when z0 and z1 point the same or opposite ways the great "
                                   "circle between them is undefined (sin(omega) = 0): fall back to lerp, with a small "
                                   "tolerance on |cos(omega)| - 1.")
            raise CheckFailure(f"`{name}` gives wrong interpolants ({probe.label}). " + {
                "lerp": "Row k is (1 - t_k) z0 + t_k z1 with t_k = k / (steps - 1).",
                "slerp": "Row k is sin((1 - t_k) omega) / sin(omega) z0 + sin(t_k omega) / sin(omega) z1, t_k = k / (steps - 1), "
                         "omega the angle between z0 / |z0| and z1 / |z1|.",
            }[name])
    return judge


def _slerp_diagnoses(label: str):
    if "parallel" in label:
        return []
    return [
        (lerp, "these are linear interpolants; slerp moves along the great circle (sin weights of the angle)."),
        (_unit_slerp, "interpolate z0 and z1 themselves; only the angle omega is computed from the normalised vectors."),
    ]


# --- truncated_noise -----------------------------------------------------------------------


def _noise(g: torch.Generator, args: list, generator_seed, label: str, global_seed=None) -> Probe:
    return Probe("a03.truncated_noise", {"args": args, "generator_seed": generator_seed,
                                         "global_seed": draw_seed(g) if global_seed is None else global_seed}, label)


def _noise_probes(g: torch.Generator) -> list[Probe]:
    s1, s2 = draw_seed(g), draw_seed(g)
    return [
        _noise(g, [1000, 8, 1.0], s1, "threshold 1 with a generator"),
        _noise(g, [1000, 8, 1.0], s1, "the same generator seed again, after other random draws"),
        _noise(g, [1000, 8, 1.0], s2 if s2 != s1 else s1 + 1, "another generator seed"),
        _noise(g, [1000, 8, 2.0], draw_seed(g), "threshold 2"),
        _noise(g, [500, 4, 0.5], draw_seed(g), "threshold 0.5"),
        _noise(g, [1000, 8, 1.5], None, "no generator argument"),
    ]


def truncated_moments(t: float) -> tuple[float, float, float]:
    """E z^2, E z^4 and P(|Z| <= t) of a standard normal truncated to [-t, t] (closed forms)."""
    pdf = math.exp(-t * t / 2) / math.sqrt(2 * math.pi)
    mass = math.erf(t / math.sqrt(2))  # 2 Phi(t) - 1
    m2 = 1 - 2 * t * pdf / mass
    return m2, 3 * m2 - 2 * t**3 * pdf / mass, mass


def _judge_noise_statistics(name: str, label: str, z: torch.Tensor, t: float) -> None:
    m2, m4, mass = truncated_moments(t)
    x = z.double().flatten()
    n = x.numel()
    message = (f"`{name}` ({label}): the entries are not distributed as a standard normal truncated to "
               "[-threshold, threshold]. Draw N(0, 1) and redraw only the entries outside, until none is left; "
               "do not rescale, clamp or wrap values.")
    expect(abs(x.mean().item()) <= SIGMAS * math.sqrt(m2 / n), message)
    expect(abs(x.pow(2).mean().item() - m2) <= SIGMAS * math.sqrt((m4 - m2 * m2) / n), message)
    cdf = lambda v: ((1 + torch.erf(v / math.sqrt(2))) / 2 - (1 - mass) / 2) / mass  # noqa: E731
    expect(ks_distance(x, cdf) <= KS_C / math.sqrt(n), message)


def _noise_judge(probes: list[Probe], results: list[dict]) -> None:
    name = "truncated_noise"
    samples = []
    for probe, result in zip(probes, results):
        n, d, t = probe.payload["args"]
        described = result["value"]["result"]
        expect("tensor" in described, f"`{name}` must return a torch tensor, got a {described.get('type')}.")
        z = described["tensor"]
        expect(tuple(z.shape) == (n, d), f"`{name}` ({probe.label}) returns shape {tuple(z.shape)}; expected (n, latent_dim).")
        expect(z.dtype == torch.float32, f"`{name}` returns {z.dtype}; latents must be float32 like the generator's "
               "weights (convert numpy results with torch.from_numpy(values).float()).")
        expect(bool(torch.isfinite(z).all()), f"`{name}` ({probe.label}) returns non-finite values.")
        expect(bool((z.abs() <= t).all()), f"`{name}` ({probe.label}) returns entries with |z| > threshold. Resample "
               "until every entry is inside: one redraw of the outside entries still leaves some outside.")
        expect(float((z.abs() >= t * (1 - 1e-4)).double().mean()) <= BOUNDARY_MASS, f"`{name}` ({probe.label}) puts many "
               "entries exactly at +-threshold: that is clamping, which piles all the outside mass on the bound. "
               "Redraw the entries outside instead.")
        samples.append(z)
    expect(torch.equal(samples[0], samples[1]), f"`{name}` is not reproducible: two calls with generators seeded alike "
           "gave different noise. Draw every number (the first draw and each redraw) from `generator` "
           "(torch.randn(..., generator=generator)).")
    expect(not torch.equal(samples[0], samples[2]), f"`{name}` gives the same noise for different generator seeds.")
    for probe, z in zip(probes, samples):
        if probe.label not in ("the same generator seed again, after other random draws", "another generator seed"):
            _judge_noise_statistics(name, probe.label, z, probe.payload["args"][2])


CHECKS = {
    "make_dcgan_generator": Check(ASSIGNMENT, "make_dcgan_generator", _generator_probes, _generator_judge),
    "make_dcgan_discriminator": Check(ASSIGNMENT, "make_dcgan_discriminator", discriminator_probes, discriminator_judge),
    "lerp": Check(ASSIGNMENT, "lerp", _lerp_probes, _interp_judge("lerp", lerp, lambda label: [])),
    "slerp": Check(ASSIGNMENT, "slerp", _slerp_probes, _interp_judge("slerp", slerp, _slerp_diagnoses)),
    "truncated_noise": Check(ASSIGNMENT, "truncated_noise", _noise_probes, _noise_judge),
}
