"""Conditional GAN ("seed 000" of the course): a class-conditional generator that upsamples
with sub-pixel convolutions, and a spectral-norm projection discriminator.

- Conditional GANs: Mirza & Osindero 2014, "Conditional Generative Adversarial Nets",
  https://arxiv.org/abs/1411.1784.
- Sub-pixel convolution (conv to C * r^2 channels, then PixelShuffle(r)): Shi et al. 2016,
  "Real-Time Single Image and Video Super-Resolution Using an Efficient Sub-Pixel
  Convolutional Neural Network", https://arxiv.org/abs/1609.05158; initialised with ICNR
  (Aitken et al. 2017, https://arxiv.org/abs/1707.02937) so there is no checkerboard at init.
- Projection discriminator: Miyato & Koyama 2018, "cGANs with Projection Discriminator",
  https://arxiv.org/abs/1802.05637, equation 3: D(x, y) = psi(phi(x)) + <embed(y), phi(x)>,
  with spectral norm (Miyato et al. 2018, https://arxiv.org/abs/1802.05957) on every layer,
  the class embedding included.

Generator, for image size S (a multiple of 4; 28 and 32 in the registry):

    [z (B, latent_dim) ; embed(y) (B, embed_dim)] -> Linear -> (B, width, S/4, S/4)
    -> conv3x3 + PixelShuffle(2) -> (B, width, S/2, S/2)
    -> conv3x3 + PixelShuffle(2) -> (B, width/2, S, S) -> conv3x3 -> tanh -> (B, C, S, S)
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm

from ..errors import ConfigError
from .init import add_spectral_norm, icnr_
from .inputs import class_labels, latent_vector
from .mlp import LEAKY_SLOPE

# seed 000's setting. PyTorch's momentum weights the NEW batch statistic:
#   running = (1 - momentum) * running + momentum * batch,
# the opposite of Keras, where momentum weights the old running value (Keras 0.8 = PyTorch 0.2).
# Beware nn.BatchNorm2d(c, 0.8): the second positional argument is eps, not momentum.
CGAN_BN_MOMENTUM = 0.8
CGAN_EMBED_DIM = 50  # class embedding size of the generator (seed 000)
UPSCALE = 2  # PixelShuffle factor of each upsampling block (Shi et al. 2016)


def _check_size(image_size: int, model: str) -> None:
    if image_size < 4 or image_size % 4 != 0:
        raise ConfigError(
            f"{model} upsamples twice by 2, so the image size must be a multiple of 4, got "
            f"{image_size}; resize the data with --image-size 28 or --image-size 32"
        )


class SubPixelUp(nn.Module):
    """(B, c_in, H, W) -> (B, c_out, 2H, 2W): conv3x3 to c_out * 4 channels (ICNR-initialised,
    no bias so the init stays exactly nearest-neighbour), PixelShuffle(2), BatchNorm, ReLU."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out * UPSCALE ** 2, 3, padding=1, bias=False)
        icnr_(self.conv.weight, UPSCALE)
        self.shuffle = nn.PixelShuffle(UPSCALE)
        self.norm = nn.BatchNorm2d(c_out, momentum=CGAN_BN_MOMENTUM)
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv(x)  # (B, c_out * 4, H, W)
        x = self.shuffle(x)  # (B, c_out, 2H, 2W)
        return self.act(self.norm(x))


