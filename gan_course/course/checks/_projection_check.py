"""Hidden check of assignment 05's ``projection_logits``: the output of the projection
discriminator, psi(phi(x)) + <embed(y), phi(x)> (Miyato & Koyama 2018, "cGANs with Projection
Discriminator", https://arxiv.org/abs/1802.05637, equation 3).

The probes hand the student's function features, labels, a Linear head and an Embedding (one
of them spectrally normalised, as in the course's discriminator; each with as many samples as
features, so that an inner product taken over the batch broadcasts instead of failing). The
judge recomputes the logits here (the reference is :func:`gan_course.models.cgan.projection_logits`)
and names the mistake whose values the student's match.
"""

from __future__ import annotations

import torch

from ._loss_checks import single_threaded
from .base import Check, CheckFailure, Probe, draw_seed, expect

NAME = "projection_logits"
# B = F in every probe: an inner product taken over the batch then broadcasts and can be named
# (with B != F it would raise before the judge sees it, and every probe is run before judging).
_CASES = (  # (label, batch B, features F, classes K, dtype, spectral-norm embedding)
    ("6 samples, 4 classes", 6, 6, 4, "float32", False),
    ("7 samples, 3 classes", 7, 7, 3, "float32", False),
    ("float64", 5, 5, 10, "float64", False),
    ("spectral-norm embedding", 4, 4, 5, "float32", True),
)


@single_threaded
def _probes(g: torch.Generator) -> list[Probe]:
    probes = []
    for label, b, f, k, dtype, spectral in _CASES:
        labels = torch.randint(0, k, (b,), generator=g)
        labels[0] = labels[1]  # a repeated class
        payload = {
            "features": torch.randn(b, f, generator=g) * 2, "labels": labels, "num_classes": k,
            "head": {"weight": torch.randn(1, f, generator=g), "bias": torch.randn(1, generator=g) + 1.5},
            "embedding": {"weight": torch.randn(k, f, generator=g)}, "dtype": dtype, "spectral": spectral,
            "seed": draw_seed(g),
        }
        probes.append(Probe("a05.projection_logits", payload, label))
    return probes


def _parts(payload: dict, embedding_weight: torch.Tensor):
    """(head term (B,) with bias, head term without bias, per-sample products (B, F)) in float64."""
    x = payload["features"].double()  # (B, F)
    w, bias = payload["head"]["weight"].double(), payload["head"]["bias"].double()  # (1, F), (1,)
    products = embedding_weight.double()[payload["labels"]] * x  # (B, F)
    return (x @ w.T + bias)[:, 0], (x @ w.T)[:, 0], products


def _close(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and bool(torch.allclose(a.double(), b.double(), rtol=1e-4, atol=1e-4))


def _judge_probe(probe: Probe, result: dict) -> None:
    payload, r, label = probe.payload, result["value"], probe.label
    described = r["result"]
    b = payload["features"].shape[0]
    expect("tensor" in described, f"`{NAME}` ({label}) must return a torch tensor of logits, not a {described.get('type')}.")
    got = described["tensor"]
    expect(described["dtype"] == f"torch.{payload['dtype']}",
           f"`{NAME}` ({label}) returned {described['dtype']} for {payload['dtype']} features: keep the features' dtype.")
    head, head_no_bias, products = _parts(payload, r["embedding_weight"])
    reference = head + products.sum(dim=1)  # (B,)
    if got.shape == (b, b) and _close(got, head[:, None] + products.sum(dim=1)[None, :]):
        raise CheckFailure(f"`{NAME}` ({label}) returned a (B, B) matrix: head(features) has shape (B, 1), and adding a "
                           "(B,) vector to it broadcasts. Take the head's single column ([:, 0]) first.")
    if got.shape == (b, 1) and _close(got[:, 0], reference):
        raise CheckFailure(f"`{NAME}` ({label}) returned shape (B, 1); the contract is one logit per sample, shape (B,).")
    expect(tuple(got.shape) == (b,), f"`{NAME}` ({label}) returned shape {tuple(got.shape)}; expected one logit per "
           "sample, shape (B,).")
    if not _close(got, reference):
        diagnoses = [
            (head, "the projection term is missing: add the inner product of embedding(labels) and the features."),
            (products.sum(dim=1), "the head term is missing: the logit is head(features) plus the projection."),
            (head + products.sum(dim=0), "summed the product over the batch instead of over the features: the inner "
                                         "product <embed(y_i), phi(x_i)> is one number per sample (sum over dim 1)."),
            (head + products.sum(), "summed the product over everything: take one inner product per sample (dim 1)."),
            (head + products.mean(dim=1), "averaged over the features: the inner product sums them."),
            (head_no_bias + products.sum(dim=1), "dropped the head's bias: call the Linear head itself."),
        ]
        for wrong, message in diagnoses:
            if _close(got, wrong):
                raise CheckFailure(f"`{NAME}` ({label}) {message}")
        raise CheckFailure(f"`{NAME}` ({label}) does not return head(features)[:, 0] + sum over the features of "
                           "embedding(labels) * features.")
    expect(torch.equal(r["labels_after"], payload["labels"]), f"`{NAME}` ({label}) modified the labels in place.")
    expect(r["grads"] is not None, f"`{NAME}` ({label}) returned logits without a gradient graph: the discriminator "
           "trains through them, so do not detach or convert to numpy.")
    names = ("the features", "the head's weight", "the head's bias", "the embedding")
    for name, grad in zip(names, r["grads"]):
        expect(grad is not None and bool(grad.abs().sum() > 0),
               f"`{NAME}` ({label}) does not pass gradients to {name}: use the modules you are given, called on the inputs.")
    if not payload["spectral"]:
        x, labels = payload["features"].double(), payload["labels"]
        expected_feature_grad = payload["head"]["weight"].double() + r["embedding_weight"].double()[labels]  # (B, F)
        expect(_close(r["grads"][0], expected_feature_grad),
               f"`{NAME}` ({label}) gives the right values but a wrong gradient with respect to the features.")
        embedding_grad = torch.zeros_like(r["embedding_weight"].double()).index_add_(0, labels, x)  # (K, F)
        expect(_close(r["grads"][3], embedding_grad),
               f"`{NAME}` ({label}) gives the right values but a wrong gradient with respect to the embedding.")


@single_threaded
def _judge(probes: list[Probe], results: list[dict]) -> None:
    for probe, result in zip(probes, results):
        _judge_probe(probe, result)


def projection_logits_check(assignment: str) -> Check:
    return Check(assignment, NAME, _probes, _judge,
                 description="head(features)[:, 0] + sum over features of embedding(labels) * features")


__all__ = ["projection_logits_check"]
