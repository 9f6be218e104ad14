"""Hidden checks of assignment 02 (a GAN for a 2D ring): the dataset, the two MLPs, the two
training steps (in _step_checks), the energy distance and (in _gda_check) gradient descent-ascent on x * y.

References: gan_course.data.ring (the ring of COURSE.md 02), gan_course.models.mlp
(Goodfellow et al. 2014 MLPs; LeakyReLU slope of Radford et al. 2015), gan_course.losses.bce
(the losses of assignment 01) and gan_course.metrics.energy_distance (Szekely & Rizzo 2013).

The ring is judged with closed-form statistics (half sizes, half centres, radial noise and
angles; each test allows SIGMAS standard errors or a Kolmogorov-Smirnov distance of
KS_C / sqrt(n)), so a correct dataset passes for any seed. The networks are judged on
weights the grader sets: the harness loads seeded non-zero weights into the student's Linear
layers (a network with all-zero weights would look right whatever its activations), and the
judge replays those weights through the architecture of the contract, in eval mode and in
train mode with the same dropout masks (same seed, same call order). The
steps are judged on a small dropout-free G and D (gan_course.course.harness.a02.step_networks): the
parameters after one SGD step give the gradient the student stepped on.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from gan_course.course.harness.a02 import grader_weights
from gan_course.data.ring import RING_NOISE_STD, RING_RADIUS, RING_SHIFT
from gan_course.metrics import energy_distance
from gan_course.models.mlp import DROPOUT, LEAKY_SLOPE, RING_DISCRIMINATOR_HIDDEN, RING_GENERATOR_HIDDEN

from ._gda_check import gda_judge, gda_probes
from ._step_checks import (STEP_TIMEOUT, discriminator_step_judge, discriminator_step_probes, generator_step_judge,
                           generator_step_probes)
from .base import KS_C, Check, CheckFailure, Probe, close, draw_seed, expect, ks_distance, python_float

ASSIGNMENT = "02_ring_gan"
SIGMAS = 7.0  # moment tests allow this many standard errors
RING_N = 1000  # points drawn per ring probe
RING_COMPARED = 200  # points compared between two constructions (reproducibility, seeds)
DEFAULT_N, DEFAULT_SEED, DEFAULT_LATENT_DIM = 10000, 0, 100  # COURSE.md 02 signatures


# --- RingDataset -------------------------------------------------------------------------


def _ring_probes(g: torch.Generator) -> list[Probe]:
    seed, other = draw_seed(g) % 100000, draw_seed(g) % 100000
    payload = {"n": RING_N, "seed": seed, "other_seed": other if other != seed else seed + 1,
               "global_seeds": [draw_seed(g), draw_seed(g)], "compare": RING_COMPARED}
    defaults = {"global_seed": draw_seed(g), "n": DEFAULT_N, "seed": DEFAULT_SEED, "count": 100}
    return [Probe("a02.ring_dataset", payload, f"RingDataset(n={RING_N})"),
            Probe("a02.ring_dataset_defaults", defaults, "RingDataset()")]


def _judge_ring_distribution(points: torch.Tensor) -> None:
    """Closed-form statistics of COURSE.md's ring; most specific first."""
    name = "RingDataset"
    expect(bool(torch.isfinite(points).all()), f"`{name}` contains non-finite points.")
    x, y = points[:, 0].double(), points[:, 1].double()
    n = len(x)
    left = x <= 0  # cos(theta) <= 0 exactly when pi/2 <= theta <= 3 pi/2 (10 + r > 0)
    fraction = left.double().mean().item()
    expect(abs(fraction - 0.5) <= SIGMAS * 0.5 / math.sqrt(n), f"`{name}`: the two halves of the ring should hold about "
           "as many points each (theta ~ U(0, 2 pi), so the half pi/2 <= theta <= 3 pi/2 gets half of them). Check the "
           "range of theta (radians, 0 to 2 pi) and the condition that picks the half.")
    half_msg = (f"`{name}`: the halves are not where the assignment puts them. Points with pi/2 <= theta <= 3 pi/2 (the left "
                "half, x <= 0) are shifted UP by 10, the others DOWN by 10; both halves use the same theta.")
    var_y, var_x = (RING_RADIUS**2 + RING_NOISE_STD**2) / 2, (RING_RADIUS**2 + RING_NOISE_STD**2) / 2 - (2 * RING_RADIUS / math.pi) ** 2
    for side, sign in ((left, 1.0), (~left, -1.0)):
        count = int(side.sum())
        expect(count > 0, half_msg)
        expect(abs(y[side].mean().item() - sign * RING_SHIFT) <= SIGMAS * math.sqrt(var_y / count), half_msg)
        expect(abs(x[side].mean().item() + sign * 2 * RING_RADIUS / math.pi) <= SIGMAS * math.sqrt(var_x / count), half_msg)
    centre_y = torch.where(left, RING_SHIFT, -RING_SHIFT)
    radius = torch.hypot(x, y - centre_y)  # (n,) = |10 + r|
    expect(ks_distance(radius - RING_RADIUS, lambda t: 0.5 * (1 + torch.erf(t / (RING_NOISE_STD * math.sqrt(2))))) <= KS_C / math.sqrt(n),
           f"`{name}`: the distances from each half's centre are not 10 + r with r ~ N(0, 1). Draw r from a standard "
           "normal (torch.randn), once per point, and use (10 + r) for both coordinates.")
    angle = torch.remainder(torch.atan2(y - centre_y, x), 2 * math.pi)  # (n,) recovered theta
    expect(ks_distance(angle, lambda t: (t / (2 * math.pi)).clamp(0, 1)) <= KS_C / math.sqrt(n),
           f"`{name}`: the angles are not uniform on the circle: draw theta ~ U(0, 2 pi) (torch.rand * 2 pi), "
           "once per point, and use the same theta in cos and sin.")


