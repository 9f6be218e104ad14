"""Implementations of ``make_dcgan_discriminator`` (assignment 03) for the tests of its hidden
check: ``CORRECT`` (the first is the one the solution notebook uses) and ``WRONG`` (mistake,
code[, words its failure message must contain]); part of :mod:`.a03_dcgan_faces`'s catalogue."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gan_course.models.dcgan import DCGANDiscriminator


def make_dcgan_discriminator(channels=3, width=64):
    """The DCGAN discriminator (Radford et al. 2015) for 64x64 images: (B, channels, 64, 64) -> logits (B,)."""
    w = width  # ndf: feature maps of the first convolution
    return nn.Sequential(
        nn.Conv2d(channels, w, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),  # (B, w, 32, 32)
        nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.LeakyReLU(0.2, inplace=True),  # (B, 2w, 16, 16)
        nn.Conv2d(2 * w, 4 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(4 * w), nn.LeakyReLU(0.2, inplace=True),  # (B, 4w, 8, 8)
        nn.Conv2d(4 * w, 8 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(8 * w), nn.LeakyReLU(0.2, inplace=True),  # (B, 8w, 4, 4)
        nn.Conv2d(8 * w, 1, 4, 1, 0, bias=False),  # (B, 1, 1, 1)
        nn.Flatten(0),  # (B,)
    )


def _library(channels=3, width=64):
    """The package's reference: gan_course.models.DCGANDiscriminator at 64x64."""
    return DCGANDiscriminator(channels, 64, width, norm="batch")


class _Functional(nn.Module):
    """Convolutions with biases in a ModuleList, BatchNorms registered first, activations in forward."""

    def __init__(self, channels, width):
        super().__init__()
        self.norms = nn.ModuleList(nn.BatchNorm2d(m * width) for m in (2, 4, 8))
        sizes = [channels, width, 2 * width, 4 * width, 8 * width]
        self.downs = nn.ModuleList(nn.Conv2d(a, b, 4, 2, 1) for a, b in zip(sizes[:-1], sizes[1:]))
        self.head = nn.Conv2d(8 * width, 1, 4)

    def forward(self, x):
        h = F.leaky_relu(self.downs[0](x), 0.2)
        for conv, norm in zip(self.downs[1:], self.norms):
            h = F.leaky_relu(norm(conv(h)), 0.2)
        return self.head(h).view(-1)


def _functional(channels=3, width=64):
    return _Functional(channels, width)


class _LinearHead(nn.Module):
    """A Linear layer over the flattened (8w, 4, 4) map: the same function as the 4x4 convolution."""

    def __init__(self, channels, width):
        super().__init__()
        body = make_dcgan_discriminator(channels, width)
        self.body = nn.Sequential(*list(body)[:-2])
        self.head = nn.Linear(8 * width * 16, 1)

    def forward(self, x):
        return self.head(self.body(x).flatten(1)).squeeze(1)


def _linear_head(channels=3, width=64):
    return _LinearHead(channels, width)


def _variant(*, sigmoid=False, bn_first=False, no_bn=False, act=lambda: nn.LeakyReLU(0.2), reversed_widths=False,
             fixed_width=None, out_shape="flat", bn_last=False, dropout=0.0, act_before_bn=False, default_channels=3,
             instance_norm=False, pool=False):
    """The DCGAN discriminator with one mistake."""

    def make(channels=default_channels, width=64):
        w = fixed_width or width
        hidden = [8 * w, 4 * w, 2 * w, w] if reversed_widths else [w, 2 * w, 4 * w, 8 * w]
        sizes = [channels, *hidden]
        layers = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            if pool:
                layers += [nn.Conv2d(a, b, 3, 1, 1, bias=False), nn.AvgPool2d(2)]
            else:
                layers.append(nn.Conv2d(a, b, 4, 2, 1, bias=False))
            norm = [] if no_bn or (i == 0 and not bn_first) else [nn.InstanceNorm2d(b) if instance_norm else nn.BatchNorm2d(b)]
            layers += [act(), *norm] if act_before_bn else [*norm, act()]
            if dropout:
                layers.append(nn.Dropout(dropout))
        layers.append(nn.Conv2d(sizes[-1], 1, 4, 1, 0, bias=False))
        if bn_last:
            layers.append(nn.BatchNorm2d(1))
        if sigmoid:
            layers.append(nn.Sigmoid())
        if out_shape == "flat":
            layers.append(nn.Flatten(0))
        elif out_shape == "column":
            layers.append(nn.Flatten(1))
        return nn.Sequential(*layers)

    return make


class _SigmoidInForward(nn.Module):
    def __init__(self, channels, width):
        super().__init__()
        self.net = make_dcgan_discriminator(channels, width)

    def forward(self, x):
        return torch.sigmoid(self.net(x))


CORRECT = [make_dcgan_discriminator, _library, _functional, _linear_head]
WRONG = [
    ("sigmoid at the end", _variant(sigmoid=True), "no Sigmoid"),
    ("sigmoid inside forward", lambda channels=3, width=64: _SigmoidInForward(channels, width), "not probabilities"),
    ("BatchNorm on the first layer", _variant(bn_first=True), "no BatchNorm after the first convolution"),
    ("no BatchNorm at all", _variant(no_bn=True), "one BatchNorm2d after each hidden convolution except the first"),
    ("ReLU instead of LeakyReLU", _variant(act=lambda: nn.ReLU()), "negative slope 0.2"),
    ("LeakyReLU with the default slope 0.01", _variant(act=lambda: nn.LeakyReLU()), "negative slope 0.2"),
    ("width as the last hidden layer's feature maps", _variant(reversed_widths=True), "FIRST convolution"),
    ("width ignored (64 hard-coded)", _variant(fixed_width=64)),
    ("logits of shape (B, 1)", _variant(out_shape="column"), "shape (B,)"),
    ("logits of shape (B, 1, 1, 1)", _variant(out_shape="none")),
    ("BatchNorm after the output convolution", _variant(bn_last=True), "no BatchNorm after the last convolution"),
    ("Dropout after every hidden layer", _variant(dropout=0.3), "no Dropout"),
    ("LeakyReLU before BatchNorm", _variant(act_before_bn=True)),
    ("default channels 1", _variant(default_channels=1), "defaults"),
    ("InstanceNorm instead of BatchNorm", _variant(instance_norm=True), "not InstanceNorm2d"),
    ("pooling instead of strided convolutions", _variant(pool=True), "no pooling"),
]
