"""DCGAN generator and discriminator for 28x28, 32x32 and 64x64 images.

Radford et al. 2015, "Unsupervised Representation Learning with Deep Convolutional
Generative Adversarial Networks", https://arxiv.org/abs/1511.06434: strided (transposed)
convolutions instead of pooling, BatchNorm, ReLU in the generator with a tanh output,
LeakyReLU(0.2) in the discriminator, N(0, 0.02) initialisation. At 64x64 with width=64 the
generator is the pytorch/examples dcgan generator layer for layer (3,576,704 parameters).

The discriminator's ``norm`` turns it into the other critics of assignment 04:

- ``norm="batch"``: the DCGAN discriminator (no norm on the first layer, as in the paper).
- ``norm="layer"``: the WGAN-GP critic. Gulrajani et al. 2017, "Improved Training of
  Wasserstein GANs", https://arxiv.org/abs/1704.00028, section 4: the penalty is per sample,
  so the critic must not mix samples in a batch; they replace BatchNorm by layer
  normalisation, here GroupNorm(1, C) (normalises each sample over (C, H, W)).
- ``spectral_norm=True``: the SNGAN discriminator. Miyato et al. 2018, "Spectral
  Normalization for Generative Adversarial Networks", https://arxiv.org/abs/1802.05957:
  spectral norm on every layer and no other normalisation.

Every discriminator returns raw logits / scores of shape (B,); there is no sigmoid.
"""

from __future__ import annotations

from torch import Tensor, nn

from ..errors import ConfigError
from .init import add_spectral_norm, dcgan_weights_init
from .inputs import latent_vector
from .mlp import LEAKY_SLOPE

DCGAN_IMAGE_SIZES = (28, 32, 64)
NORMS = ("batch", "layer", "none")
KERNEL, STRIDE, PADDING = 4, 2, 1  # Radford et al. 2015 / pytorch examples: each k4 s2 p1 layer doubles or halves H, W


def _check_size(image_size: int, model: str) -> None:
    if image_size not in DCGAN_IMAGE_SIZES:
        raise ConfigError(
            f"{model} supports image sizes {', '.join(map(str, DCGAN_IMAGE_SIZES))}, got {image_size}; "
            f"resize the data with --image-size {min(DCGAN_IMAGE_SIZES, key=lambda s: abs(s - image_size))}"
        )


# ----------------------------------------------------------------------------- generator