def _ring_judge(probes: list[Probe], results: list[dict]) -> None:
    name = "RingDataset"
    r = results[0]["value"]
    expect(r["is_dataset"], f"`{name}` must subclass torch.utils.data.Dataset (class RingDataset(Dataset): ...), so a DataLoader can use it.")
    expect(r["len"] == probes[0].payload["n"], f"`len({name}(n=...))` must be n: __len__ returns the number of points drawn.")
    expect(r["item_type"] == "Tensor", f"`{name}[i]` must return a torch tensor, got a {r['item_type']}.")
    expect(r["item_shape"] == [2], f"`{name}[i]` must have shape (2,) (one point), got {tuple(r['item_shape'])}.")
    expect(r["item_dtype"] == "torch.float32", f"`{name}[i]` must be float32 (the networks' dtype), got {r['item_dtype']}. "
           "Convert once in __init__ (.float() / dtype=torch.float32).")
    points = r["points"]
    expect(points is not None, f"`{name}[i]` must return float32 tensors of shape (2,) for every i.")
    expect(torch.equal(r["reread"], points[: len(r["reread"])]), f"`{name}` returns different points when the same "
           "index is read twice: draw all n points once in __init__ and only index them in __getitem__.")
    compared = points[:RING_COMPARED]
    expect(r["other_global_state"] is not None and torch.equal(r["other_global_state"], compared), f"`{name}(n, seed)` "
           "depends on the global random state: the same seed must give the same points whatever ran before. Draw from a "
           "torch.Generator().manual_seed(seed) (or numpy's default_rng(seed)).")
    expect(r["other_seed"] is not None and not torch.equal(r["other_seed"], compared), f"`{name}` ignores its seed: "
           "different seeds must give different points.")
    _judge_ring_distribution(points)
    d = results[1]["value"]
    expect(d["len_default"] == DEFAULT_N, f"`{name}()` must keep the default n from the given signature.")
    expect(all(torch.equal(a, b) for a, b in zip(d["default"], d["explicit"])),
           f"`{name}()` must keep the default seed from the given signature (RingDataset() and RingDataset(seed=<the "
           "default>) must be the same points).")


# --- make_generator / make_discriminator --------------------------------------------------


def _mlp_payload(g: torch.Generator, kwargs: dict, inputs: torch.Tensor) -> dict:
    return {"kwargs": kwargs, "inputs": inputs, "seed": draw_seed(g), "dropout_seed": draw_seed(g), "weight_seed": draw_seed(g)}


def _generator_probes(g: torch.Generator) -> list[Probe]:
    return [
        Probe("a02.mlp", _mlp_payload(g, {}, torch.randn(6, DEFAULT_LATENT_DIM, generator=g)), "make_generator()"),
        Probe("a02.mlp", _mlp_payload(g, {"latent_dim": 7}, torch.randn(6, 7, generator=g)), "make_generator(latent_dim=7)"),
    ]


def _discriminator_probes(g: torch.Generator) -> list[Probe]:
    return [Probe("a02.mlp", _mlp_payload(g, {}, torch.randn(64, 2, generator=g) * 8), "make_discriminator()")]


def replay_mlp(linears: list[dict], x: torch.Tensor, *, dropout: float = 0.0, seed: int | None = None) -> torch.Tensor:
    """The contract's MLP on the student's own Linear weights: LeakyReLU(0.2) (+ Dropout when
    ``dropout`` > 0, masks drawn after ``torch.manual_seed(seed)``) after every hidden layer."""
    with torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(seed)
        h = x
        for i, layer in enumerate(linears):
            h = F.linear(h, layer["weight"], layer["bias"])
            if i < len(linears) - 1:
                h = F.leaky_relu(h, LEAKY_SLOPE)
                if dropout > 0:
                    h = F.dropout(h, dropout, training=True)
    return h


