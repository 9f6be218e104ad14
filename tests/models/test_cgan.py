"""Tests for gan_course.models.cgan: the conditional generator (PixelShuffle + ICNR) and the
spectral-norm projection discriminator."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize

from gan_course.errors import ConfigError
from gan_course.models.cgan import CGAN_BN_MOMENTUM, ConditionalDiscriminator, ConditionalGenerator, SubPixelUp


def _generator(size=28, **kw):
    torch.manual_seed(0)
    return ConditionalGenerator(latent_dim=12, num_classes=5, channels=1, image_size=size, width=8, embed_dim=6, **kw)


def _discriminator(size=28):
    torch.manual_seed(0)
    return ConditionalDiscriminator(num_classes=5, channels=1, image_size=size, width=4)


@pytest.mark.parametrize("size", [28, 32])
def test_generator_makes_tanh_images_of_the_requested_size(size):
    G = _generator(size)
    x = G(torch.randn(6, 12), torch.arange(6) % 5)
    assert x.shape == (6, 1, size, size)
    assert x.min().item() >= -1.0 and x.max().item() <= 1.0
    assert x.std().item() > 0
    assert G.latent_dim == 12


def test_different_labels_give_different_images_for_the_same_z():
    G = _generator().eval()
    z = torch.randn(1, 12).expand(5, 12)  # one z, five classes
    x = G(z, torch.arange(5))
    flat = x.flatten(start_dim=1)
    distances = torch.cdist(flat, flat)
    assert distances[~torch.eye(5, dtype=torch.bool)].min().item() > 1e-3
    torch.testing.assert_close(G(z, torch.arange(5)), x)  # and deterministic in eval mode


def test_batchnorm_momentum_is_the_seed_setting_with_pytorch_semantics():
    """running = (1 - m) * running + m * batch, m = 0.8: the new batch weighs 0.8."""
    assert CGAN_BN_MOMENTUM == 0.8
    G = _generator()
    norms = [m for m in G.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(norms) == 3 and all(m.momentum == 0.8 and m.eps == 1e-5 for m in norms)
    block = G.up1
    block.train()
    x = torch.randn(16, 8, 7, 7)
    shuffled = block.shuffle(block.conv(x))  # (16, 8, 14, 14): what the BatchNorm sees
    block(x)
    torch.testing.assert_close(block.norm.running_mean, 0.8 * shuffled.mean(dim=(0, 2, 3)).detach())


def test_upsampling_convs_are_icnr_initialised():
    G = _generator()
    blocks = [m for m in G.modules() if isinstance(m, SubPixelUp)]
    assert len(blocks) == 2
    for block in blocks:
        w = block.conv.weight.detach()
        groups = w.view(w.shape[0] // 4, 4, *w.shape[1:])  # (C, r^2, C_in, 3, 3)
        assert torch.equal(groups, groups[:, :1].expand_as(groups))
        assert block.conv.bias is None  # a per-channel bias would break the equality


def test_no_checkerboard_after_pixel_shuffle_at_init():
    """Each 2x2 block of the first PixelShuffle's output is constant at initialisation."""
    G = _generator()
    seen = []
    G.up1.shuffle.register_forward_hook(lambda m, i, o: seen.append(o.detach()))
    G(torch.randn(4, 12), torch.arange(4))
    blocks = seen[0].unfold(2, 2, 2).unfold(3, 2, 2)  # (B, C, H/2, W/2, 2, 2)
    assert torch.allclose(blocks, blocks[..., :1, :1].expand_as(blocks))
    assert blocks.std().item() > 0


def test_generator_requires_labels():
    G = _generator()
    with pytest.raises(ValueError, match=r"needs labels.*integer class indices of shape \(3,\)"):
        G(torch.randn(3, 12))
    with pytest.raises(ConfigError):
        G(torch.randn(3, 12), None)


def test_labels_out_of_range_or_one_hot_are_refused_with_the_fix():
    G = _generator()
    with pytest.raises(ConfigError, match="built for 5 classes.*num_classes > 7"):
        G(torch.randn(2, 12), torch.tensor([0, 7]))
    with pytest.raises(ConfigError, match="not one-hot"):
        G(torch.randn(2, 12), F.one_hot(torch.tensor([0, 1]), 5).float())


@pytest.mark.parametrize("size", [28, 32])
def test_discriminator_returns_flat_logits_that_depend_on_the_label(size):
    D = _discriminator(size).eval()
    x = torch.randn(1, 1, size, size).expand(5, 1, size, size)
    logits = D(x, torch.arange(5))
    assert logits.shape == (5,)
    assert (logits.max() - logits.min()).item() > 0.1


def test_discriminator_is_a_projection_discriminator():
    """D(x, y) - D(x, y') = <embed(y) - embed(y'), phi(x)> (Miyato & Koyama 2018, eq. 3)."""
    D = _discriminator().eval()
    x = torch.randn(3, 1, 28, 28)
    y, y2 = torch.tensor([0, 1, 2]), torch.tensor([4, 3, 0])
    phi = D.features(x)  # (3, 16)
    embed = D.embed.weight.detach()  # (5, 16), spectral-normalised
    expected = ((embed[y] - embed[y2]) * phi).sum(dim=1)
    torch.testing.assert_close(D(x, y) - D(x, y2), expected, rtol=1e-4, atol=1e-5)


def test_discriminator_has_spectral_norm_on_every_layer_including_the_embedding():
    D = _discriminator()
    layers = [m for m in D.modules() if isinstance(m, (nn.Conv2d, nn.Linear, nn.Embedding))]
    assert len(layers) == 5
    assert all(parametrize.is_parametrized(m, "weight") for m in layers)
    assert all(len(m.parametrizations.weight) == 1 for m in layers)
    assert not any(isinstance(m, (nn.BatchNorm2d, nn.Sigmoid)) for m in D.modules())


def test_discriminator_logits_are_unbounded():
    """No sigmoid: scores take both signs and leave [-1, 1] (sum pooling over positions)."""
    D = _discriminator().eval()
    logits = D(3 * torch.randn(64, 1, 28, 28), torch.randint(0, 5, (64,)))
    assert logits.min().item() < -1.0 and logits.max().item() > 1.0


def test_discriminator_requires_labels():
    with pytest.raises(ValueError, match="is conditional and needs labels"):
        _discriminator()(torch.randn(2, 1, 28, 28))


def test_image_size_not_multiple_of_four_is_refused():
    with pytest.raises(ConfigError, match="multiple of 4.*--image-size"):
        ConditionalGenerator(image_size=30)
    with pytest.raises(ConfigError, match="multiple of 4"):
        ConditionalDiscriminator(image_size=30)
