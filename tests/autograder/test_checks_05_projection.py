"""Does the hidden check of assignment 05's ``projection_logits`` pass correct projection
discriminator outputs (Miyato & Koyama 2018) and fail realistic mistakes, naming each one?

(Kept apart from ``test_checks_05_cgan_losses.py``, which covers the other functions of 05.)
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from gan_course.course.checks import CheckFailure, LocalRunner, check, checks_for

from .check_cases import numbers, same

ASSIGNMENT = "05_cgan_losses"
NAME = "projection_logits"


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


@pytest.mark.parametrize("impl", CORRECT, ids=[f.__name__ for f in CORRECT])
@pytest.mark.parametrize("seed", (0, 1, 2))
def test_correct_projections_pass(impl, seed):
    check(ASSIGNMENT, NAME, {NAME: impl}, seed=seed)


@pytest.mark.parametrize("label, impl, expected", WRONG, ids=[label for label, _, _ in WRONG])
def test_each_mistake_fails_with_a_message_that_names_it(label, impl, expected):
    """Does the check fail the mistake, say what is wrong, and print no expected number?"""
    with pytest.raises(CheckFailure) as failure:
        check(ASSIGNMENT, NAME, {NAME: impl})
    message = str(failure.value)
    assert f"`{NAME}`" in message and expected in message, message
    results = LocalRunner({NAME: projection_logits}).run(NAME, checks_for(ASSIGNMENT)[NAME].probes(20261123))
    expected_values = [v for r in results for v in r["value"]["result"]["tensor"].flatten().tolist()]
    for number in numbers(message):
        assert not any(same(number, value) for value in expected_values), (number, message)


def test_the_library_reference_passes_the_check_and_drives_the_discriminator():
    """Does the grader accept the library's function, and is it what the course's discriminator computes?"""
    from gan_course.models.cgan import ConditionalDiscriminator, projection_logits as reference

    check(ASSIGNMENT, NAME, {NAME: reference})
    torch.manual_seed(0)
    d = ConditionalDiscriminator(num_classes=3, channels=1, image_size=28, width=4).eval()
    x, y = torch.randn(5, 1, 28, 28), torch.tensor([0, 2, 1, 1, 0])
    with torch.no_grad():
        h = d.features(x)
        by_hand = d.psi(h)[:, 0] + (d.embed.weight[y] * h).sum(dim=1)
        assert torch.allclose(d(x, y), by_hand, atol=1e-5)
        d.projection = lambda f, labels, head, embedding: head(f)[:, 0]  # a student's function plugs in
        assert torch.allclose(d(x, y), d.psi(h)[:, 0], atol=1e-6)


def test_placeholder_and_missing_function_fail():
    def placeholder(*args, **kwargs):
        raise NotImplementedError

    with pytest.raises(CheckFailure, match="NotImplementedError"):
        check(ASSIGNMENT, NAME, {NAME: placeholder})
    with pytest.raises(CheckFailure, match="not defined"):
        check(ASSIGNMENT, NAME, {})
