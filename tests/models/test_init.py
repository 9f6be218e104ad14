"""Tests for gan_course.models.init: DCGAN init statistics, ICNR, spectral norm."""

from __future__ import annotations

import copy
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gan_course.errors import ConfigError, GanCourseError
from gan_course.models.init import DCGAN_INIT_STD, add_spectral_norm, dcgan_weights_init, icnr_

# ----------------------------------------------------------------------- dcgan_weights_init

LARGE_CONVS = [
    lambda: nn.Conv1d(64, 64, 16),
    lambda: nn.Conv2d(64, 64, 4),
    lambda: nn.Conv3d(16, 64, 4),
    lambda: nn.ConvTranspose1d(64, 64, 16),
    lambda: nn.ConvTranspose2d(64, 64, 4),
    lambda: nn.ConvTranspose3d(16, 64, 4),
]


@pytest.mark.parametrize("make_conv", LARGE_CONVS, ids=["conv1d", "conv2d", "conv3d", "convT1d", "convT2d", "convT3d"])
def test_dcgan_init_conv_weights_are_normal_0_002(make_conv):
    """Does every conv kind get weights ~ N(0, 0.02) (normal, not uniform), its bias left alone?"""
    torch.manual_seed(0)
    conv = make_conv()
    nn.init.constant_(conv.weight, 1.0)  # so that a no-op would fail
    bias_before = conv.bias.detach().clone()
    dcgan_weights_init(conv)
    w = conv.weight.detach()
    assert w.numel() >= 65536
    assert abs(w.mean().item()) < 5e-4  # standard error 0.02 / 256 = 8e-5
    assert w.std().item() == pytest.approx(DCGAN_INIT_STD, rel=0.02)
    kurtosis = (((w - w.mean()) / w.std()) ** 4).mean().item()
    assert kurtosis == pytest.approx(3.0, abs=0.15)  # normal: 3; PyTorch's default uniform: 1.8
    assert torch.equal(conv.bias, bias_before)


@pytest.mark.parametrize("bn_type", [nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d])
def test_dcgan_init_batchnorm_scale_is_normal_1_002_and_shift_zero(bn_type):
    torch.manual_seed(0)
    bn = bn_type(8192)
    nn.init.constant_(bn.bias, 5.0)
    bn.running_mean.fill_(3.0)
    dcgan_weights_init(bn)
    assert bn.weight.mean().item() == pytest.approx(1.0, abs=1e-3)
    assert bn.weight.std().item() == pytest.approx(DCGAN_INIT_STD, rel=0.05)
    assert torch.count_nonzero(bn.bias) == 0
    assert torch.all(bn.running_mean == 3.0)  # running statistics are not parameters: untouched


@pytest.mark.parametrize(
    "make_other",
    [lambda: nn.Linear(32, 32), lambda: nn.GroupNorm(1, 16), lambda: nn.LayerNorm(16), lambda: nn.Embedding(10, 8)],
    ids=["linear", "groupnorm", "layernorm", "embedding"],
)
def test_dcgan_init_leaves_other_modules_untouched(make_other):
    module = make_other()
    with torch.no_grad():
        for p in module.parameters():
            p.add_(torch.randn_like(p))  # away from any constant a re-init could reproduce
    before = copy.deepcopy(module.state_dict())
    dcgan_weights_init(module)
    for key, value in module.state_dict().items():
        assert torch.equal(value, before[key]), key


def test_dcgan_init_through_model_apply_touches_convs_and_batchnorm_only():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 4), nn.ConvTranspose2d(256, 128, 4), nn.BatchNorm2d(128), nn.Conv2d(128, 8, 3))
    linear_before = copy.deepcopy(model[0].state_dict())
    model.apply(dcgan_weights_init)
    assert model[1].weight.std().item() == pytest.approx(DCGAN_INIT_STD, rel=0.02)
    assert model[2].weight.mean().item() == pytest.approx(1.0, abs=0.01)
    assert model[3].weight.std().item() == pytest.approx(DCGAN_INIT_STD, rel=0.05)
    assert all(torch.equal(v, linear_before[k]) for k, v in model[0].state_dict().items())


def test_dcgan_init_reaches_the_original_weight_under_spectral_norm():
    """Can a spectral-normed conv be re-initialised (its weight is a computed tensor)?"""
    torch.manual_seed(0)
    conv = add_spectral_norm(nn.Conv2d(64, 64, 4))
    dcgan_weights_init(conv)
    original = conv.parametrizations.weight.original
    assert original.std().item() == pytest.approx(DCGAN_INIT_STD, rel=0.02)


# --------------------------------------------------------------------------------- icnr_


@pytest.mark.parametrize("r", [2, 3])
def test_icnr_makes_the_r2_subpixel_channels_of_each_output_channel_equal(r):
    torch.manual_seed(0)
    weight = torch.empty(5 * r * r, 3, 3, 3)
    out = icnr_(weight, upscale_factor=r)
    assert out is weight  # in place, returned
    groups = weight.view(5, r * r, 3, 3, 3)  # PixelShuffle order: channel c uses c*r^2 ... c*r^2 + r^2 - 1
    assert torch.equal(groups, groups[:, :1].expand_as(groups))
    assert not torch.equal(groups[0, 0], groups[1, 0])  # different output channels differ


