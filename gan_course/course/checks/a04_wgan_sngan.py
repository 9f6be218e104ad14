"""Hidden checks of assignment 04 (GAN vs WGAN vs SNGAN): the Wasserstein and hinge losses,
weight clipping, the gradient penalty, the critic step and spectral normalisation.

References: gan_course.losses (wasserstein, hinge, regularizers) and gan_course.models.init.
Papers: Arjovsky et al. 2017, https://arxiv.org/abs/1701.07875; Gulrajani et al. 2017,
https://arxiv.org/abs/1704.00028; Lim & Ye 2017, https://arxiv.org/abs/1705.02894;
Miyato et al. 2018, https://arxiv.org/abs/1802.05957. The gradient penalty's check lives in
:mod:`gan_course.course.checks._penalty_check`, the critic step's in :mod:`gan_course.course.checks._critic_step_check`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from gan_course.course.harness.a04 import build_model
from gan_course.course.harness.common import seeded
from gan_course.losses import CLIP_VALUE, d_hinge, d_wasserstein, g_hinge, g_wasserstein

from ._critic_step_check import critic_step_check
from ._loss_checks import Diagnosis, LossSpec, loss_check, single_threaded
from ._penalty_check import gradient_penalty_check
from .base import Check, CheckFailure, Probe, draw_seed, expect

ASSIGNMENT = "04_wgan_sngan"


# --- the four losses ---------------------------------------------------------------------

_SIGMOID = "Critic scores are not probabilities: use them as they are, without sigmoid."

CRITIC_LOSS = LossSpec(
    ASSIGNMENT, "critic_loss", d_wasserstein, 2, "mean(fake) - mean(real)",
    diagnoses=[
        Diagnosis(lambda r, f: r.mean() - f.mean(),
                  "The sign is flipped: the critic wants high scores on real data, so it minimises mean(fake) - mean(real)."),
        Diagnosis(lambda r, f: torch.sigmoid(f).mean() - torch.sigmoid(r).mean(), _SIGMOID),
        Diagnosis(lambda r, f: -f.mean() - r.mean(), "Both means are subtracted: the critic loss adds mean(fake) and subtracts mean(real)."),
    ],
)

WASSERSTEIN_GENERATOR_LOSS = LossSpec(
    ASSIGNMENT, "wasserstein_generator_loss", g_wasserstein, 1, "-mean(fake)",
    diagnoses=[
        Diagnosis(lambda f: f.mean(), "The sign is flipped: the generator wants the critic to score its samples high, so it minimises -mean(fake)."),
        Diagnosis(lambda f: -torch.sigmoid(f).mean(), _SIGMOID),
        Diagnosis(lambda f: F.softplus(-f).mean(), "That is the non-saturating BCE loss of assignment 01; the Wasserstein generator uses the raw critic scores."),
    ],
)

HINGE_DISCRIMINATOR_LOSS = LossSpec(
    ASSIGNMENT, "hinge_discriminator_loss", d_hinge, 2, "mean(relu(1 - real)) + mean(relu(1 + fake))",
    diagnoses=[
        Diagnosis(lambda r, f: (1 - r).mean() + (1 + f).mean(),
                  "The relu is missing: the hinge max(0, .) only penalises scores on the wrong side of the margin."),
        Diagnosis(lambda r, f: F.relu(1 + r).mean() + F.relu(1 - f).mean(),
                  "The signs are swapped: real scores should be pushed above +1 (relu(1 - real)) and fake ones below -1."),
        Diagnosis(lambda r, f: F.relu(-r).mean() + F.relu(f).mean(), "The margin of 1 is missing inside the relu."),
        Diagnosis(lambda r, f: F.relu(1 - torch.sigmoid(r)).mean() + F.relu(1 + torch.sigmoid(f)).mean(), _SIGMOID),
    ],
)

HINGE_GENERATOR_LOSS = LossSpec(
    ASSIGNMENT, "hinge_generator_loss", g_hinge, 1, "-mean(fake)",
    diagnoses=[
        Diagnosis(lambda f: F.relu(1 - f).mean(),
                  "The generator's loss in the hinge GAN is not a hinge: it is -mean(fake), so it keeps pushing scores up "
                  "(Lim & Ye 2017; Miyato et al. 2018)."),
        Diagnosis(lambda f: f.mean(), "The sign is flipped: the generator wants high scores, so it minimises -mean(fake)."),
        Diagnosis(lambda f: F.relu(1 + f).mean(), "That is the discriminator's fake term; the generator minimises -mean(fake)."),
    ],
)


# --- clip_weights ------------------------------------------------------------------------

CLIP_SHAPE = [1, 6, 6]
_CLIP_CASES = (  # (label, call style, clip value or None for the default, weight scale)
    ("clip_value=0.05 (positional)", "args", 0.05, 0.08),
    ("clip_value=0.3 (keyword)", "kwargs", 0.3, 0.4),
    ("default clip_value", None, None, 0.02),
)


@single_threaded
def _clip_probes(g: torch.Generator) -> list[Probe]:
    with seeded(0):
        model = build_model("clip_critic", CLIP_SHAPE)
    probes = []
    for label, style, value, scale in _CLIP_CASES:
        state = {}
        for key, tensor in model.state_dict().items():
            if key.endswith("num_batches_tracked"):
                state[key] = torch.tensor(7)
            elif key.endswith("running_var"):
                state[key] = torch.rand(tensor.shape, generator=g) + 0.5  # > any clip value
            elif key.endswith("running_mean"):
                state[key] = torch.randn(tensor.shape, generator=g)
            else:
                state[key] = torch.randn(tensor.shape, generator=g) * scale
        payload = {"model": "clip_critic", "shape": CLIP_SHAPE, "state": state, "args": [], "kwargs": {}}
        if style == "args":
            payload["args"] = [value]
        elif style == "kwargs":
            payload["kwargs"] = {"clip_value": value}
        probes.append(Probe("a04.clip_weights", payload, label))
    return probes


@single_threaded
def _clip_judge(probes: list[Probe], results: list[dict]) -> None:
    name = "clip_weights"
    with seeded(0):
        parameter_names = {k for k, _ in build_model("clip_critic", CLIP_SHAPE).named_parameters()}
    for probe, result in zip(probes, results):
        value = result["value"]
        state, after = probe.payload["state"], value["state_after"]
        c = probe.payload["args"][0] if probe.payload["args"] else probe.payload["kwargs"].get("clip_value", CLIP_VALUE)
        expect(value["same_parameters"],
               f"`{name}` replaced the critic's Parameters with new objects ({probe.label}): the optimizer still holds the "
               "old ones. Change the values in place: `with torch.no_grad(): p.clamp_(-c, c)` (or p.data.clamp_).")
        buffers = [k for k in state if k not in parameter_names]
        changed_buffers = [k for k in buffers if not torch.equal(after[k], state[k])]
        expect(not changed_buffers,
               f"`{name}` changed buffers that are not parameters ({', '.join(changed_buffers)}). Clip only "
               "critic.parameters(): a BatchNorm's running statistics are not weights and must stay as they are.")
        wrong = [k for k in sorted(parameter_names) if not torch.allclose(after[k], state[k].clamp(-c, c), rtol=0, atol=1e-7)]
        if not wrong:
            continue
        if probe.label == "default clip_value":
            raise CheckFailure(f"`{name}` gives a wrong result when called without clip_value: check your default "
                               "against the signature (it is the value of the WGAN paper).")
        if all(torch.equal(after[k], state[k]) for k in parameter_names):
            raise CheckFailure(
                f"`{name}` did not change the parameters ({probe.label}). Clamp in place: `p.clamp_(-c, c)` inside "
                "torch.no_grad(), or `p.data.clamp_(-c, c)`; `p = p.clamp(...)` only rebinds a local name, and "
                "clip_grad_value_ clips gradients, not weights.")
        if all(torch.allclose(after[k], state[k].clamp(0, c), atol=1e-7) for k in parameter_names):
            raise CheckFailure(f"`{name}` clamps into [0, c] ({probe.label}): the interval is symmetric, [-c, c].")
        if all(torch.allclose(after[k], state[k].clamp(-CLIP_VALUE, CLIP_VALUE), atol=1e-7) for k in parameter_names):
            raise CheckFailure(f"`{name}` clamps with a fixed bound ({probe.label}): use the clip_value you are given.")
        inside_changed = any(not torch.equal(after[k][state[k].abs() < c], state[k][state[k].abs() < c]) for k in wrong)
        if inside_changed:
            raise CheckFailure(f"`{name}` changed values that were already inside [-c, c] ({probe.label}). Clipping "
                               "leaves them exactly as they are and only moves values outside to the nearest bound: "
                               "clamp, do not rescale.")
        if all(torch.equal(after[k], state[k]) for k in wrong) and len(wrong) < len(parameter_names):
            raise CheckFailure(f"`{name}` left some parameters unclipped ({', '.join(wrong)}, {probe.label}): clamp EVERY "
                               "parameter of the critic (critic.parameters()), biases and normalisation scales included.")
        raise CheckFailure(f"`{name}` does not clamp the parameters into [-clip_value, clip_value] ({probe.label}; wrong: "
                           f"{', '.join(wrong)}). Use the clip_value you are given, and both bounds -c and +c.")
    for probe, result in zip(probes, results):
        returned = result["value"]["returned"]
        expect(returned.get("is_none", False),
               f"`{name}` should return None: it works in place on the critic (it returned a {returned.get('type', 'tensor')}).")


# --- add_spectral_norm -------------------------------------------------------------------

_SN_CASES = {  # model -> (input shape, spectrally normalised layers, untouched layers)
    "sn_convnet": ([4, 3, 8, 8], ["0", "2.0", "2.3", "5", "6.1"], ["2.1"]),
    "sn_custom": ([5, 6], ["embed", "blocks.0.1", "head"], ["blocks.1"]),
}
SPIKE_RANGE = (2.0, 4.0)  # the dominant singular value of a test weight: power iteration converges fast
NOISE_NORM = 0.3  # rough spectral norm of the rest of the weight
SN_RTOL = 1e-3
SN_RESCALE = 3.0  # the harness scales each trained weight after the call: a normalisation done once shows


def weight_matrix(weight: torch.Tensor, layer_type: str, *, dim: int | None = None) -> torch.Tensor:
    """The matrix whose top singular value spectral norm divides by: output dim first
    (dim 1 for ConvTranspose2d, whose weight is (C_in, C_out, k, k); dim 0 otherwise)."""
    if dim is None:
        dim = 1 if layer_type == "ConvTranspose2d" else 0
    return weight.movedim(dim, 0).reshape(weight.shape[dim], -1)


def _spiked_weight(shape: torch.Size, layer_type: str, g: torch.Generator) -> torch.Tensor:
    """A random weight of ``shape`` with a clear gap between its top two singular values."""
    dim = 1 if layer_type == "ConvTranspose2d" else 0
    moved = torch.Size([shape[dim], *[s for i, s in enumerate(shape) if i != dim]])
    rows, cols = moved[0], moved[1:].numel()
    a, b = torch.randn(rows, generator=g), torch.randn(cols, generator=g)
    spike = SPIKE_RANGE[0] + (SPIKE_RANGE[1] - SPIKE_RANGE[0]) * torch.rand((), generator=g)
    noise = torch.randn(rows, cols, generator=g) * NOISE_NORM / (rows ** 0.5 + cols ** 0.5)
    matrix = spike * torch.outer(a / a.norm(), b / b.norm()) + noise  # (rows, cols)
    return matrix.reshape(moved).movedim(0, dim).contiguous()


@single_threaded
def _sn_probes(g: torch.Generator) -> list[Probe]:
    probes = []
    for kind, (x_shape, targets, _untouched) in _SN_CASES.items():
        with seeded(0):
            model = build_model(kind)
        types = {path: type(m).__name__ for path, m in model.named_modules()}
        state = {}
        for key, tensor in model.state_dict().items():
            path, _, leaf = key.rpartition(".")
            if leaf == "weight" and path in targets:
                state[key] = _spiked_weight(tensor.shape, types[path], g)
            elif leaf == "weight":
                state[key] = 1 + 0.5 * torch.randn(tensor.shape, generator=g)
            elif leaf == "num_batches_tracked":
                state[key] = tensor.clone()
            else:
                state[key] = 0.1 * torch.randn(tensor.shape, generator=g)
        payload = {"model": kind, "state": state, "x": torch.randn(x_shape, generator=g),
                   "paths": targets + _SN_CASES[kind][2], "rescale_paths": targets, "rescale": SN_RESCALE,
                   "seed": draw_seed(g)}
        probes.append(Probe("a04.add_spectral_norm", payload, kind))
    return probes


def _where(path: str) -> str:
    return "nested inside another module" if "." in path else "a direct child"


@single_threaded
def _sn_judge(probes: list[Probe], results: list[dict]) -> None:
    name = "add_spectral_norm"
    for probe, result in zip(probes, results):
        value = result["value"]
        expect(value["returned_type"] != "NoneType", f"`{name}` returned None: end with `return module`.")
        expect(value["same_object"],
               f"`{name}` must modify the module it is given and return that same module (it returned a "
               f"{value['returned_type']}). torch's spectral_norm(layer) changes the layer in place and returns it.")
    for probe, result in zip(probes, results):
        layers, state = result["value"]["layers"], probe.payload["state"]
        targets, untouched = _SN_CASES[probe.label][1], _SN_CASES[probe.label][2]
        with seeded(0):
            types = {path: type(m).__name__ for path, m in build_model(probe.label).named_modules()}
        for path in probe.payload["paths"]:
            expect(layers[path] is not None and layers[path]["weight"] is not None,
                   f"`{name}` changed the structure of the model (layer `{path}` is gone): apply spectral norm to each "
                   "layer in place instead of replacing or wrapping it.")
            bias = state.get(f"{path}.bias")
            if bias is not None:
                got = layers[path]["bias"]
                expect(got is not None and torch.allclose(got, bias, atol=1e-6),
                       f"`{name}` changed the bias of layer `{path}`: spectral norm rescales the weight only.")
        for path in untouched:
            layer = layers[path]
            expect(torch.allclose(layer["weight"], state[f"{path}.weight"], atol=1e-6),
                   f"`{name}` changed a {types[path]} (layer `{path}`): spectral normalisation is for Linear, Conv2d and "
                   "ConvTranspose2d only; select layers with isinstance, not by whether they have a weight.")
        for path in targets:
            _judge_normalised_layer(name, path, types[path], layers[path]["weight"], state[f"{path}.weight"])


def _judge_normalised_layer(name: str, path: str, kind: str, effective: torch.Tensor, original: torch.Tensor) -> None:
    """The effective weight must be W / sigma_max(W), whatever the scale of the trained W."""
    effective, original = effective.double(), original.double()

    def matches(expected: torch.Tensor, rtol: float = SN_RTOL) -> bool:
        return bool(torch.allclose(effective, expected, rtol=rtol, atol=rtol * float(expected.abs().max())))

    sigma = torch.linalg.matrix_norm(weight_matrix(original, kind), ord=2)
    if matches(original / sigma):
        return
    if matches(original, 1e-6) or matches(SN_RESCALE * original, 1e-6):
        raise CheckFailure(
            f"`{name}` did not normalise the {kind} at `{path}` ({_where(path)}). Visit every submodule at any depth "
            "(module.modules() walks them all; .children() sees only the first level).")
    if kind == "ConvTranspose2d":
        sigma0 = torch.linalg.matrix_norm(weight_matrix(original, kind, dim=0), ord=2)
        if matches(original / sigma0):
            raise CheckFailure(
                f"`{name}` normalised the ConvTranspose2d at `{path}` along the wrong dimension. Its weight is stored as "
                "(C_in, C_out, k, k), so the output dimension is 1; torch's spectral_norm picks dim=1 by itself when "
                "you do not pass dim.")
    if matches(original / original.norm(), 1e-5) or matches(SN_RESCALE * original / original.norm(), 1e-5):
        raise CheckFailure(
            f"`{name}` divided the weight of `{path}` by its Frobenius norm. Spectral normalisation divides by the largest "
            "singular value (estimated by power iteration): use torch's spectral_norm.")
    if matches(SN_RESCALE * original / sigma):
        raise CheckFailure(
            f"`{name}` rescaled the weight of `{path}` once; after the weight changed (as in training) the layer was no "
            "longer normalised. Spectral normalisation divides by the largest singular value at every forward pass: "
            "register it with torch's spectral_norm (a parametrization or hook), do not edit the weight's values.")
    raise CheckFailure(
        f"The effective weight of the {kind} at `{path}` is not the original weight divided by its largest singular "
        "value. Apply torch.nn.utils.parametrizations.spectral_norm (or torch.nn.utils.spectral_norm) to the layer "
        "itself, once, with its default settings.")


CHECKS = {
    "critic_loss": loss_check(CRITIC_LOSS),
    "wasserstein_generator_loss": loss_check(WASSERSTEIN_GENERATOR_LOSS),
    "clip_weights": Check(ASSIGNMENT, "clip_weights", _clip_probes, _clip_judge,
                          description="clamps every parameter into [-c, c] in place; returns None"),
    "gradient_penalty": gradient_penalty_check(ASSIGNMENT),
    "critic_step": critic_step_check(ASSIGNMENT),
    "hinge_discriminator_loss": loss_check(HINGE_DISCRIMINATOR_LOSS),
    "hinge_generator_loss": loss_check(HINGE_GENERATOR_LOSS),
    "add_spectral_norm": Check(ASSIGNMENT, "add_spectral_norm", _sn_probes, _sn_judge,
                               description="spectral norm on every Linear, Conv2d and ConvTranspose2d inside"),
}
