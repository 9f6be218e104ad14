"""Checks on what the models are called with: latent batches and class labels.

Every generator is called ``G(z, labels=None)`` with ``z`` of shape (B, latent_dim)
(or (B, latent_dim, 1, 1), the DCGAN habit); every discriminator ``D(x, labels=None)``.
Conditional models need ``labels``: int64 class indices of shape (B,). A wrong call fails
here with a message that names the fix instead of deep inside a matrix multiply.
"""

from __future__ import annotations

from torch import Tensor

from ..errors import ConfigError


def latent_vector(z: Tensor, latent_dim: int, model: str) -> Tensor:
    """z: (B, latent_dim) or (B, latent_dim, 1, 1) -> (B, latent_dim)."""
    if z.dim() == 4 and z.shape[2:] == (1, 1):
        z = z.flatten(start_dim=1)  # (B, latent_dim)
    if z.dim() != 2 or z.shape[1] != latent_dim:
        raise ConfigError(
            f"{model} expects z of shape (B, {latent_dim}) or (B, {latent_dim}, 1, 1), got "
            f"{tuple(z.shape)}; draw z = torch.randn(batch, G.latent_dim)"
        )
    return z


def class_labels(labels: Tensor | None, num_classes: int, batch: int, model: str) -> Tensor:
    """Validated labels: int64-like (B,) with values in [0, num_classes)."""
    if labels is None:
        raise ConfigError(
            f"{model} is conditional and needs labels: call it as model(x, labels) with "
            f"integer class indices of shape ({batch},)"
        )
    if labels.dim() != 1 or labels.shape[0] != batch or labels.is_floating_point() or labels.is_complex():
        raise ConfigError(
            f"{model} needs integer labels of shape ({batch},), got {labels.dtype} of shape "
            f"{tuple(labels.shape)}; pass class indices (torch.long), not one-hot vectors"
        )
    if batch and (int(labels.min()) < 0 or int(labels.max()) >= num_classes):
        raise ConfigError(
            f"{model} was built for {num_classes} classes but got labels in "
            f"[{int(labels.min())}, {int(labels.max())}]; build it with num_classes > "
            f"{int(labels.max())} or fix the labels"
        )
    return labels.long()
