"""Hidden checks of assignment 01 (vanilla GAN and DCGAN): the three BCE losses, the
discriminator scores and the DCGAN weight initialisation.

References: gan_course.losses.bce (Goodfellow et al. 2014, the minimax and non-saturating
losses; Salimans et al. 2016, one-sided label smoothing) and gan_course.models.init
(Radford et al. 2015, N(0, 0.02) initialisation).

Each loss is judged most-specific-first: a 0-dim differentiable tensor; finite for logits of
magnitude 100; unchanged by repeating the batch (mean, not sum) and by (B, 1) inputs (the
student's own values are compared with each other); the value, with known mistakes told
apart (swapped targets, a double sigmoid, smoothed fake targets, ...); dtype; gradients.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F

from gan_course.course.harness.a01 import init_probe_tree
from gan_course.losses import d_bce, g_bce, g_minimax
from gan_course.models.init import DCGAN_BN_SCALE_MEAN, DCGAN_INIT_STD

from .base import Check, CheckFailure, Probe, close, draw_seed, expect, expect_close, expect_scalar_tensor, value_of

ASSIGNMENT = "01_vanilla_dcgan"
LARGE_LOGIT = 100.0  # COURSE.md: losses must be finite for outputs of magnitude 100
SIGMAS = 6.0  # statistical checks allow this many standard errors: a correct init never fails


def _call(*args, grad_of=(), label: str = "", **kwargs) -> Probe:
    return Probe("common.call", {"args": list(args), "kwargs": kwargs, "grad_of": list(grad_of)}, label)


# --- the three losses ----------------------------------------------------------------------

Diagnosis = tuple[Callable[..., torch.Tensor], str]


@dataclass(frozen=True)
class LossSpec:
    """What a loss check needs: the reference, its arity, and known mistakes per probe label
    (a mistake's value, computed on the same inputs, and what to tell a student who made it)."""

    name: str
    reference: Callable[..., torch.Tensor]
    n_logits: int  # 2 for (real, fake), 1 for (fake,)
    formula: str  # what the value should be, in words
    diagnoses: dict[str, list[Diagnosis]]


def loss_probes(spec: LossSpec, g: torch.Generator) -> list[Probe]:
    """Probes for a loss on logits: values, shapes, a repeated batch, stability, dtype."""
    grad_of = tuple(range(spec.n_logits))
    logits = [torch.randn(16, generator=g) * 3 for _ in range(spec.n_logits)]
    big = torch.tensor([LARGE_LOGIT, -LARGE_LOGIT, LARGE_LOGIT, -LARGE_LOGIT, 0.5 * LARGE_LOGIT, -0.5 * LARGE_LOGIT])
    bigs = [big, -big.flip(0)][: spec.n_logits]
    probes = [
        _call(*logits, grad_of=grad_of, label="default"),
        _call(*[x.repeat(4) for x in logits], grad_of=grad_of, label="a repeated batch"),
        _call(*[x.unsqueeze(1) for x in logits], grad_of=grad_of, label="(B, 1) inputs"),
        _call(*bigs, grad_of=grad_of, label="logits of magnitude 100"),
        _call(*[x.double() for x in logits], grad_of=grad_of, label="float64 inputs"),
    ]
    if spec.n_logits == 2:
        probes.insert(1, _call(*logits, grad_of=grad_of, label="real_label=0.9", real_label=0.9))
        probes.append(_call(torch.randn(5, generator=g), torch.randn(9, generator=g), grad_of=grad_of, label="batches of different sizes"))
    return probes


def judge_loss(spec: LossSpec, probes: list[Probe], results: list[dict]) -> None:
    name = spec.name
    by_label = {p.label: (p, r) for p, r in zip(probes, results)}
    for probe, result in zip(probes, results):
        expect_scalar_tensor(result, name)
        expect(result["value"]["result"]["requires_grad"], f"`{name}` must stay differentiable: build it from torch "
               "operations on the logits, without .item(), .detach() or numpy.")
    for probe, result in zip(probes, results):
        expect(all(g is not None for g in result["value"]["grads"]), f"`{name}` must be differentiable with respect to "
               "every logit it is given: did you detach an input or build part of the loss from plain numbers?")
    _, big = by_label["logits of magnitude 100"]
    expect(
        torch.isfinite(value_of(big)) and all(g is not None and torch.isfinite(g).all() for g in big["value"]["grads"]),
        f"`{name}` is not finite (or has non-finite gradients) for logits of magnitude 100. sigmoid(100) rounds to "
        "exactly 1.0 in float32, so log(sigmoid(x)) or log(1 - sigmoid(x)) becomes log(0). Work with the logits directly: "
        "F.binary_cross_entropy_with_logits, F.logsigmoid or F.softplus are stable.",
    )
    own = value_of(by_label["default"][1])
    expect(close(value_of(by_label["a repeated batch"][1]), own), f"`{name}` changes when the same batch is repeated "
           "four times. A loss should not grow with the batch size: average over the batch (.mean()), do not sum.")
    expect(close(value_of(by_label["(B, 1) inputs"][1]), own), f"`{name}` gives a different value for logits of shape "
           "(B, 1) than for (B,). Build targets with the logits' own shape (torch.ones_like / torch.full_like) so nothing "
           "broadcasts to a (B, B) matrix.")
    for label, (probe, result) in by_label.items():  # values, in probe order: default first
        args, kwargs = probe.payload["args"], probe.payload["kwargs"]
        actual = value_of(result)
        if close(actual, spec.reference(*args, **kwargs)):
            continue
        for wrong, message in spec.diagnoses.get(label, []):
            if close(actual, wrong(*args, **kwargs)):
                raise CheckFailure(f"`{name}` ({label}): {message}")
        if label == "batches of different sizes":
            raise CheckFailure(f"`{name}` is wrong when the real and fake batches have different sizes: average each "
                               "term over its own batch, then add the two means.")
        if label == "logits of magnitude 100":
            raise CheckFailure(f"`{name}` loses precision for logits of magnitude 100: clamping probabilities or their "
                               "log (an epsilon, or F.binary_cross_entropy on sigmoid outputs) changes the value. Use a "
                               "numerically stable form on the logits.")
        raise CheckFailure(f"`{name}` gives a wrong value ({label}). It should be {spec.formula}. Remember the inputs "
                           "are raw logits: the sigmoid is part of the loss.")
    _, wide = by_label["float64 inputs"]
    expect(wide["value"]["result"]["dtype"] == "torch.float64", f"`{name}` should keep the inputs' dtype (float64 in, "
           "float64 out): create constants and targets from the logits (ones_like, full_like).")
    for label, (probe, result) in by_label.items():
        args, kwargs = probe.payload["args"], probe.payload["kwargs"]
        leaves = [a.clone().requires_grad_(True) for a in args]
        wanted = torch.autograd.grad(spec.reference(*leaves, **kwargs), leaves)
        for got, want in zip(result["value"]["grads"], wanted):
            expect(close(got, want, atol=1e-6), f"`{name}` has the right value but wrong gradients "
                   f"({label}). Did you detach something, compute part of it outside torch, or clamp probabilities "
                   "(F.binary_cross_entropy on sigmoid outputs clamps log at -100, which kills the gradient)?")
    for probe, result in zip(probes, results):
        for before, after in zip(probe.payload["args"], result["value"]["args_after"]):
            expect(torch.equal(before, after), f"`{name}` modified its input logits in place ({probe.label}); compute "
                   "on copies (sigmoid(), not sigmoid_()).")


def _bce(logits: torch.Tensor, target: float) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


_DOUBLE_SIGMOID = "the inputs are logits, and you applied the sigmoid twice (sigmoid before a loss that applies it again)."
DISCRIMINATOR_LOSS = LossSpec(
    "discriminator_loss", d_bce, 2,
    "the mean BCE of the real logits against real_label plus the mean BCE of the fake logits against 0",
    {
        "default": [
            (lambda r, f, real_label=1.0: _bce(f, 1.0) + _bce(r, 0.0), "the targets are swapped: real logits are compared with real_label, fake logits with 0."),
            (lambda r, f, real_label=1.0: d_bce(r, f, 0.9), "with no real_label argument, keep the default from the given signature."),
            (lambda r, f, real_label=1.0: d_bce(torch.sigmoid(r), torch.sigmoid(f)), _DOUBLE_SIGMOID),
            (lambda r, f, real_label=1.0: 0.5 * d_bce(r, f), "add the two mean BCE terms; do not average them."),
            (lambda r, f, real_label=1.0: -d_bce(r, f), "the sign is flipped: BCE is -[t log p + (1 - t) log(1 - p)], a positive number."),
            (lambda r, f, real_label=1.0: _bce(r, 1.0), "the fake term is missing: D must also learn to call fakes fake."),
            (lambda r, f, real_label=1.0: _bce(f, 0.0), "the real term is missing: D must also learn to call real data real."),
        ],
        "real_label=0.9": [
            (lambda r, f, real_label: _bce(r, real_label) + _bce(f, 1.0 - real_label), "one-sided label smoothing changes "
             "only the real targets; the fake targets stay 0."),
            (lambda r, f, real_label: d_bce(r, f), "the real_label argument is ignored: use it as the target of the real logits."),
        ],
    },
)
GENERATOR_LOSS = LossSpec(
    "generator_loss", g_bce, 1, "the mean BCE of the fake logits against the target 1 (non-saturating loss)",
    {"default": [
        (g_minimax, "this is the saturating minimax loss; generator_loss is the non-saturating one, -log D(G(z))."),
        (lambda f: _bce(f, 0.0), "the generator wants D to call its samples real: the target is 1, not 0."),
        (lambda f: -g_bce(f), "the sign is flipped: -log D(G(z)) is positive and falls as D is fooled."),
        (lambda f: g_bce(torch.sigmoid(f)), _DOUBLE_SIGMOID),
    ]},
)
MINIMAX_GENERATOR_LOSS = LossSpec(
    "minimax_generator_loss", g_minimax, 1, "the mean of log(1 - sigmoid(fake logits)), which is negative",
    {"default": [
        (lambda f: -g_minimax(f), "the sign is flipped: the generator minimises log(1 - D(G(z))), which is negative, "
         "so the loss is the mean of that log itself."),
        (g_bce, "this is the non-saturating loss; the minimax loss is log(1 - D(G(z))), which saturates when D wins."),
        (lambda f: -g_bce(f), "this is log D(G(z)); the minimax loss uses log(1 - D(G(z)))."),
        (lambda f: g_minimax(torch.sigmoid(f)), _DOUBLE_SIGMOID),
    ]},
)


def _loss_check(spec: LossSpec) -> Check:
    return Check(ASSIGNMENT, spec.name, lambda g: loss_probes(spec, g), lambda p, r: judge_loss(spec, p, r))


# --- discriminator_scores ------------------------------------------------------------------


def _scores_probes(g: torch.Generator) -> list[Probe]:
    real, fake = torch.randn(16, generator=g) * 3 + 1, torch.randn(16, generator=g) * 3 - 1
    big = torch.tensor([LARGE_LOGIT, -LARGE_LOGIT, LARGE_LOGIT])
    return [
        _call(real, fake, grad_of=(0, 1), label="default"),  # logits straight from D carry a graph
        _call(real.repeat(3), fake.repeat(3), label="a repeated batch"),
        _call(real.unsqueeze(1), fake.unsqueeze(1), label="(B, 1) inputs"),
        _call(torch.randn(5, generator=g) * 2, torch.randn(11, generator=g) * 2, label="batches of different sizes"),
        _call(big, -big, label="logits of magnitude 100"),
        _call(real.double(), fake.double(), label="float64 inputs"),
    ]


def _mean_sigmoid(logits: torch.Tensor) -> float:
    return float(torch.sigmoid(logits.double()).mean())


_SCORES_DIAGNOSES: list[tuple[Callable[[torch.Tensor, torch.Tensor], tuple], str]] = [
    (lambda r, f: (_mean_sigmoid(f), _mean_sigmoid(r)), "the two scores are swapped: first mean D(x) on the real logits, then mean D(G(z))."),
    (lambda r, f: (float(torch.sigmoid(r.double().mean())), float(torch.sigmoid(f.double().mean()))),
     "this is the sigmoid of the mean logit; the score is the mean of the probabilities (sigmoid first, then mean)."),
    (lambda r, f: (_mean_sigmoid(r), 1 - _mean_sigmoid(f)), "the second score is D(G(z)), the probability D gives the "
     "fakes of being real, not 1 - D(G(z))."),
    (lambda r, f: (float((r > 0).double().mean()), float((f > 0).double().mean())), "this is the fraction classified as "
     "real; the score is the mean probability, sigmoid of the logits."),
]


def _scores_judge(probes: list[Probe], results: list[dict]) -> None:
    name = "discriminator_scores"
    for probe, result in zip(probes, results):
        described = result["value"]["result"]
        expect(described.get("type") == "tuple" and len(described.get("python") or ()) == 2,
               f"`{name}` must return a tuple of two numbers, (mean D(x), mean D(G(z))), got a {described.get('type', 'tensor')}.")
        for score in described["python"]:
            expect(isinstance(score, float), f"`{name}` must return Python floats, not tensors: use .item() on each mean.")
            expect(math.isfinite(score) and 0.0 <= score <= 1.0, f"`{name}` returned a score outside [0, 1] ({probe.label}). "
                   "Scores are probabilities: apply the sigmoid to the logits, then average (mean, not sum).")
    for probe, result in zip(probes, results):
        real, fake = probe.payload["args"]
        actual = result["value"]["result"]["python"]
        if close(actual, (_mean_sigmoid(real), _mean_sigmoid(fake)), rtol=1e-5, atol=1e-6):
            continue
        for wrong, message in _SCORES_DIAGNOSES:
            if close(actual, wrong(real, fake), rtol=1e-5, atol=1e-6):
                raise CheckFailure(f"`{name}` ({probe.label}): {message}")
        raise CheckFailure(f"`{name}` gives wrong scores ({probe.label}): each is the mean over its batch of sigmoid(logits), "
                           "the probability D assigns to 'real'.")


# --- dcgan_weights_init --------------------------------------------------------------------

_TREE_LAYERS = {  # parameter name prefix in init_probe_tree() -> what it is
    "conv": "0", "conv_transpose": "2.0", "batch_norm": "2.1", "linear": "3", "conv1d": "4", "batch_norm_1d": "5",
}


def _weights_init_probes(g: torch.Generator) -> list[Probe]:
    return [Probe("a01.weights_init", {"seed": draw_seed(g)}, "a DCGAN-like module tree")]


def _normal_like(values: torch.Tensor, mean: float, std: float) -> bool:
    """Sample mean and std of ``values`` within SIGMAS standard errors of N(mean, std)."""
    values = values.double().flatten()
    n = values.numel()
    return (abs(values.mean().item() - mean) <= SIGMAS * std / math.sqrt(n)
            and abs(values.std().item() - std) <= SIGMAS * std / math.sqrt(2 * n))


def _weights_init_judge(probes: list[Probe], results: list[dict]) -> None:
    name = "dcgan_weights_init"
    before, after = results[0]["value"]["before"], results[0]["value"]["after"]
    with torch.random.fork_rng(devices=[]):  # building modules draws from the global RNG: keep the caller's
        expected_shapes = {n: p.shape for n, p in init_probe_tree().named_parameters()}
    for key, shape in expected_shapes.items():
        expect(key in after and tuple(after[key].shape) == tuple(shape), f"`{name}` removed or reshaped a parameter; "
               "initialise the existing weights in place (nn.init.normal_, nn.init.zeros_).")
        expect(bool(torch.isfinite(after[key]).all()), f"`{name}` left non-finite parameters.")
    p = _TREE_LAYERS
    for layer in ("linear",):
        for kind in ("weight", "bias"):
            key = f"{p[layer]}.{kind}"
            expect(torch.equal(after[key], before[key]), f"`{name}` changed an nn.Linear layer. Only Conv/ConvTranspose "
                   "and BatchNorm layers are initialised; every other module must be left untouched.")
    for layer, label in (("conv", "Conv2d"), ("conv_transpose", "ConvTranspose2d")):
        weight = after[f"{p[layer]}.weight"]
        expect(not torch.equal(weight, before[f"{p[layer]}.weight"]), f"`{name}` did not initialise the {label} weights. "
               "`model.apply` calls your function on every module: does your test recognise this layer type?")
        expect(_normal_like(weight, 0.0, DCGAN_INIT_STD), f"`{name}`: the {label} weights are not distributed as "
               "N(0, 0.02) (zero mean, standard deviation 0.02, as in the DCGAN paper). Check the mean and std you pass.")
    bn_weight, bn_bias = after[f"{p['batch_norm']}.weight"], after[f"{p['batch_norm']}.bias"]
    expect(not torch.equal(bn_weight, before[f"{p['batch_norm']}.weight"]), f"`{name}` did not initialise the BatchNorm2d "
           "weights: does your test recognise BatchNorm layers?")
    expect(_normal_like(bn_weight, DCGAN_BN_SCALE_MEAN, DCGAN_INIT_STD), f"`{name}`: the BatchNorm weights (scales) are "
           "not distributed as N(1, 0.02): centred at 1, so that at the start BatchNorm keeps the scale of its input.")
    expect(bool((bn_bias == 0).all()), f"`{name}`: the BatchNorm biases must be exactly 0.")
    conv1d = after[f"{p['conv1d']}.weight"]
    expect(torch.equal(conv1d, before[f"{p['conv1d']}.weight"]) or bool(conv1d.abs().max() < 10 * DCGAN_INIT_STD),
           f"`{name}` gave nn.Conv1d weights that are neither left alone nor a small N(0, 0.02) initialisation.")
    bn1d_w, bn1d_b = after[f"{p['batch_norm_1d']}.weight"], after[f"{p['batch_norm_1d']}.bias"]
    untouched = torch.equal(bn1d_w, before[f"{p['batch_norm_1d']}.weight"]) and torch.equal(bn1d_b, before[f"{p['batch_norm_1d']}.bias"])
    expect(untouched or ((bn1d_w - 1).abs().max() < 10 * DCGAN_INIT_STD and bool((bn1d_b == 0).all())),
           f"`{name}` gave nn.BatchNorm1d parameters that are neither left alone nor initialised like BatchNorm2d.")


CHECKS = {
    "discriminator_loss": _loss_check(DISCRIMINATOR_LOSS),
    "generator_loss": _loss_check(GENERATOR_LOSS),
    "minimax_generator_loss": _loss_check(MINIMAX_GENERATOR_LOSS),
    "discriminator_scores": Check(ASSIGNMENT, "discriminator_scores", _scores_probes, _scores_judge),
    "dcgan_weights_init": Check(ASSIGNMENT, "dcgan_weights_init", _weights_init_probes, _weights_init_judge),
}