def _judge_mlp(name: str, probe: Probe, r: dict, sizes: list[int], dropout: float) -> None:
    arch = " -> ".join(map(str, sizes))
    expect(r["is_module"], f"`{name}` must return a torch.nn.Module (for example an nn.Sequential), got a {r.get('type')}.")
    calls = r["calls"]
    linears = [c for c in calls if c["type"] == "Linear"]
    types = {c["type"] for c in calls}
    found = [linears[0]["in_features"]] + [c["out_features"] for c in linears] if linears else []
    if r["forward_error"] is not None and found[:1] != sizes[:1]:
        raise CheckFailure(f"`{name}` ({probe.label}) fails on inputs of shape (B, {sizes[0]}): {r['forward_error']}. "
                           + ("The first Linear layer must take latent_dim inputs: use the argument, not a fixed number."
                              if probe.payload["kwargs"] else "The first Linear layer takes the input size from the "
                              "signature (keep its default)."))
    expect(r["forward_error"] is None, f"`{name}` ({probe.label}) raised on a batch of shape (B, {sizes[0]}): {r['forward_error']}")
    expect(found == sizes, f"`{name}` ({probe.label}): the Linear layers met in the forward pass do not match the "
           f"architecture {arch} of the assignment. Check every layer's in and out sizes"
           + (" and that latent_dim is used for the first one." if "latent_dim" in probe.label else "."))
    for bad, why in (("Sigmoid", "return raw outputs (logits): no Sigmoid, the BCE-with-logits loss applies it"),
                     ("Tanh", "no output activation: the outputs are unbounded (ring points reach +-20; D returns logits)"),
                     ("BatchNorm1d", "no BatchNorm in this MLP")):
        expect(bad not in types, f"`{name}`: {why}.")
    # Judged on the grader's weights (gan_course.course.harness.a02.set_grader_weights), never the
    # student's: with all-zero weights any activation and dropout would give the same outputs.
    expected = grader_weights([(n_out, n_in) for n_in, n_out in zip(sizes[:-1], sizes[1:])], probe.payload["weight_seed"])
    expect(all(torch.equal(layer["weight"], w) and (layer["bias"] is None or torch.equal(layer["bias"], b))
               for layer, (w, b) in zip(linears, expected)),
           f"`{name}` ({probe.label}): the grader loads its own weights into your Linear layers before the forward "
           "pass, and the layers that ran had other weights. Do not change or re-initialise weights inside forward, "
           "and call each Linear layer once, in the order you create them.")
    linears = [{**layer, "weight": w, "bias": None if layer["bias"] is None else b} for layer, (w, b) in zip(linears, expected)]
    x = probe.payload["inputs"]
    out = r["eval_out"]
    expect(out.shape[0] == x.shape[0] and out[0].numel() == sizes[-1] and out.dim() <= 2,
           f"`{name}` returns shape {tuple(out.shape)} for a batch of {x.shape[0]}; expected one row of {sizes[-1]} per sample.")
    expect(torch.equal(out, r["eval_again"]), f"`{name}` is random in eval mode: dropout must switch off in eval(). "
           "Use nn.Dropout, or F.dropout(x, p, training=self.training).")
    slopes = [c.get("negative_slope") for c in calls if c["type"] == "LeakyReLU"]
    if not close(out.reshape(x.shape[0], -1), replay_mlp(linears, x)):
        if "ReLU" in types or any(s is not None and abs(s - LEAKY_SLOPE) > 1e-12 for s in slopes):
            raise CheckFailure(f"`{name}`: use LeakyReLU with negative slope 0.2 (nn.LeakyReLU(0.2)); the default slope is 0.01 and ReLU has none.")
        raise CheckFailure(f"`{name}`: in eval mode the network is not {arch} with a LeakyReLU(0.2) after every hidden "
                           "Linear layer and nothing after the last one. Check the activations between the layers.")
    dropouts = [c for c in calls if c["type"].startswith("Dropout") or c["type"] == "AlphaDropout"]
    if not close(r["train_out"].reshape(x.shape[0], -1), replay_mlp(linears, x, dropout=dropout, seed=probe.payload["dropout_seed"])):
        if dropout == 0:
            raise CheckFailure(f"`{name}` behaves differently in train mode: the generator has no Dropout or BatchNorm.")
        if any(abs(c.get("p", dropout) - dropout) > 1e-12 for c in dropouts):
            raise CheckFailure(f"`{name}`: the assignment asks for Dropout(0.3); check the probability you pass.")
        raise CheckFailure(f"`{name}` does not apply Dropout(0.3) exactly once after each hidden layer's LeakyReLU (not on "
                           "the input, not after the output layer). In train mode its outputs differ from that network's.")


