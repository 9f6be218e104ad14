"""Tests for gan_course.models.mlp: the ring MLPs of COURSE.md 02 and the image MLPs."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gan_course.errors import ConfigError
from gan_course.models.mlp import LEAKY_SLOPE, MLPDiscriminator, MLPGenerator


def course_make_generator(latent_dim=100):
    """COURSE.md 02's make_generator, written out as a student would."""
    return nn.Sequential(
        nn.Linear(latent_dim, 128), nn.LeakyReLU(0.2),
        nn.Linear(128, 256), nn.LeakyReLU(0.2),
        nn.Linear(256, 256), nn.LeakyReLU(0.2),
        nn.Linear(256, 2),
    )


def course_make_discriminator():
    """COURSE.md 02's make_discriminator."""
    return nn.Sequential(
        nn.Linear(2, 128), nn.LeakyReLU(0.2), nn.Dropout(0.3),
        nn.Linear(128, 256), nn.LeakyReLU(0.2), nn.Dropout(0.3),
        nn.Linear(256, 128), nn.LeakyReLU(0.2), nn.Dropout(0.3),
        nn.Linear(128, 1),
    )


def _layout(module: nn.Module) -> list:
    """The layers as comparable tuples: sizes, slopes and dropout rates."""
    out = []
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            out.append(("linear", layer.in_features, layer.out_features))
        elif isinstance(layer, nn.LeakyReLU):
            out.append(("lrelu", layer.negative_slope))
        elif isinstance(layer, nn.Dropout):
            out.append(("dropout", layer.p))
        elif not isinstance(layer, (nn.Sequential, MLPGenerator, MLPDiscriminator)):
            out.append((type(layer).__name__,))
    return out


def test_ring_generator_has_exactly_the_course_layers():
    assert LEAKY_SLOPE == 0.2
    assert _layout(MLPGenerator(100)) == _layout(course_make_generator(100))
    assert _layout(MLPGenerator(16)) == _layout(course_make_generator(16))


def test_ring_discriminator_has_exactly_the_course_layers():
    assert _layout(MLPDiscriminator()) == _layout(course_make_discriminator())


def test_ring_generator_computes_the_same_function_as_the_course_reference():
    """Same weights, same outputs: no hidden activation or reshaping differs."""
    torch.manual_seed(0)
    G, reference = MLPGenerator(100), course_make_generator(100)
    reference.load_state_dict(G.net.state_dict())
    z = torch.randn(64, 100)  # (B, latent_dim)
    torch.testing.assert_close(G(z), reference(z))
    assert G.latent_dim == 100


def test_ring_generator_has_no_output_activation():
    """Ring points reach |x| ~ 20: the output must be able to leave [-1, 1]."""
    torch.manual_seed(0)
    G = MLPGenerator(8)
    with torch.no_grad():
        G.net[-1].bias.fill_(15.0)
    assert G(torch.randn(32, 8)).min().item() > 10.0


def test_ring_discriminator_matches_the_reference_in_eval_and_returns_flat_logits():
    torch.manual_seed(0)
    D, reference = MLPDiscriminator(), course_make_discriminator()
    reference.load_state_dict(D.net.state_dict())
    D.eval(), reference.eval()
    x = 10 * torch.randn(64, 2)  # (B, 2)
    logits = D(x)
    assert logits.shape == (64,)
    torch.testing.assert_close(logits, reference(x).view(-1))


def test_discriminator_logits_are_unbounded():
    """No sigmoid: logits take both signs and can exceed 1 in magnitude."""
    torch.manual_seed(0)
    D = MLPDiscriminator().eval()
    with torch.no_grad():
        D.net[-1].weight.mul_(100.0)
    logits = D(10 * torch.randn(256, 2))
    assert logits.min().item() < -1.0 and logits.max().item() > 1.0


def test_discriminator_dropout_is_active_in_train_mode_only():
    torch.manual_seed(0)
    D = MLPDiscriminator()
    x = torch.randn(16, 2)
    assert not torch.equal(D.train()(x), D(x))
    D.eval()
    assert torch.equal(D(x), D(x))


def test_image_generator_outputs_tanh_images_in_range():
    torch.manual_seed(0)
    G = MLPGenerator(16, (1, 28, 28), (32, 64, 64), output="tanh")
    with torch.no_grad():
        G.net[-2].weight.mul_(50.0)  # drive the tanh into saturation
    x = G(torch.randn(8, 16))
    assert x.shape == (8, 1, 28, 28)
    assert x.min().item() >= -1.0 and x.max().item() <= 1.0
    assert x.abs().max().item() > 0.99  # saturated, so the bound is doing the work
    assert isinstance(G.net[-1], nn.Tanh)


def test_image_discriminator_flattens_images():
    torch.manual_seed(0)
    D = MLPDiscriminator((1, 28, 28), (32, 16, 8)).eval()
    x = torch.randn(4, 1, 28, 28)
    torch.testing.assert_close(D(x), D.net(x.view(4, -1)).view(-1))


def test_generator_accepts_dcgan_style_latent():
    torch.manual_seed(0)
    G = MLPGenerator(8)
    z = torch.randn(5, 8)
    torch.testing.assert_close(G(z[:, :, None, None]), G(z))


def test_wrong_latent_size_names_latent_dim():
    with pytest.raises(ConfigError, match=r"expects z of shape \(B, 8\).*G.latent_dim"):
        MLPGenerator(8)(torch.randn(4, 100))


def test_wrong_input_shape_names_in_shape():
    with pytest.raises(ConfigError, match=r"in_shape=\(3,\)"):
        MLPDiscriminator()(torch.randn(4, 3))


def test_unknown_output_lists_choices():
    with pytest.raises(ConfigError, match="none, tanh"):
        MLPGenerator(8, output="sigmoid")