def _project(latent_dim: int, c_out: int, size: int) -> list[nn.Module]:
    """(B, latent_dim, 1, 1) -> (B, c_out, size, size): a transposed conv with kernel = size."""
    return [nn.ConvTranspose2d(latent_dim, c_out, size, 1, 0, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(True)]


def _up(c_in: int, c_out: int) -> list[nn.Module]:
    """(B, c_in, H, W) -> (B, c_out, 2H, 2W)."""
    return [nn.ConvTranspose2d(c_in, c_out, KERNEL, STRIDE, PADDING, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(True)]


def _to_image(c_in: int, channels: int) -> list[nn.Module]:
    """(B, c_in, H, W) -> (B, channels, 2H, 2W) in [-1, 1]."""
    return [nn.ConvTranspose2d(c_in, channels, KERNEL, STRIDE, PADDING, bias=False), nn.Tanh()]


def _generator_layers(latent_dim: int, channels: int, image_size: int, w: int) -> list[nn.Module]:
    if image_size == 64:
        return [
            *_project(latent_dim, 8 * w, 4),  # (B, 8w, 4, 4)
            *_up(8 * w, 4 * w),  # (B, 4w, 8, 8)
            *_up(4 * w, 2 * w),  # (B, 2w, 16, 16)
            *_up(2 * w, w),  # (B, w, 32, 32)
            *_to_image(w, channels),  # (B, C, 64, 64)
        ]
    if image_size == 32:
        return [
            *_project(latent_dim, 4 * w, 4),  # (B, 4w, 4, 4)
            *_up(4 * w, 2 * w),  # (B, 2w, 8, 8)
            *_up(2 * w, w),  # (B, w, 16, 16)
            *_to_image(w, channels),  # (B, C, 32, 32)
        ]
    return [  # 28
        *_project(latent_dim, 2 * w, 7),  # (B, 2w, 7, 7)
        *_up(2 * w, w),  # (B, w, 14, 14)
        *_to_image(w, channels),  # (B, C, 28, 28)
    ]


class DCGANGenerator(nn.Module):
    """z (B, latent_dim) or (B, latent_dim, 1, 1) -> images (B, channels, S, S) in [-1, 1].

    ``width`` is ngf, the feature maps of the last hidden layer; each earlier layer doubles
    it (64x64: 8w at 4x4, 4w at 8x8, 2w at 16x16, w at 32x32). Weights are DCGAN-initialised.
    """

    def __init__(self, latent_dim: int = 100, channels: int = 3, image_size: int = 64, width: int = 64) -> None:
        super().__init__()
        _check_size(image_size, type(self).__name__)
        self.latent_dim = latent_dim
        self.channels = channels
        self.image_size = image_size
        self.net = nn.Sequential(*_generator_layers(latent_dim, channels, image_size, width))
        self.apply(dcgan_weights_init)

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        """z: (B, latent_dim) or (B, latent_dim, 1, 1) -> (B, C, S, S); labels are ignored."""
        z = latent_vector(z, self.latent_dim, type(self).__name__)  # (B, latent_dim)
        return self.net(z[:, :, None, None])  # (B, C, S, S)


# ------------------------------------------------------------------------- discriminator


def _norm(kind: str, c: int) -> list[nn.Module]:
    if kind == "batch":
        return [nn.BatchNorm2d(c)]
    if kind == "layer":
        return [nn.GroupNorm(1, c)]  # per-sample normalisation over (C, H, W)
    return []


def _down(c_in: int, c_out: int, norm: str, dropout: float, bias: bool) -> list[nn.Module]:
    """(B, c_in, H, W) -> (B, c_out, H/2, W/2)."""
    layers: list[nn.Module] = [nn.Conv2d(c_in, c_out, KERNEL, STRIDE, PADDING, bias=bias)]
    layers += [*_norm(norm, c_out), nn.LeakyReLU(LEAKY_SLOPE, inplace=True)]
    return layers + ([nn.Dropout(dropout)] if dropout > 0 else [])


def _discriminator_layers(channels: int, image_size: int, w: int, norm: str, dropout: float) -> list[nn.Module]:
    bias = norm == "none"  # a norm layer's shift makes conv biases redundant (pytorch examples: bias=False)
    if image_size == 64:
        return [
            *_down(channels, w, "none", dropout, bias),  # (B, w, 32, 32): no norm on the input layer
            *_down(w, 2 * w, norm, dropout, bias),  # (B, 2w, 16, 16)
            *_down(2 * w, 4 * w, norm, dropout, bias),  # (B, 4w, 8, 8)
            *_down(4 * w, 8 * w, norm, dropout, bias),  # (B, 8w, 4, 4)
            nn.Conv2d(8 * w, 1, 4, 1, 0, bias=bias),  # (B, 1, 1, 1)
        ]
    if image_size == 32:
        return [
            *_down(channels, w, "none", dropout, bias),  # (B, w, 16, 16)
            *_down(w, 2 * w, norm, dropout, bias),  # (B, 2w, 8, 8)
            *_down(2 * w, 4 * w, norm, dropout, bias),  # (B, 4w, 4, 4)
            nn.Conv2d(4 * w, 1, 4, 1, 0, bias=bias),  # (B, 1, 1, 1)
        ]
    return [  # 28
        *_down(channels, w, "none", dropout, bias),  # (B, w, 14, 14)
        *_down(w, 2 * w, norm, dropout, bias),  # (B, 2w, 7, 7)
        nn.Conv2d(2 * w, 1, 7, 1, 0, bias=bias),  # (B, 1, 1, 1)
    ]


class DCGANDiscriminator(nn.Module):
    """images (B, channels, S, S) -> logits (B,), mirroring :class:`DCGANGenerator`.

    norm: "batch" (DCGAN), "layer" (WGAN-GP critic: GroupNorm(1, C), never mixes samples)
    or "none"; left as None it is "batch", or "none" with ``spectral_norm=True`` (SNGAN:
    spectral norm on every conv, no other normalisation). ``dropout`` > 0 adds Dropout
    after every hidden LeakyReLU. Conv weights are DCGAN-initialised (before spectral norm).
    """

    def __init__(
        self,
        channels: int = 3,
        image_size: int = 64,
        width: int = 64,
        *,
        norm: str | None = None,
        spectral_norm: bool = False,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        _check_size(image_size, name)
        if norm is None:
            norm = "none" if spectral_norm else "batch"
        if norm not in NORMS:
            raise ConfigError(f"unknown norm {norm!r} for {name}; choose one of: {', '.join(NORMS)}")
        if spectral_norm and norm != "none":
            raise ConfigError(
                f"{name} with spectral_norm=True uses no other normalisation (Miyato et al. 2018), "
                f"got norm={norm!r}; leave norm unset or pass norm='none'"
            )
        if not 0.0 <= dropout < 1.0:
            raise ConfigError(f"dropout must be in [0, 1), got {dropout}; use 0 to disable it")
        self.channels = channels
        self.image_size = image_size
        self.norm = norm
        self.net = nn.Sequential(*_discriminator_layers(channels, image_size, width, norm, dropout))
        self.apply(dcgan_weights_init)
        if spectral_norm:
            add_spectral_norm(self)

    def forward(self, x: Tensor, labels: Tensor | None = None) -> Tensor:
        """x: (B, C, S, S) -> logits (B,); labels are ignored."""
        expected = (self.channels, self.image_size, self.image_size)
        if tuple(x.shape[1:]) != expected:
            raise ConfigError(
                f"{type(self).__name__} was built for images of shape (B, {', '.join(map(str, expected))}), "
                f"got {tuple(x.shape)}; build it with channels={x.shape[1] if x.dim() > 1 else '?'} "
                f"and image_size matching the data"
            )
        return self.net(x).view(x.shape[0])  # (B,)


__all__ = ["DCGAN_IMAGE_SIZES", "DCGANDiscriminator", "DCGANGenerator", "NORMS"]
