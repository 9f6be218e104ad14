"""The TensorFlow DCGAN tutorial's 28x28 generator and discriminator, ported to PyTorch as published.

Source: TensorFlow tutorial "Deep Convolutional Generative Adversarial Network"
(https://www.tensorflow.org/tutorials/generative/dcgan), itself after Radford et al. 2015,
https://arxiv.org/abs/1511.06434. It is one of the peers of ``benchmarks/peer_dcgan.py``; this
port is our own code, kept as close to the tutorial as PyTorch allows:

- generator: Dense(7*7*256, no bias) -> BatchNorm -> LeakyReLU -> reshape (256, 7, 7) ->
  Conv2DTranspose(128, 5, stride 1, same, no bias) -> BN -> LeakyReLU ->
  Conv2DTranspose(64, 5, stride 2, same, no bias) -> BN -> LeakyReLU ->
  Conv2DTranspose(1, 5, stride 2, same, no bias, tanh): z (B, 100) -> images (B, 1, 28, 28);
- discriminator: Conv2D(64, 5, stride 2, same) -> LeakyReLU -> Dropout(0.3) ->
  Conv2D(128, 5, stride 2, same) -> LeakyReLU -> Dropout(0.3) -> Flatten -> Dense(1):
  images (B, 1, 28, 28) -> logits (B,);
- Keras defaults made explicit: LeakyReLU slope 0.3; BatchNormalization momentum 0.99 and
  epsilon 1e-3 (PyTorch's momentum is 1 - Keras's: 0.01); Glorot-uniform kernels and zero
  biases; ``padding="same"`` pads the extra row/column at the bottom/right as TensorFlow does;
  Adam(1e-4) with Keras's epsilon 1e-7 for both networks;
- training: batch 256 from a full shuffle each epoch (the last batch is smaller, as
  ``Dataset.shuffle(60000).batch(256)`` gives), pixels scaled to [-1, 1], BCE on logits, latent
  100, and one ``train_step`` that computes both losses from the same generated batch and
  updates both networks from it (the tutorial's two ``GradientTape``\\ s);
- sampling: ``generator(z, training=False)``, i.e. eval mode (BatchNorm's moving averages).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

LATENT_DIM = 100
BATCH_SIZE = 256
LEARNING_RATE = 1e-4
KERAS_ADAM_EPS = 1e-7
KERAS_LEAKY_SLOPE = 0.3  # tf.keras.layers.LeakyReLU's default alpha
KERAS_BN = dict(momentum=0.01, eps=1e-3)  # Keras momentum 0.99 -> PyTorch 1 - 0.99
KERNEL = 5


def _same_pads(size: int, stride: int) -> tuple[int, int]:
    """TensorFlow's "same" padding (before, after) of one axis for a kernel of KERNEL."""
    out = -(-size // stride)
    total = max((out - 1) * stride + KERNEL - size, 0)
    return total // 2, total - total // 2


class SameConv(nn.Conv2d):
    """Conv2D(k5, stride, padding="same") with TensorFlow's asymmetric padding."""

    def __init__(self, c_in: int, c_out: int, stride: int, bias: bool = True):
        super().__init__(c_in, c_out, KERNEL, stride=stride, padding=0, bias=bias)

    def forward(self, x: Tensor) -> Tensor:  # (B, C, H, W) -> (B, C', ceil(H / s), ceil(W / s))
        top, bottom = _same_pads(x.shape[-2], self.stride[0])
        left, right = _same_pads(x.shape[-1], self.stride[1])
        return super().forward(F.pad(x, (left, right, top, bottom)))


class SameConvTranspose(nn.ConvTranspose2d):
    """Conv2DTranspose(k5, stride, padding="same"): output H * stride, the transpose of
    :class:`SameConv` (computed unpadded, then the same rows/columns cropped)."""

    def __init__(self, c_in: int, c_out: int, stride: int, bias: bool = True):
        super().__init__(c_in, c_out, KERNEL, stride=stride, padding=0, bias=bias)

    def forward(self, x: Tensor) -> Tensor:  # (B, C, H, W) -> (B, C', H * s, W * s)
        h, w = x.shape[-2] * self.stride[0], x.shape[-1] * self.stride[1]
        top, _ = _same_pads(h, self.stride[0])
        left, _ = _same_pads(w, self.stride[1])
        return super().forward(x)[..., top:top + h, left:left + w]


def _keras_init(module: nn.Module) -> None:
    if isinstance(module, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.xavier_uniform_(module.weight)  # glorot_uniform over (in, out) fans
        if module.bias is not None:
            nn.init.zeros_(module.bias)


class Generator(nn.Module):
    """z (B, 100) -> images (B, 1, 28, 28) in [-1, 1]."""

    latent_dim = LATENT_DIM

    def __init__(self):
        super().__init__()
        self.dense = nn.Sequential(nn.Linear(LATENT_DIM, 7 * 7 * 256, bias=False), nn.BatchNorm1d(7 * 7 * 256, **KERAS_BN),
                                   nn.LeakyReLU(KERAS_LEAKY_SLOPE))
        self.convs = nn.Sequential(
            SameConvTranspose(256, 128, 1, bias=False), nn.BatchNorm2d(128, **KERAS_BN), nn.LeakyReLU(KERAS_LEAKY_SLOPE),
            SameConvTranspose(128, 64, 2, bias=False), nn.BatchNorm2d(64, **KERAS_BN), nn.LeakyReLU(KERAS_LEAKY_SLOPE),
            SameConvTranspose(64, 1, 2, bias=False), nn.Tanh())
        self.apply(_keras_init)

    def forward(self, z: Tensor) -> Tensor:
        return self.convs(self.dense(z).view(-1, 256, 7, 7))


class Discriminator(nn.Module):
    """images (B, 1, 28, 28) -> logits (B,)."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            SameConv(1, 64, 2), nn.LeakyReLU(KERAS_LEAKY_SLOPE), nn.Dropout(0.3),
            SameConv(64, 128, 2), nn.LeakyReLU(KERAS_LEAKY_SLOPE), nn.Dropout(0.3),
            nn.Flatten(), nn.Linear(128 * 7 * 7, 1))
        self.apply(_keras_init)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x).squeeze(1)


class TutorialGAN:
    """The tutorial's models, optimisers and ``train_step``."""

    def __init__(self, seed: int = 0):
        torch.manual_seed(seed)
        self.G, self.D = Generator().train(), Discriminator().train()
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=LEARNING_RATE, eps=KERAS_ADAM_EPS)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=LEARNING_RATE, eps=KERAS_ADAM_EPS)

    def train_step(self, images: Tensor) -> None:
        """Both updates from one generated batch; images (B, 1, 28, 28) in [-1, 1]."""
        fake = self.G(torch.randn(images.shape[0], LATENT_DIM))  # the tutorial draws BATCH_SIZE noises
        real_out, fake_out = self.D(images), self.D(fake)
        g_loss = F.binary_cross_entropy_with_logits(fake_out, torch.ones_like(fake_out))
        d_loss = (F.binary_cross_entropy_with_logits(real_out, torch.ones_like(real_out))
                  + F.binary_cross_entropy_with_logits(fake_out, torch.zeros_like(fake_out)))
        g_params, d_params = list(self.G.parameters()), list(self.D.parameters())
        g_grads = torch.autograd.grad(g_loss, g_params, retain_graph=True)
        d_grads = torch.autograd.grad(d_loss, d_params)
        for params, grads in ((g_params, g_grads), (d_params, d_grads)):
            for p, g in zip(params, grads):
                p.grad = g
        self.opt_g.step()
        self.opt_d.step()

    @torch.no_grad()
    def sample(self, z: Tensor) -> Tensor:
        """``generator(z, training=False)``: z (n, 100) -> (n, 1, 28, 28) in [-1, 1]."""
        self.G.eval()
        try:
            return self.G(z)
        finally:
            self.G.train()


def epoch_batches(images: Tensor, generator: torch.Generator):
    """One epoch of ``Dataset.shuffle(len).batch(BATCH_SIZE)``: images (N, 1, 28, 28) -> batches."""
    order = torch.randperm(len(images), generator=generator)
    for start in range(0, len(images), BATCH_SIZE):
        yield images[order[start:start + BATCH_SIZE]]