class ConditionalGenerator(nn.Module):
    """(z (B, latent_dim), labels (B,)) -> images (B, channels, S, S) in [-1, 1].

    ``width`` is the number of feature maps of the projected S/4 x S/4 map; the second
    upsampling block halves it. Labels are required.
    """

    def __init__(
        self,
        latent_dim: int = 100,
        num_classes: int = 10,
        channels: int = 1,
        image_size: int = 28,
        width: int = 128,
        *,
        embed_dim: int = CGAN_EMBED_DIM,
    ) -> None:
        super().__init__()
        _check_size(image_size, type(self).__name__)
        self.latent_dim = latent_dim
        self.num_classes = num_classes
        self.channels = channels
        self.image_size = image_size
        self.width = width
        self.base = image_size // 4
        self.embed = nn.Embedding(num_classes, embed_dim)
        self.project = nn.Linear(latent_dim + embed_dim, width * self.base ** 2)
        self.project_norm = nn.BatchNorm2d(width, momentum=CGAN_BN_MOMENTUM)
        self.up1 = SubPixelUp(width, width)
        self.up2 = SubPixelUp(width, max(width // 2, 1))
        self.to_image = nn.Conv2d(max(width // 2, 1), channels, 3, padding=1)

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        """z: (B, latent_dim) or (B, latent_dim, 1, 1); labels: (B,) -> (B, C, S, S)."""
        name = type(self).__name__
        z = latent_vector(z, self.latent_dim, name)  # (B, latent_dim)
        labels = class_labels(labels, self.num_classes, z.shape[0], name)  # (B,)
        h = self.project(torch.cat([z, self.embed(labels)], dim=1))  # (B, width * s * s)
        h = h.view(-1, self.width, self.base, self.base)  # (B, width, s, s)
        h = torch.relu(self.project_norm(h))
        h = self.up1(h)  # (B, width, 2s, 2s)
        h = self.up2(h)  # (B, width / 2, 4s, 4s)
        return self.to_image(h).tanh()  # (B, C, S, S)


def projection_logits(features: Tensor, labels: Tensor, head: nn.Module, embedding: nn.Module) -> Tensor:
    """The projection discriminator's output (Miyato & Koyama 2018, equation 3).

    features phi(x): (B, F); labels: (B,) integers; head psi: ``nn.Linear(F, 1)``; embedding:
    ``nn.Embedding(num_classes, F)``. Returns logits (B,) = psi(phi(x)) + <embed(y), phi(x)>,
    the inner product taken over the F features of each sample.
    """
    return head(features)[:, 0] + (embedding(labels) * features).sum(dim=1)  # (B,)


class ConditionalDiscriminator(nn.Module):
    """(images (B, channels, S, S), labels (B,)) -> logits (B,): a projection discriminator.

    phi: three spectral-norm convs with LeakyReLU(0.2) (S -> S/2 -> S/4 -> S/4), then a sum
    over positions, (B, 4 * width). Logit = psi(phi) + <embed(y), phi>, psi a spectral-norm
    Linear and embed a spectral-norm Embedding (Miyato & Koyama 2018, equation 3).
    ``projection(features, labels, head, embedding)`` computes that sum (by default
    :func:`projection_logits`; assignment 05 plugs in the student's own).
    """

    def __init__(self, num_classes: int = 10, channels: int = 1, image_size: int = 28, width: int = 64,
                 projection: Callable[[Tensor, Tensor, nn.Module, nn.Module], Tensor] = projection_logits) -> None:
        super().__init__()
        self.projection = projection
        _check_size(image_size, type(self).__name__)
        self.num_classes = num_classes
        self.channels = channels
        self.image_size = image_size
        features = 4 * width
        self.phi = nn.Sequential(
            nn.Conv2d(channels, width, 4, 2, 1),  # (B, w, S/2, S/2)
            nn.LeakyReLU(LEAKY_SLOPE),
            nn.Conv2d(width, 2 * width, 4, 2, 1),  # (B, 2w, S/4, S/4)
            nn.LeakyReLU(LEAKY_SLOPE),
            nn.Conv2d(2 * width, features, 3, 1, 1),  # (B, 4w, S/4, S/4)
            nn.LeakyReLU(LEAKY_SLOPE),
        )
        self.psi = nn.Linear(features, 1)  # (B, 1)
        self.embed = spectral_norm(nn.Embedding(num_classes, features))  # (K, 4w): one row per class
        add_spectral_norm(self)

    def features(self, x: Tensor) -> Tensor:
        """phi(x): (B, C, S, S) -> (B, 4 * width), summed over positions (Miyato & Koyama 2018)."""
        return self.phi(x).sum(dim=(2, 3))  # (B, 4w)

    def forward(self, x: Tensor, labels: Tensor | None = None) -> Tensor:
        """x: (B, C, S, S); labels: (B,) -> logits (B,)."""
        labels = class_labels(labels, self.num_classes, x.shape[0], type(self).__name__)  # (B,)
        h = self.features(x)  # (B, 4w)
        return self.projection(h, labels, self.psi, self.embed)  # (B,)


__all__ = ["CGAN_BN_MOMENTUM", "CGAN_EMBED_DIM", "ConditionalDiscriminator", "ConditionalGenerator", "SubPixelUp",
           "projection_logits"]
