"""Do the registered GAN losses agree with their closed forms and with COURSE.md?"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from gan_course.losses import (
    LOSSES,
    d_bce,
    d_hinge,
    d_lsgan,
    d_wasserstein,
    g_bce,
    g_hinge,
    g_lsgan,
    g_minimax,
    g_wasserstein,
    get_loss,
)

LOG2 = math.log(2.0)


def _logits(*values: float) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


def test_bce_of_zero_logits_is_log2_per_term():
    """With D(x) = D(G(z)) = 1/2 each BCE term is log 2: the discriminator loss is 2 log 2."""
    zeros = torch.zeros(7)
    assert d_bce(zeros, zeros).item() == pytest.approx(2 * LOG2, rel=1e-6)
    assert g_bce(zeros).item() == pytest.approx(LOG2, rel=1e-6)
    assert g_minimax(zeros).item() == pytest.approx(-LOG2, rel=1e-6)


def test_bce_with_label_smoothing_matches_the_cross_entropy_formula():
    real, fake = _logits(2.0, -0.5, 0.3), _logits(-1.0, 0.7)
    sig = torch.sigmoid
    expected_real = -(0.9 * torch.log(sig(real)) + 0.1 * torch.log(1 - sig(real))).mean()
    expected_fake = -torch.log(1 - sig(fake)).mean()
    assert d_bce(real, fake, real_label=0.9).item() == pytest.approx((expected_real + expected_fake).item(), rel=1e-12)


def test_smoothing_touches_only_the_real_targets():
    """One-sided smoothing: the fake term is the same whatever real_label is."""
    real, fake = _logits(3.0, 1.0), _logits(-2.0, 4.0)
    delta = d_bce(real, fake, real_label=0.9) - d_bce(real, fake, real_label=1.0)
    expected = (
        F.binary_cross_entropy_with_logits(real, torch.full_like(real, 0.9))
        - F.binary_cross_entropy_with_logits(real, torch.ones_like(real))
    )
    assert delta.item() == pytest.approx(expected.item(), rel=1e-12)


def test_generator_losses_match_their_formulas():
    fake = _logits(-3.0, 0.0, 2.5)
    assert g_bce(fake).item() == pytest.approx(-torch.log(torch.sigmoid(fake)).mean().item(), rel=1e-12)
    assert g_minimax(fake).item() == pytest.approx(torch.log(1 - torch.sigmoid(fake)).mean().item(), rel=1e-12)


def test_hinge_at_known_points():
    real, fake = _logits(2.0, 0.5, -1.0), _logits(-2.0, 0.0, 1.0)
    # relu(1 - real) = [0, 0.5, 2] -> 5/6; relu(1 + fake) = [0, 1, 2] -> 1
    assert d_hinge(real, fake).item() == pytest.approx(5 / 6 + 1.0, rel=1e-12)
    assert g_hinge(fake).item() == pytest.approx(-(-2.0 + 0.0 + 1.0) / 3, rel=1e-12)


def test_lsgan_closed_form():
    real, fake = _logits(1.0, 0.0), _logits(0.5, -1.0)
    # 0.5 * mean([0, 1]) + 0.5 * mean([0.25, 1]) = 0.25 + 0.3125
    assert d_lsgan(real, fake).item() == pytest.approx(0.5625, rel=1e-12)
    assert d_lsgan(real, fake, real_label=0.9).item() == pytest.approx(0.5 * (0.01 + 0.81) / 2 + 0.3125, rel=1e-12)
    assert g_lsgan(fake).item() == pytest.approx(0.5 * (0.25 + 4.0) / 2, rel=1e-12)


def test_wasserstein_is_unchanged_by_a_constant_added_to_the_critic():
    real, fake = torch.randn(16, dtype=torch.float64), torch.randn(16, dtype=torch.float64)
    for shift in (-50.0, 3.0, 1e3):
        assert d_wasserstein(real + shift, fake + shift).item() == pytest.approx(d_wasserstein(real, fake).item(), abs=1e-9)
    assert d_wasserstein(real, fake).item() == pytest.approx((fake.mean() - real.mean()).item(), rel=1e-12)
    assert g_wasserstein(fake).item() == pytest.approx(-fake.mean().item(), rel=1e-12)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_every_loss_averages_and_accepts_both_shapes(name):
    """(B,) and (B, 1) give the same value, and repeating the batch does not change it (mean, not sum)."""
    pair = get_loss(name)
    real, fake = torch.randn(8, dtype=torch.float64), torch.randn(8, dtype=torch.float64)
    d = pair.discriminator_loss(real, fake)
    assert pair.discriminator_loss(real.unsqueeze(1), fake.unsqueeze(1)).item() == pytest.approx(d.item(), rel=1e-6)
    assert pair.discriminator_loss(real.repeat(3), fake.repeat(3)).item() == pytest.approx(d.item(), rel=1e-6)
    g = pair.g_loss(fake)
    assert pair.g_loss(fake.unsqueeze(1)).item() == pytest.approx(g.item(), rel=1e-6)
    assert pair.g_loss(fake.repeat(3)).item() == pytest.approx(g.item(), rel=1e-6)
    assert d.dim() == 0 and g.dim() == 0


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_every_loss_is_finite_with_finite_gradients_at_magnitude_100(name):
    pair = get_loss(name)
    real = torch.tensor([100.0, -100.0, 100.0], requires_grad=True)
    fake = torch.tensor([-100.0, 100.0, 100.0], requires_grad=True)
    d = pair.discriminator_loss(real, fake)
    g = pair.g_loss(fake)
    (d + g).backward()
    for value in (d, g, real.grad, fake.grad):
        assert torch.isfinite(value).all(), f"{name}: non-finite value {value}"


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_every_loss_rewards_the_right_direction(name):
    """Moving real outputs up towards "real" and fake ones down lowers D's loss; moving fake outputs up lowers G's.

    The steps stay inside [0, 1], where every objective (LSGAN's targets 0 and 1 included) agrees on direction.
    """
    pair = get_loss(name)
    zeros, halves = torch.zeros(5), torch.full((5,), 0.5)
    assert pair.discriminator_loss(halves, zeros).item() < pair.discriminator_loss(zeros, halves).item()
    assert pair.g_loss(halves).item() < pair.g_loss(zeros).item()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_losses_keep_the_input_dtype(dtype):
    x = torch.zeros(4, dtype=dtype)
    for pair in LOSSES.values():
        assert pair.discriminator_loss(x, x).dtype == dtype
        assert pair.g_loss(x).dtype == dtype


def test_unknown_loss_names_the_choices():
    with pytest.raises(ValueError, match="bce.*hinge"):
        get_loss("wgan")
