"""Do the latent-space helpers interpolate and truncate as their definitions say?"""

from __future__ import annotations

import math

import pytest
import torch

from gan_course.latent import lerp, slerp, truncated_noise


def test_lerp_hits_endpoints_and_is_evenly_spaced():
    z0, z1 = torch.tensor([0.0, 2.0]), torch.tensor([4.0, -2.0])
    path = lerp(z0, z1, 5)
    torch.testing.assert_close(path[0], z0)
    torch.testing.assert_close(path[-1], z1)
    torch.testing.assert_close(path[2], torch.tensor([2.0, 0.0]))
    torch.testing.assert_close(path[1:] - path[:-1], (z1 - z0).expand(4, 2) / 4)


def test_slerp_of_orthogonal_unit_vectors_stays_on_the_circle():
    z0, z1 = torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 1.0, 0.0])
    path = slerp(z0, z1, 7)
    torch.testing.assert_close(path[0], z0)
    torch.testing.assert_close(path[-1], z1)
    torch.testing.assert_close(path.norm(dim=1), torch.ones(7))
    angles = torch.atan2(path[:, 1], path[:, 0])
    torch.testing.assert_close(angles, torch.linspace(0, math.pi / 2, 7))


def test_slerp_angle_comes_from_the_normalised_vectors():
    """Vectors of different norms at a right angle: omega = pi/2, so the midpoint is sin(pi/4) (z0 + z1)."""
    z0, z1 = torch.tensor([3.0, 0.0]), torch.tensor([0.0, 0.5])
    path = slerp(z0, z1, 3)
    torch.testing.assert_close(path[0], z0)
    torch.testing.assert_close(path[-1], z1)
    torch.testing.assert_close(path[1], math.sin(math.pi / 4) * (z0 + z1))


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_slerp_falls_back_to_lerp_for_parallel_vectors(sign):
    z0 = torch.tensor([1.0, 2.0, 3.0])
    z1 = sign * 2 * z0
    torch.testing.assert_close(slerp(z0, z1, 4), lerp(z0, z1, 4))


def test_truncated_noise_resamples_into_the_threshold():
    z = truncated_noise(4000, 16, 1.0, generator=torch.Generator().manual_seed(0))
    assert z.shape == (4000, 16)
    assert z.abs().max().item() <= 1.0
    # A standard normal truncated to [-1, 1] has variance 1 - 2 phi(1) / (Phi(1) - Phi(-1)) ~= 0.2911,
    # clamping would pile mass at +-1 and give ~0.46 instead.
    phi1 = math.exp(-0.5) / math.sqrt(2 * math.pi)
    mass = math.erf(1 / math.sqrt(2))
    assert z.var().item() == pytest.approx(1 - 2 * phi1 / mass, abs=0.01)
    assert (z.abs() > 0.999).float().mean().item() < 0.01


def test_truncated_noise_is_reproducible_from_its_generator():
    a = truncated_noise(8, 4, 0.5, generator=torch.Generator().manual_seed(3))
    b = truncated_noise(8, 4, 0.5, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(a, b)


def test_truncated_noise_rejects_a_non_positive_threshold():
    with pytest.raises(ValueError, match="threshold"):
        truncated_noise(2, 2, 0.0)
