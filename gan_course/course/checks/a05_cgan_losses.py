"""Hidden checks of assignment 05 (conditional GAN, loss strategies compared): the LSGAN
losses, the conditional input, the projection discriminator's logits (judged in
:mod:`gan_course.course.checks._projection_check`), ICNR initialisation, and FID / KID on feature statistics.

References: gan_course.losses.lsgan (Mao et al. 2017, https://arxiv.org/abs/1611.04076);
the ICNR initialisation of Aitken et al. 2017 (https://arxiv.org/abs/1707.02937), judged by its
defining property; FID (Heusel et al. 2017) and KID (Binkowski et al. 2018) against the
grader's float64 references in :mod:`gan_course.course.checks._fid_kid` (checks in
:mod:`gan_course.course.checks._metric_checks`).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from gan_course.losses import d_lsgan, g_lsgan

from ._loss_checks import Diagnosis, LossSpec, loss_check, single_threaded
from ._metric_checks import frechet_distance_check, kernel_inception_distance_check
from ._projection_check import projection_logits_check
from .base import Check, CheckFailure, Probe, draw_seed, expect

ASSIGNMENT = "05_cgan_losses"


# --- LSGAN -------------------------------------------------------------------------------

LSGAN_DISCRIMINATOR_LOSS = LossSpec(
    ASSIGNMENT, "lsgan_discriminator_loss", d_lsgan, 2, "0.5 * mean((real - real_label)^2) + 0.5 * mean(fake^2)",
    options={"real_label": (1.0, 0.9)},
    diagnoses=[
        Diagnosis(lambda r, f, real_label=1.0: ((r - real_label) ** 2).mean() + (f ** 2).mean(),
                  "The factor 0.5 in front of each term is missing."),
        Diagnosis(lambda r, f, real_label=1.0: 0.5 * ((r - real_label) ** 2).mean() + 0.5 * ((f - (1 - real_label)) ** 2).mean(),
                  "real_label changes the target of the REAL outputs only; fake outputs are always compared with 0."),
        Diagnosis(lambda r, f, real_label=1.0: d_lsgan(r, f),
                  "The real_label argument is ignored: compare the real outputs with real_label, not with a fixed 1."),
        Diagnosis(lambda r, f, real_label=1.0: 0.5 * ((r - real_label) ** 2).mean() + 0.5 * ((f + 1) ** 2).mean(),
                  "The target of the fake outputs is 0 in this (0-1-1) coding, not -1."),
        Diagnosis(lambda r, f, real_label=1.0: d_lsgan(torch.sigmoid(r), torch.sigmoid(f), real_label),
                  "LSGAN uses the raw discriminator outputs: no sigmoid."),
    ],
)

LSGAN_GENERATOR_LOSS = LossSpec(
    ASSIGNMENT, "lsgan_generator_loss", g_lsgan, 1, "0.5 * mean((fake - 1)^2)",
    diagnoses=[
        Diagnosis(lambda f: ((f - 1) ** 2).mean(), "The factor 0.5 is missing."),
        Diagnosis(lambda f: 0.5 * (f ** 2).mean(),
                  "The generator wants its samples to look real: its target is 1, not 0."),
        Diagnosis(lambda f: g_lsgan(torch.sigmoid(f)), "LSGAN uses the raw discriminator outputs: no sigmoid."),
        Diagnosis(lambda f: -f.mean(), "That is the Wasserstein / hinge generator loss; LSGAN squares the distance to the target 1."),
    ],
)


# --- conditional_input -------------------------------------------------------------------

DEFAULT_NUM_CLASSES = 10  # COURSE.md 05: conditional_input(z, labels, num_classes=10)
_CONDITIONAL_CASES = (  # label, batch, latent dim, num_classes passed (None = default), how, dtype, top label
    ("default num_classes", 6, 4, None, None, torch.float32, 9),
    ("default num_classes, labels all below 5", 7, 3, None, None, torch.float32, 4),
    ("num_classes=5 (positional)", 5, 3, 5, "args", torch.float32, 3),
    ("num_classes=12 (keyword)", 6, 2, 12, "kwargs", torch.float32, 10),
    ("float64 z", 4, 5, None, None, torch.float64, 9),
    ("a batch of one", 1, 7, None, None, torch.float32, 3),
)


@single_threaded
def _conditional_probes(g: torch.Generator) -> list[Probe]:
    probes = []
    for label, batch, dim, classes, how, dtype, top in _CONDITIONAL_CASES:
        z = torch.randn(batch, dim, generator=g).to(dtype)
        labels = torch.randint(0, top + 1, (batch,), generator=g)
        labels[torch.randint(0, batch, (), generator=g)] = top  # the largest label present is `top`
        args, kwargs = [z, labels], {}
        if how == "args":
            args.append(classes)
        elif how == "kwargs":
            kwargs["num_classes"] = classes
        probes.append(Probe("common.call", {"args": args, "kwargs": kwargs}, label))
    return probes


def conditional_input_reference(z: torch.Tensor, labels: torch.Tensor, num_classes: int = DEFAULT_NUM_CLASSES) -> torch.Tensor:
    """[z, one_hot(labels)]: (B, d), (B,) -> (B, d + num_classes) in z's dtype and device."""
    return torch.cat([z, F.one_hot(labels, num_classes).to(z)], dim=1)


