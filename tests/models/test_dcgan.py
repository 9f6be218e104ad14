"""Tests for gan_course.models.dcgan: the classic architecture, sizes, norms, spectral norm."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn.utils import parametrize

from gan_course.errors import ConfigError
from gan_course.losses import gradient_penalty
from gan_course.models import count_parameters
from gan_course.models.dcgan import DCGANDiscriminator, DCGANGenerator
from gan_course.models.init import DCGAN_INIT_STD

# pytorch/examples dcgan (ngf = ndf = 64, nz = 100, nc = 3), counted by hand:
# G: convT 100*512*16 + 512*256*16 + 256*128*16 + 128*64*16 + 64*3*16 = 3,574,784 + BN 2*(512+256+128+64) = 1,920
CLASSIC_GENERATOR_PARAMETERS = 3_576_704
# D: conv 3*64*16 + 64*128*16 + 128*256*16 + 256*512*16 + 512*16 = 2,763,776 + BN 2*(128+256+512) = 1,792
CLASSIC_DISCRIMINATOR_PARAMETERS = 2_765_568


def test_64x64_generator_matches_the_classic_parameter_count():
    assert count_parameters(DCGANGenerator(100, 3, 64, 64)) == CLASSIC_GENERATOR_PARAMETERS


def test_64x64_batchnorm_discriminator_matches_the_classic_parameter_count():
    assert count_parameters(DCGANDiscriminator(3, 64, 64, norm="batch")) == CLASSIC_DISCRIMINATOR_PARAMETERS


def _feature_maps(model: nn.Module, x: torch.Tensor, kind) -> list[tuple[int, ...]]:
    """(C, H, W) after every layer of type ``kind``."""
    shapes = []
    record = lambda m, i, o: shapes.append(tuple(o.shape[1:]))  # noqa: E731
    hooks = [m.register_forward_hook(record) for m in model.modules() if isinstance(m, kind)]
    model(x)
    for hook in hooks:
        hook.remove()
    return shapes


@pytest.mark.parametrize(
    "size, maps",
    [
        (64, [(64, 4, 4), (32, 8, 8), (16, 16, 16), (8, 32, 32), (3, 64, 64)]),
        (32, [(32, 4, 4), (16, 8, 8), (8, 16, 16), (3, 32, 32)]),
        (28, [(16, 7, 7), (8, 14, 14), (3, 28, 28)]),
    ],
)
def test_generator_doubles_resolution_and_halves_width_down_to_ngf(size, maps):
    """width=8: the last hidden layer has 8 maps, each earlier one twice as many."""
    G = DCGANGenerator(latent_dim=10, channels=3, image_size=size, width=8)
    assert _feature_maps(G, torch.randn(2, 10), nn.ConvTranspose2d) == maps


@pytest.mark.parametrize(
    "size, maps",
    [
        (64, [(8, 32, 32), (16, 16, 16), (32, 8, 8), (64, 4, 4), (1, 1, 1)]),
        (32, [(8, 16, 16), (16, 8, 8), (32, 4, 4), (1, 1, 1)]),
        (28, [(8, 14, 14), (16, 7, 7), (1, 1, 1)]),
    ],
)
def test_discriminator_mirrors_the_generator(size, maps):
    D = DCGANDiscriminator(channels=3, image_size=size, width=8)
    assert _feature_maps(D, torch.randn(2, 3, size, size), nn.Conv2d) == maps


@pytest.mark.parametrize("size", [28, 32, 64])
def test_generator_outputs_tanh_images_and_accepts_both_latent_shapes(size):
    torch.manual_seed(0)
    G = DCGANGenerator(latent_dim=10, channels=1, image_size=size, width=4).eval()
    z = torch.randn(3, 10)
    x = G(z)
    assert x.shape == (3, 1, size, size)
    assert x.min().item() >= -1.0 and x.max().item() <= 1.0
    assert x.std().item() > 0  # not a constant image
    torch.testing.assert_close(G(z[:, :, None, None]), x)
    assert G.latent_dim == 10 and isinstance(G.net[-1], nn.Tanh)


def test_generator_saturates_but_stays_in_range_for_huge_weights():
    torch.manual_seed(0)
    G = DCGANGenerator(latent_dim=10, channels=1, image_size=28, width=4)
    with torch.no_grad():
        G.net[-2].weight.mul_(1000.0)
    x = G(torch.randn(4, 10))
    assert x.abs().max().item() <= 1.0 and x.abs().max().item() > 0.999


def test_constructors_apply_dcgan_init():
    torch.manual_seed(0)
    G = DCGANGenerator(latent_dim=100, channels=3, image_size=64, width=16)
    D = DCGANDiscriminator(channels=3, image_size=64, width=16)
    for model in (G, D):
        convs = [m.weight.detach().flatten() for m in model.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
        convs = torch.cat(convs)
        assert convs.std().item() == pytest.approx(DCGAN_INIT_STD, rel=0.02)
        scales = torch.cat([m.weight.detach() for m in model.modules() if isinstance(m, nn.BatchNorm2d)])
        assert scales.mean().item() == pytest.approx(1.0, abs=0.01)
        assert scales.std().item() == pytest.approx(DCGAN_INIT_STD, rel=0.3)


def test_discriminator_returns_unbounded_logits():
    torch.manual_seed(0)
    D = DCGANDiscriminator(channels=1, image_size=28, width=4).train()
    assert not any(isinstance(m, nn.Sigmoid) for m in D.modules())
    with torch.no_grad():
        D.net[-1].weight.mul_(100.0)
    logits = D(torch.randn(64, 1, 28, 28))
    assert logits.shape == (64,)
    assert logits.min().item() < -1.0 and logits.max().item() > 1.0


@pytest.mark.parametrize("norm, mixes", [("batch", True), ("layer", False), ("none", False)])
def test_only_batchnorm_mixes_samples_in_train_mode(norm, mixes):
    """Is a sample's score independent of the rest of its batch (needed by the gradient penalty)?"""
    torch.manual_seed(0)
    D = DCGANDiscriminator(channels=1, image_size=28, width=4, norm=norm).train()
    x = torch.randn(8, 1, 28, 28)
    alone, in_batch = D(x[:2]), D(x)[:2]
    assert torch.allclose(alone, in_batch, atol=1e-5) is not mixes