def _mlp_judge(name: str, sizes_for):
    def judge(probes: list[Probe], results: list[dict]) -> None:
        for probe, result in zip(probes, results):
            latent = probe.payload["kwargs"].get("latent_dim", DEFAULT_LATENT_DIM)
            _judge_mlp(name, probe, result["value"], *sizes_for(latent))
    return judge


# --- energy_distance -----------------------------------------------------------------------


def _energy_variant(a, b, *, power: float = 1.0, exclude_diagonal: bool = False) -> float:
    """Mistaken energy distances: squared distances (power 2), or the U-statistic (i = j excluded)."""
    x, y = torch.as_tensor(a).double(), torch.as_tensor(b).double()
    within = [torch.cdist(v, v).pow(power).sum() / (len(v) * (len(v) - exclude_diagonal)) for v in (x, y)]
    return float(2 * torch.cdist(x, y).pow(power).mean() - within[0] - within[1])


_ED_DIAGNOSES = [
    (lambda a, b: _energy_variant(a, b, exclude_diagonal=True), "this is the U-statistic (i = j excluded from the "
     "within-set means). The assignment asks for the V-statistic: average over all pairs, i = j included, so identical "
     "sets give exactly 0."),
    (lambda a, b: energy_distance(a, b) ** 0.5, "no square root: the energy distance is 2 E d(X,Y) - E d(X,X') - E d(Y,Y') itself."),
    (lambda a, b: _energy_variant(a, b, power=2.0), "d is the Euclidean distance, not its square (with squared distances "
     "only the means would matter)."),
]


def _energy_probes(g: torch.Generator) -> list[Probe]:
    a = torch.randn(30, 2, generator=g) * 2 + 3
    b = torch.randn(17, 2, generator=g) * 3 - 1
    same = torch.randn(12, 3, generator=g)
    c = torch.randn(14, 3, generator=g, dtype=torch.float64)
    d = torch.randn(9, 3, generator=g, dtype=torch.float64) + 0.5
    return [
        Probe("common.call", {"args": [same, same.clone()]}, "two identical sets"),
        Probe("common.call", {"args": [a, b]}, "torch float32 sets of sizes 30 and 17"),
        Probe("common.call", {"args": [c.numpy(), d.numpy()]}, "numpy float64 arrays"),
        Probe("common.call", {"args": [d, c]}, "torch float64 sets"),
        Probe("common.call", {"args": [a[:, :1] * 5, b[:, :1]]}, "one-dimensional points (n, 1)"),
    ]


def _energy_judge(probes: list[Probe], results: list[dict]) -> None:
    name = "energy_distance"
    for probe, result in zip(probes, results):
        a, b = probe.payload["args"]
        actual = python_float(result, name, "the distance")
        x, y = torch.as_tensor(a).double(), torch.as_tensor(b).double()
        scale = float(torch.cdist(torch.cat([x, y]), torch.cat([x, y])).mean())  # float32 inputs: errors scale with it
        if close(actual, energy_distance(a, b), rtol=1e-4, atol=1e-4 * scale):
            continue
        for wrong, message in _ED_DIAGNOSES:
            if close(actual, wrong(a, b), rtol=1e-4, atol=1e-4 * scale):
                raise CheckFailure(f"`{name}` ({probe.label}): {message}")
        if probe.label == "two identical sets":
            raise CheckFailure(f"`{name}` of a set with itself must be 0: with means over all pairs, i = j included, the "
                               "three terms cancel.")
        raise CheckFailure(f"`{name}` gives a wrong value ({probe.label}): 2 E d(X,Y) - E d(X,X') - E d(Y,Y'), d the "
                           "Euclidean distance between points (rows), each E a mean over all pairs of rows.")


CHECKS = {
    "RingDataset": Check(ASSIGNMENT, "RingDataset", _ring_probes, _ring_judge),
    "make_generator": Check(ASSIGNMENT, "make_generator", _generator_probes, _mlp_judge(
        "make_generator", lambda latent: ([latent, *RING_GENERATOR_HIDDEN, 2], 0.0))),
    "make_discriminator": Check(ASSIGNMENT, "make_discriminator", _discriminator_probes, _mlp_judge(
        "make_discriminator", lambda latent: ([2, *RING_DISCRIMINATOR_HIDDEN, 1], DROPOUT))),
    "discriminator_step": Check(ASSIGNMENT, "discriminator_step", discriminator_step_probes, discriminator_step_judge,
                                timeout=STEP_TIMEOUT),
    "generator_step": Check(ASSIGNMENT, "generator_step", generator_step_probes, generator_step_judge, timeout=STEP_TIMEOUT),
    "energy_distance": Check(ASSIGNMENT, "energy_distance", _energy_probes, _energy_judge),
    "gda_trajectory": Check(ASSIGNMENT, "gda_trajectory", gda_probes, gda_judge),
}