@single_threaded
def _conditional_judge(probes: list[Probe], results: list[dict]) -> None:
    name = "conditional_input"
    for probe, result in zip(probes, results):
        described = result["value"]["result"]
        expect("tensor" in described, f"`{name}` must return a torch tensor, not a {described.get('type')}.")
        out = described["tensor"]
        z, labels = probe.payload["args"][:2]
        classes = probe.payload["args"][2] if len(probe.payload["args"]) > 2 else probe.payload["kwargs"].get("num_classes", DEFAULT_NUM_CLASSES)
        batch, dim = z.shape
        if tuple(out.shape) != (batch, dim + classes):
            inferred = int(labels.max()) + 1
            if tuple(out.shape) == (batch, dim + inferred):
                raise CheckFailure(f"`{name}` has the wrong width ({probe.label}): F.one_hot(labels) guesses the number "
                                   "of classes from the largest label present. Pass num_classes=num_classes.")
            if tuple(out.shape) == (batch, dim + DEFAULT_NUM_CLASSES):
                raise CheckFailure(f"`{name}` ignores num_classes ({probe.label}): encode with the num_classes you are given.")
            raise CheckFailure(f"`{name}` returned shape {tuple(out.shape)} for z of shape {tuple(z.shape)} ({probe.label}): "
                               "concatenate z and the one-hot labels along dim 1, giving (B, d + num_classes).")
        expect(out.is_floating_point(), f"`{name}` must return a float tensor (one-hot as float, e.g. .to(z.dtype)), not {out.dtype}.")
        expected = conditional_input_reference(z, labels, classes)
        if not torch.equal(out.to(z.dtype), expected):
            swapped = torch.cat([expected[:, dim:], expected[:, :dim]], dim=1)
            if torch.allclose(out.double(), swapped.double(), atol=1e-6):
                raise CheckFailure(f"`{name}` puts the one-hot labels first: the order is [z, one_hot(labels)].")
            if not torch.allclose(out[:, :dim].double(), z.double(), atol=1e-6):
                raise CheckFailure(f"`{name}`: the first d columns must be z itself, unchanged ({probe.label}).")
            raise CheckFailure(f"`{name}`: the last num_classes columns must be the one-hot encoding of the labels: "
                               f"a single 1 at column `label` of each row and 0 elsewhere ({probe.label}).")
        expect(described["dtype"] == str(z.dtype),
               f"`{name}` should return z's dtype ({probe.label}): convert the one-hot part with .to(z.dtype) rather than .float().")
        expect(described["device"] == str(z.device), f"`{name}` should return a tensor on z's device.")


# --- icnr_ -------------------------------------------------------------------------------

_ICNR_CASES = (  # label, (C, C_in, k), upscale factor, how it is passed, a Parameter?
    # C != C_in so that mode="fan_out" or xavier_normal_ give a visibly different spread
    ("default upscale_factor, conv.weight", (16, 8, 3), 2, None, True),
    ("upscale_factor=3 (positional)", (6, 12, 3), 3, "args", True),
    ("upscale_factor=2 (keyword), 1x1 kernel, plain tensor", (12, 20, 1), 2, "kwargs", False),
    ("upscale_factor=4 (keyword)", (4, 6, 3), 4, "kwargs", True),
)
ICNR_FILL = 123.0  # what the weight holds before the call
KAIMING_GAIN = math.sqrt(2.0)  # nn.init.calculate_gain("leaky_relu", a=0): kaiming_normal_ defaults
STD_TOLERANCE = 0.08  # pooled |std / expected - 1| (about 6 standard errors)
KURTOSIS_RANGE = (2.5, 3.6)  # normal: 3; uniform: 1.8


@single_threaded
def _icnr_probes(g: torch.Generator) -> list[Probe]:
    probes = []
    for label, (channels, in_channels, k), r, how, parameter in _ICNR_CASES:
        payload = {"shape": [channels * r * r, in_channels, k, k], "fill": ICNR_FILL, "parameter": parameter,
                   "args": [r] if how == "args" else [], "kwargs": {"upscale_factor": r} if how == "kwargs" else {},
                   "seed": draw_seed(g), "r": r}
        probes.append(Probe("a05.icnr_", payload, label))
    return probes


