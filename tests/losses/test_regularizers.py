"""Do the gradient penalty, R1 and weight clipping match their closed forms?"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gan_course.losses import clip_weights, gradient_penalty, r1_penalty


def test_gradient_penalty_of_a_constant_critic_is_lambda():
    """Zero gradient everywhere: (0 - 1)^2 = 1 per sample, so the penalty is the weight."""
    real, fake = torch.randn(6, 3, 4, 4), torch.randn(6, 3, 4, 4)
    critic = lambda x: x.sum(dim=(1, 2, 3)) * 0.0 + 5.0  # noqa: E731
    assert gradient_penalty(critic, real, fake).item() == pytest.approx(10.0)
    assert gradient_penalty(critic, real, fake, weight=3.0).item() == pytest.approx(3.0)


@pytest.mark.parametrize("scale,expected", [(1.0, 0.0), (2.0, 10.0), (0.5, 2.5)])
def test_gradient_penalty_of_a_linear_critic(scale, expected):
    """f(x) = w.x has gradient norm ||w|| everywhere: penalty = lambda (||w|| - 1)^2."""
    w = torch.randn(5)
    w = scale * w / w.norm()
    critic = lambda x: x @ w  # noqa: E731
    value = gradient_penalty(critic, torch.randn(8, 5), torch.randn(8, 5))
    assert value.item() == pytest.approx(expected, abs=1e-5)


def test_gradient_penalty_uses_the_given_per_sample_eps():
    """For f(x) = sum x^2 the gradient is 2 x_hat, so the norms follow from eps exactly."""
    real, fake = torch.randn(4, 2, 3), torch.randn(4, 2, 3)
    eps = torch.tensor([0.0, 0.25, 0.5, 1.0])
    critic = lambda x: x.pow(2).sum(dim=(1, 2))  # noqa: E731
    x_hat = eps.view(4, 1, 1) * real + (1 - eps.view(4, 1, 1)) * fake
    norms = (2 * x_hat).flatten(1).norm(dim=1)
    expected = 10.0 * (norms - 1).pow(2).mean()
    assert gradient_penalty(critic, real, fake, eps=eps).item() == pytest.approx(expected.item(), rel=1e-5)


def test_gradient_penalty_is_differentiable_in_the_critic_parameters():
    """d/dw lambda (||w|| - 1)^2 = 2 lambda (||w|| - 1) w / ||w||."""
    critic = nn.Linear(3, 1, bias=False)
    with torch.no_grad():
        critic.weight.copy_(torch.tensor([[1.0, 2.0, 2.0]]))  # norm 3
    gradient_penalty(critic, torch.randn(5, 3), torch.randn(5, 3)).backward()
    expected = 2 * 10.0 * (3.0 - 1.0) * torch.tensor([[1.0, 2.0, 2.0]]) / 3.0
    torch.testing.assert_close(critic.weight.grad, expected)


def test_gradient_penalty_does_not_backpropagate_into_the_generator():
    fake = torch.randn(4, 3, requires_grad=True)
    gradient_penalty(nn.Linear(3, 1), torch.randn(4, 3), fake).backward()
    assert fake.grad is None


def test_r1_penalty_closed_form():
    """f(x) = sum x^2: ||grad||^2 = 4 ||x||^2, so R1 = gamma / 2 * mean(4 ||x||^2)."""
    real = torch.randn(6, 4)
    critic = lambda x: x.pow(2).sum(dim=1)  # noqa: E731
    expected = 0.5 * 10.0 * (4 * real.pow(2).sum(dim=1)).mean()
    assert r1_penalty(critic, real).item() == pytest.approx(expected.item(), rel=1e-5)


def test_clip_weights_clamps_in_place_and_keeps_small_values():
    critic = nn.Sequential(nn.Linear(4, 8), nn.Linear(8, 1))
    with torch.no_grad():
        critic[0].weight.mul_(100)
        critic[1].weight.fill_(0.005)
    before = critic[1].weight.clone()
    assert clip_weights(critic, clip_value=0.01) is None
    for parameter in critic.parameters():
        assert parameter.abs().max().item() <= 0.01
    torch.testing.assert_close(critic[1].weight, before)
    assert (critic[0].weight.abs() == 0.01).any()