def test_layer_norm_critic_has_no_batchnorm_and_a_groupnorm_over_all_channels():
    D = DCGANDiscriminator(channels=3, image_size=32, width=4, norm="layer")
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in D.modules())
    groups = [m for m in D.modules() if isinstance(m, nn.GroupNorm)]
    assert len(groups) == 2 and all(g.num_groups == 1 for g in groups)


def test_layer_norm_critic_works_with_the_gradient_penalty():
    """Closed form: a critic with a unit-norm input gradient everywhere has zero penalty; ours
    gives a finite positive penalty that back-propagates to every critic parameter."""
    torch.manual_seed(0)
    D = DCGANDiscriminator(channels=1, image_size=28, width=4, norm="layer")
    real, fake = torch.randn(4, 1, 28, 28), torch.randn(4, 1, 28, 28)
    penalty = gradient_penalty(D, real, fake)
    assert torch.isfinite(penalty) and penalty.item() > 0
    penalty.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in D.parameters())


def test_spectral_norm_discriminator_normalises_every_conv_and_has_no_norm_layers():
    torch.manual_seed(0)
    D = DCGANDiscriminator(channels=3, image_size=32, width=4, spectral_norm=True).train()
    convs = [m for m in D.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 4 and all(parametrize.is_parametrized(m, "weight") for m in convs)
    assert not any(isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)) for m in D.modules())
    for _ in range(30):
        for conv in convs:
            conv.weight  # one power iteration per access in train mode
    D.eval()
    for conv in convs:
        sigma = torch.linalg.matrix_norm(conv.weight.detach().flatten(start_dim=1), ord=2)
        assert sigma.item() == pytest.approx(1.0, abs=1e-3)


def test_spectral_norm_with_batchnorm_is_refused_with_the_fix():
    with pytest.raises(ConfigError, match="leave norm unset or pass norm='none'"):
        DCGANDiscriminator(spectral_norm=True, norm="batch")


def test_dropout_adds_a_dropout_after_each_hidden_layer():
    D = DCGANDiscriminator(channels=1, image_size=28, width=4, dropout=0.25)
    rates = [m.p for m in D.modules() if isinstance(m, nn.Dropout)]
    assert rates == [0.25, 0.25]
    assert not any(isinstance(m, nn.Dropout) for m in DCGANDiscriminator(channels=1, image_size=28, width=4).modules())


@pytest.mark.parametrize("make", [lambda: DCGANGenerator(image_size=60), lambda: DCGANDiscriminator(image_size=60)])
def test_unsupported_image_size_lists_sizes_and_suggests_image_size(make):
    with pytest.raises(ConfigError, match=r"28, 32, 64.*--image-size 64"):
        make()


def test_unknown_norm_lists_choices():
    with pytest.raises(ConfigError, match="batch, layer, none"):
        DCGANDiscriminator(norm="instance")


def test_discriminator_rejects_images_of_another_size_with_the_fix():
    D = DCGANDiscriminator(channels=1, image_size=28, width=4)
    with pytest.raises(ConfigError, match="image_size matching the data"):
        D(torch.randn(2, 1, 32, 32))