@single_threaded
def _icnr_judge(probes: list[Probe], results: list[dict]) -> None:
    name = "icnr_"
    pooled = []
    for probe, result in zip(probes, results):
        value, r = result["value"], probe.payload["r"]
        expect(value["returned_type"] != "NoneType", f"`{name}` returned None: end with `return weight`.")
        expect(value["returned_is_weight"] or value["returned_shares_weight"],
               f"`{name}` must fill the weight it is given in place and return that same weight ({probe.label}).")
        if value["is_parameter"]:
            expect(value["requires_grad"], f"`{name}` switched off requires_grad of the conv weight: write the values "
                   "inside torch.no_grad() (or through weight.data) instead.")
        weight = value["weight_after"].double()
        expect(not bool((weight == ICNR_FILL).any()),
               f"`{name}` did not overwrite the weight in place ({probe.label}): copy the values into it, e.g. "
               "`with torch.no_grad(): weight.copy_(...)`; `weight = ...` only rebinds a local name.")
        expect(bool(torch.isfinite(weight).all()), f"`{name}` wrote non-finite values into the weight ({probe.label}).")
        channels, r2 = weight.shape[0] // (r * r), r * r
        groups = weight.view(channels, r2, *weight.shape[1:])  # (C, r^2, C_in, k, k)
        if not _nearest_neighbour_property(weight, r):
            tiled = weight.view(r2, channels, *weight.shape[1:])
            if channels > 1 and bool((tiled == tiled[:1]).all()):
                raise CheckFailure(
                    f"`{name}` repeats the sub-kernel in the wrong order ({probe.label}): nn.PixelShuffle(r) builds output "
                    "channel c from input channels c*r^2 ... c*r^2 + r^2 - 1, so each sub-kernel must be copied r^2 times "
                    "in a row: repeat_interleave(r**2, dim=0), not repeat.")
            raise CheckFailure(
                f"`{name}`: at initialisation, PixelShuffle(conv(x)) should equal nearest-neighbour upsampling of a conv "
                f"with the sub-kernel (no checkerboard), and it does not ({probe.label}). The r^2 channels that "
                "PixelShuffle gathers into one output channel must hold the same kernel. Use the upscale_factor you are "
                "given.")
        sub = groups[:, 0]  # (C, C_in, k, k)
        if channels > 1:
            expect(not bool((sub == sub[:1]).all()),
                   f"`{name}` copied one kernel into every output channel ({probe.label}): draw a whole sub-kernel of "
                   "shape (C, C_in, k, k), then repeat each of its C kernels r^2 times.")
        fan_in = sub[0].numel()  # C_in * k * k: torch's fan_in of a (C, C_in, k, k) conv weight
        normalised = sub.flatten() / (KAIMING_GAIN / math.sqrt(fan_in))
        per_probe_tolerance = max(0.2, 6 / math.sqrt(2 * normalised.numel()))  # about 6 standard errors or more
        expect(abs(float(normalised.std()) - 1) < per_probe_tolerance,
               f"`{name}` draws values of the wrong size ({probe.label}): use nn.init.kaiming_normal_ with its default "
               "arguments on the (C, C_in, k, k) sub-kernel.")
        pooled.append(normalised)
    values = torch.cat(pooled)
    n = values.numel()
    expect(abs(float(values.mean())) < 5 / math.sqrt(n),
           f"`{name}`: the sub-kernel values should have mean 0 (nn.init.kaiming_normal_).")
    expect(abs(float(values.std()) - 1) < STD_TOLERANCE,
           f"`{name}`: the spread of the sub-kernel values does not match nn.init.kaiming_normal_ with its defaults "
           "(mode='fan_in', nonlinearity='leaky_relu', a=0) applied to the (C, C_in, k, k) sub-kernel.")
    kurtosis = float(((values - values.mean()) ** 4).mean() / values.var(unbiased=False) ** 2)
    expect(KURTOSIS_RANGE[0] < kurtosis < KURTOSIS_RANGE[1],
           f"`{name}`: the sub-kernel values do not look normally distributed: use nn.init.kaiming_normal_ "
           "(kaiming_uniform_, the default of nn.Conv2d, draws uniform values).")


def _nearest_neighbour_property(weight: torch.Tensor, r: int) -> bool:
    """Whether PixelShuffle(conv(x, weight)) equals nearest upsampling of conv(x, sub-kernel)."""
    k = weight.shape[-1]
    x = torch.randn(2, weight.shape[1], 5, 5, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    shuffled = F.pixel_shuffle(F.conv2d(x, weight, padding=k // 2), r)  # (2, C, 5r, 5r)
    sub = weight[:: r * r]  # (C, C_in, k, k): the first of each group
    upsampled = F.interpolate(F.conv2d(x, sub, padding=k // 2), scale_factor=r, mode="nearest")  # (2, C, 5r, 5r)
    return bool(torch.allclose(shuffled, upsampled, rtol=1e-9, atol=1e-9))


CHECKS = {
    "lsgan_discriminator_loss": loss_check(LSGAN_DISCRIMINATOR_LOSS),
    "lsgan_generator_loss": loss_check(LSGAN_GENERATOR_LOSS),
    "conditional_input": Check(ASSIGNMENT, "conditional_input", _conditional_probes, _conditional_judge,
                               description="[z, one_hot(labels, num_classes)] in z's dtype"),
    "projection_logits": projection_logits_check(ASSIGNMENT),
    "icnr_": Check(ASSIGNMENT, "icnr_", _icnr_probes, _icnr_judge,
                   description="ICNR: sub-kernel ~ kaiming_normal_, repeat_interleave(r^2) for PixelShuffle"),
    "frechet_distance": frechet_distance_check(ASSIGNMENT),
    "kernel_inception_distance": kernel_inception_distance_check(ASSIGNMENT),
}
