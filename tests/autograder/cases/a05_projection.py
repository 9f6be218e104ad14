"""Implementations of assignment 05's ``projection_logits`` (the projection discriminator's
output, Miyato & Koyama 2018) for the tests of its hidden check: ``CORRECT`` (the first is the one
the solution notebook uses) and ``WRONG`` (mistake, code, words its failure message must contain);
part of :mod:`.a05_cgan_losses`'s catalogue."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def projection_logits(features, labels, head, embedding):
    """head(features)[:, 0] + sum over F of embedding(labels) * features: (B, F), (B,) -> (B,)."""
    return head(features)[:, 0] + (embedding(labels) * features).sum(dim=1)


def _einsum(features, labels, head, embedding):
    return head(features).squeeze(1) + torch.einsum("bf,bf->b", embedding(labels), features)


def _one_hot_matmul(features, labels, head, embedding):
    rows = F.one_hot(labels, embedding.num_embeddings).to(features.dtype) @ embedding.weight  # (B, F)
    return head(features).view(-1) + (rows * features).sum(-1)


def _batched_dot(features, labels, head, embedding):
    e = embedding(labels)
    projection = torch.bmm(e.unsqueeze(1), features.unsqueeze(2)).view(-1)  # (B,)
    return head(features).flatten() + projection


def _loop(features, labels, head, embedding):
    out = []
    for i in range(features.shape[0]):
        row = embedding(labels[i : i + 1])[0]
        out.append(head(features[i : i + 1])[0, 0] + torch.dot(row, features[i]))
    return torch.stack(out)


CORRECT = [projection_logits, _einsum, _one_hot_matmul, _batched_dot, _loop]

WRONG = [  # (mistake, implementation, what the message must say)
    ("the product summed over the batch instead of the features",
     lambda f, y, h, e: h(f)[:, 0] + (e(y) * f).sum(dim=0), "over the batch instead of over the features"),
    ("the head term missing", lambda f, y, h, e: (e(y) * f).sum(dim=1), "head term is missing"),
    ("the projection term missing", lambda f, y, h, e: h(f)[:, 0], "projection term is missing"),
    ("the head's (B, 1) output broadcast to (B, B)", lambda f, y, h, e: h(f) + (e(y) * f).sum(dim=1), "(B, B)"),
    ("(B, 1) returned", lambda f, y, h, e: h(f) + (e(y) * f).sum(dim=1, keepdim=True), "shape (B,)"),
    ("summed over everything", lambda f, y, h, e: h(f)[:, 0] + (e(y) * f).sum(), "over everything"),
    ("the mean over the features", lambda f, y, h, e: h(f)[:, 0] + (e(y) * f).mean(dim=1), "averaged"),
    ("the head's bias dropped", lambda f, y, h, e: (f @ h.weight.T)[:, 0] + (e(y) * f).sum(dim=1), "bias"),
    ("detached logits", lambda f, y, h, e: projection_logits(f, y, h, e).detach(), "gradient graph"),
    ("float32 forced", lambda f, y, h, e: projection_logits(f.float(), y, h.float(), e.float()), "dtype"),
]