@pytest.mark.parametrize("r", [2, 3])
def test_icnr_conv_then_pixel_shuffle_is_nearest_neighbour_upsampling(r):
    """Is conv + PixelShuffle at ICNR init exactly (sub-kernel conv, then nearest upsampling)?"""
    torch.manual_seed(0)
    conv = nn.Conv2d(4, 6 * r * r, 3, padding=1, bias=False)
    icnr_(conv.weight, r)
    x = torch.randn(2, 4, 5, 5)  # (B, C_in, H, W)
    y = F.pixel_shuffle(conv(x), r)  # (B, 6, rH, rW)
    sub_kernel = conv.weight[::r * r]  # (6, 4, 3, 3)
    expected = F.interpolate(F.conv2d(x, sub_kernel, padding=1), scale_factor=r, mode="nearest")
    torch.testing.assert_close(y, expected)
    blocks = y.unfold(2, r, r).unfold(3, r, r)  # (B, 6, H, W, r, r): each block constant
    assert torch.allclose(blocks, blocks[..., :1, :1].expand_as(blocks))


def test_default_conv_init_does_give_a_checkerboard():
    """Negative control: without ICNR the r x r blocks after PixelShuffle are not constant."""
    torch.manual_seed(0)
    conv = nn.Conv2d(4, 6 * 4, 3, padding=1, bias=False)
    y = F.pixel_shuffle(conv(torch.randn(2, 4, 5, 5)), 2)
    blocks = y.unfold(2, 2, 2).unfold(3, 2, 2)
    assert not torch.allclose(blocks, blocks[..., :1, :1].expand_as(blocks))


def test_icnr_sub_kernel_has_kaiming_normal_std():
    """Is the sub-kernel drawn with kaiming_normal_ defaults: std sqrt(2 / fan_in)?"""
    torch.manual_seed(0)
    weight = torch.empty(64 * 4, 256, 3, 3)
    icnr_(weight)
    sub_kernel = weight[::4]  # (64, 256, 3, 3)
    assert sub_kernel.mean().item() == pytest.approx(0.0, abs=1e-3)
    assert sub_kernel.std().item() == pytest.approx(math.sqrt(2 / (256 * 9)), rel=0.02)


def test_icnr_calls_the_given_init_on_the_sub_kernel_shape():
    seen = []

    def init(t):
        seen.append(tuple(t.shape))
        nn.init.constant_(t, 0.5)

    weight = torch.zeros(8 * 9, 2, 3, 3)
    icnr_(weight, upscale_factor=3, init=init)
    assert seen == [(8, 2, 3, 3)]
    assert torch.all(weight == 0.5)


def test_icnr_keeps_the_parameter_trainable():
    conv = nn.Conv2d(3, 16, 3)
    icnr_(conv.weight)
    assert isinstance(conv.weight, nn.Parameter) and conv.weight.requires_grad


def test_icnr_rejects_a_weight_not_divisible_by_r_squared():
    with pytest.raises(ConfigError, match=r"multiple of upscale_factor\*\*2 = 4.*C \* 4 output channels"):
        icnr_(torch.empty(6, 3, 3, 3), upscale_factor=2)
    assert issubclass(ConfigError, GanCourseError)


# --------------------------------------------------------------------- add_spectral_norm


def _sigma(layer: nn.Module) -> float:
    """Top singular value of the layer's weight as a matrix (C_out, rest)."""
    w = layer.weight.detach()
    if isinstance(layer, nn.ConvTranspose2d):
        w = w.transpose(0, 1)  # (C_out, C_in, k, k)
    return torch.linalg.matrix_norm(w.reshape(w.shape[0], -1), ord=2).item()


def _net() -> nn.Module:
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Conv2d(3, 8, 3), nn.ReLU(), nn.ConvTranspose2d(8, 5, 4, 2, 1),
        nn.Sequential(nn.Flatten(), nn.Linear(20, 7)), nn.BatchNorm1d(7), nn.Conv1d(1, 2, 3),
    )
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(10.0)  # singular values far from 1 before normalising
    return net


def test_spectral_norm_gives_top_singular_value_one_after_power_iterations():
    net = _net()
    layers = [net[0], net[2], net[3][1]]
    assert all(_sigma(layer) > 2.0 for layer in layers)  # the test can fail
    assert add_spectral_norm(net) is net
    net.train()
    for _ in range(30):  # each access of .weight in train mode runs one power iteration
        for layer in layers:
            layer.weight
    net.eval()
    for layer in layers:
        assert _sigma(layer) == pytest.approx(1.0, abs=1e-3), layer


def test_spectral_norm_covers_linear_conv2d_convtranspose2d_only():
    net = add_spectral_norm(_net())
    from torch.nn.utils import parametrize

    assert parametrize.is_parametrized(net[0], "weight")
    assert parametrize.is_parametrized(net[2], "weight")
    assert parametrize.is_parametrized(net[3][1], "weight")  # nested
    assert not parametrize.is_parametrized(net[4])  # BatchNorm
    assert not parametrize.is_parametrized(net[5])  # Conv1d is not in the contract


def test_spectral_norm_uses_dim_1_for_conv_transpose():
    """ConvTranspose2d weights are (C_in, C_out, k, k): the output dimension is 1."""
    net = add_spectral_norm(_net())
    assert net[2].parametrizations.weight[0].dim == 1
    assert net[0].parametrizations.weight[0].dim == 0


def test_spectral_norm_applies_to_a_bare_layer_and_is_not_applied_twice():
    layer = nn.Linear(4, 3)
    add_spectral_norm(add_spectral_norm(layer))
    assert len(layer.parametrizations.weight) == 1
