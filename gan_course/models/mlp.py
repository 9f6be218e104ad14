"""Fully connected generator and discriminator: the 2D ring of assignment 02 and flattened
small images (28x28).

Goodfellow et al. 2014, "Generative Adversarial Nets", https://arxiv.org/abs/1406.2661
(MLP generator and discriminator, dropout in the discriminator); LeakyReLU with slope 0.2
from Radford et al. 2015, https://arxiv.org/abs/1511.06434.

With the defaults the two networks are exactly COURSE.md 02's ``make_generator`` and
``make_discriminator``:

    G: latent_dim -> 128 -> 256 -> 256 -> 2, LeakyReLU(0.2) between layers, no output activation
    D: 2 -> 128 -> 256 -> 128 -> 1, LeakyReLU(0.2) + Dropout(0.3) after each hidden layer
"""

from __future__ import annotations

import math
from typing import Sequence

from torch import Tensor, nn

from ..errors import ConfigError
from .inputs import latent_vector

LEAKY_SLOPE = 0.2  # Radford et al. 2015, section 3 (LeakyReLU slope in the discriminator)
DROPOUT = 0.3  # COURSE.md 02 make_discriminator (Goodfellow et al. 2014 used dropout in D)
RING_GENERATOR_HIDDEN = (128, 256, 256)  # COURSE.md 02 make_generator
RING_DISCRIMINATOR_HIDDEN = (128, 256, 128)  # COURSE.md 02 make_discriminator
OUTPUTS = ("none", "tanh")


def _mlp(sizes: Sequence[int], *, dropout: float = 0.0) -> list[nn.Module]:
    """Linear layers sizes[0] -> ... -> sizes[-1], LeakyReLU (+ Dropout) after every hidden one."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))  # (B, n_out)
        if i < len(sizes) - 2:
            layers.append(nn.LeakyReLU(LEAKY_SLOPE))
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return layers


class MLPGenerator(nn.Module):
    """z (B, latent_dim) -> samples (B, *out_shape).

    out_shape=(2,) with output="none" is the ring generator of COURSE.md 02; out_shape=
    (1, 28, 28) with output="tanh" generates images in [-1, 1].
    """

    def __init__(
        self,
        latent_dim: int = 100,
        out_shape: Sequence[int] = (2,),
        hidden: Sequence[int] = RING_GENERATOR_HIDDEN,
        *,
        output: str = "none",
    ) -> None:
        super().__init__()
        if output not in OUTPUTS:
            raise ConfigError(f"unknown output {output!r} for MLPGenerator; choose one of: {', '.join(OUTPUTS)}")
        self.latent_dim = latent_dim
        self.out_shape = tuple(out_shape)
        layers = _mlp([latent_dim, *hidden, math.prod(self.out_shape)])  # (B, prod(out_shape))
        if output == "tanh":
            layers.append(nn.Tanh())
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        """z: (B, latent_dim) or (B, latent_dim, 1, 1) -> (B, *out_shape); labels are ignored."""
        z = latent_vector(z, self.latent_dim, type(self).__name__)  # (B, latent_dim)
        return self.net(z).view(z.shape[0], *self.out_shape)  # (B, *out_shape)


class MLPDiscriminator(nn.Module):
    """x (B, *in_shape) -> logits (B,); inputs are flattened, so images work too."""

    def __init__(
        self,
        in_shape: Sequence[int] = (2,),
        hidden: Sequence[int] = RING_DISCRIMINATOR_HIDDEN,
        dropout: float = DROPOUT,
    ) -> None:
        super().__init__()
        self.in_shape = tuple(in_shape)
        self.net = nn.Sequential(*_mlp([math.prod(self.in_shape), *hidden, 1], dropout=dropout))  # (B, 1)

    def forward(self, x: Tensor, labels: Tensor | None = None) -> Tensor:
        """x: (B, *in_shape) -> logits (B,); labels are ignored."""
        if tuple(x.shape[1:]) != self.in_shape:
            raise ConfigError(
                f"MLPDiscriminator was built for inputs of shape (B, {', '.join(map(str, self.in_shape))}), "
                f"got {tuple(x.shape)}; build it with in_shape={tuple(x.shape[1:])}"
            )
        return self.net(x.flatten(start_dim=1)).view(x.shape[0])  # (B,)


__all__ = ["DROPOUT", "LEAKY_SLOPE", "MLPDiscriminator", "MLPGenerator"]
