"""A whole dataset held as one tensor, batched by indexing.

Small GAN experiments on a CPU spend most of their time in per-item Python work (a
``DataLoader`` calling ``__getitem__`` and collating); indexing one tensor with a shuffled
index vector is far cheaper. :class:`InMemoryData` holds

- images as ``uint8`` ``(N, C, H, W)`` (a quarter of the float32 memory) and converts only the
  batch to float32 in ``[-1, 1]``, the range of a tanh generator output (Radford et al. 2015,
  "Unsupervised Representation Learning with Deep Convolutional Generative Adversarial
  Networks", https://arxiv.org/abs/1511.06434, section 3);
- or 2D points as ``float32`` ``(N, 2)``, used as they are;

with optional ``int64`` labels ``(N,)``. It is also a ``torch.utils.data.Dataset``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch
from torch import Tensor
from torch.utils.data import Dataset

from ..errors import ConfigError

PIXEL_HALF_RANGE = 127.5  # uint8 [0, 255] <-> [-1, 1]: x / 127.5 - 1
UNLABELLED = -1  # the label __getitem__ returns for an unlabelled item


def to_float(images: Tensor) -> Tensor:
    """uint8 images ``(..., C, H, W)`` in [0, 255] -> float32 in [-1, 1] (0 -> -1, 255 -> 1 exactly)."""
    return images.to(torch.float32) / PIXEL_HALF_RANGE - 1.0


def from_float(images: Tensor) -> Tensor:
    """float images in [-1, 1] -> uint8 in [0, 255], rounded and clipped; inverse of :func:`to_float`."""
    return ((images.detach().to(torch.float32) + 1.0) * PIXEL_HALF_RANGE).round().clamp(0, 255).to(torch.uint8)


def _check_batch_size(batch_size: int, n: int, drop_last: bool) -> None:
    if batch_size < 1:
        raise ConfigError(f"batch_size must be a positive integer, got {batch_size}; use e.g. 64")
    if drop_last and batch_size > n:
        raise ConfigError(
            f"batch_size {batch_size} is larger than the dataset ({n} items), so an epoch with "
            f"drop_last=True has no batch; use a batch size of at most {n} or more data"
        )


class InMemoryData(Dataset):
    """A dataset held as one tensor: ``uint8`` images ``(N, C, H, W)`` or ``float32`` points ``(N, 2)``.

    Args:
        data: ``uint8`` ``(N, C, H, W)`` images (``kind == "image"``) or floating ``(N, D)``
            points (``kind == "points"``, stored as float32).
        labels: integer ``(N,)`` class labels (stored as int64), or None when unlabelled.
        name: the dataset's name, e.g. ``"fashion-mnist"``.
        class_names: one name per class; defaults to ``["0", "1", ...]``.
        num_classes: defaults to ``len(class_names)``, else ``labels.max() + 1``, else 0.

    Attributes: ``name``, ``kind``, ``data``, ``labels``, ``num_classes`` (0 when unlabelled),
    ``class_names``, ``shape`` (the per-item shape, e.g. ``(1, 28, 28)`` or ``(2,)``).
    """

    to_float = staticmethod(to_float)
    from_float = staticmethod(from_float)

    def __init__(
        self,
        data: Tensor,
        labels: Tensor | None = None,
        *,
        name: str = "data",
        class_names: Sequence[str] | None = None,
        num_classes: int | None = None,
    ) -> None:
        if data.dtype == torch.uint8 and data.dim() == 4:
            kind = "image"
        elif data.is_floating_point() and data.dim() == 2:
            kind, data = "points", data.to(torch.float32)
        else:
            raise ValueError(
                "InMemoryData holds uint8 images (N, C, H, W) or float points (N, D); got "
                f"{data.dtype} of shape {tuple(data.shape)}"
            )
        if labels is not None:
            if labels.is_floating_point() or labels.dim() != 1 or len(labels) != len(data):
                raise ValueError(
                    f"labels must be an integer tensor of shape ({len(data)},), got {labels.dtype} "
                    f"of shape {tuple(labels.shape)}"
                )
            labels = labels.to(device=data.device, dtype=torch.int64)
        if num_classes is None:
            if class_names is not None:
                num_classes = len(class_names)
            elif labels is not None and len(labels):
                num_classes = int(labels.max()) + 1
            else:
                num_classes = 0
        if class_names is None:
            class_names = [str(k) for k in range(num_classes)]
        if len(class_names) != num_classes:
            raise ValueError(f"{len(class_names)} class names given for {num_classes} classes")
        self.name = name
        self.kind = kind
        self.data = data  # (N, C, H, W) uint8 or (N, D) float32
        self.labels = labels  # (N,) int64 or None
        self.num_classes = int(num_classes)
        self.class_names = list(class_names)

    # --- the Dataset protocol -----------------------------------------------------------

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor]:
        """Item ``index`` as ``(x, y)``: x float32 ``(C, H, W)`` in [-1, 1] or ``(D,)``;
        y int64 ``()``, -1 when unlabelled."""
        x = self.data[index]
        if self.kind == "image":
            x = to_float(x)  # (C, H, W)
        y = self.labels[index] if self.labels is not None else torch.tensor(UNLABELLED, dtype=torch.int64)
        return x, y

    def __repr__(self) -> str:
        return (
            f"InMemoryData(name={self.name!r}, kind={self.kind!r}, n={len(self)}, shape={self.shape}, "
            f"num_classes={self.num_classes}, device={self.data.device})"
        )

    # --- facts ----------------------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of one item: ``(C, H, W)`` for images, ``(D,)`` for points."""
        return tuple(self.data.shape[1:])

    @property
    def labelled(self) -> bool:
        """Whether the items carry class labels."""
        return self.labels is not None

    @property
    def device(self) -> torch.device:
        """Where the stored tensor lives."""
        return self.data.device

    # --- batching -------------------------------------------------------------------------

    def _as_float(self, indices: Tensor, device: torch.device | str | None) -> tuple[Tensor, Tensor | None]:
        """Items ``indices`` (K,) moved to ``device`` (uint8, cheap) then converted: ``(K, ...)`` float32."""
        indices = indices.to(self.data.device)
        x = self.data[indices]
        if device is not None:
            x = x.to(device, non_blocking=True)
        if self.kind == "image":
            x = to_float(x)  # (K, C, H, W) in [-1, 1]
        y = None
        if self.labels is not None:
            y = self.labels[indices]  # (K,)
            if device is not None:
                y = y.to(device, non_blocking=True)
        return x, y

    def _permutation(self, generator: torch.Generator | None) -> Tensor:
        device = generator.device if generator is not None else "cpu"
        return torch.randperm(len(self), generator=generator, device=device)

    def steps_per_epoch(self, batch_size: int, drop_last: bool = True) -> int:
        """Number of batches :meth:`batches` yields per epoch."""
        _check_batch_size(batch_size, len(self), drop_last)
        full, rest = divmod(len(self), batch_size)
        return full + (1 if rest and not drop_last else 0)

    def batches(
        self,
        batch_size: int,
        *,
        generator: torch.Generator | None = None,
        drop_last: bool = True,
        device: torch.device | str | None = None,
        shuffle: bool = True,
    ) -> Iterator[tuple[Tensor, Tensor | None]]:
        """One epoch of ``(x, y)`` batches in the order of ``torch.randperm(N, generator=generator)``.

        x: float32 ``(B, C, H, W)`` in [-1, 1] or ``(B, D)``; y: int64 ``(B,)`` or None when
        unlabelled. Every item appears exactly once per epoch (the last ``N % B`` are left out
        when ``drop_last``). Only the batch is converted, on ``device``.
        """
        _check_batch_size(batch_size, len(self), drop_last)
        order = self._permutation(generator) if shuffle else torch.arange(len(self))  # (N,)
        stop = len(self) - len(self) % batch_size if drop_last else len(self)
        for start in range(0, stop, batch_size):
            yield self._as_float(order[start : start + batch_size], device)

    def sample(
        self, n: int, *, generator: torch.Generator | None = None, device: torch.device | str | None = None
    ) -> tuple[Tensor, Tensor | None]:
        """``n`` distinct random items as ``(x, y)``, converted like :meth:`batches`."""
        if not 0 <= n <= len(self):
            raise ConfigError(
                f"cannot sample {n} distinct items from {self.name!r} ({len(self)} items); ask for at most {len(self)}"
            )
        return self._as_float(self._permutation(generator)[:n], device)

    # --- new views ------------------------------------------------------------------------

    def _with(self, data: Tensor, labels: Tensor | None) -> InMemoryData:
        return InMemoryData(data, labels, name=self.name, class_names=self.class_names, num_classes=self.num_classes)

    def subset(self, indices: Tensor | Sequence[int]) -> InMemoryData:
        """A new InMemoryData with the items at ``indices`` (same name and classes)."""
        indices = torch.as_tensor(indices, dtype=torch.int64, device=self.data.device)
        return self._with(self.data[indices], self.labels[indices] if self.labels is not None else None)

    def split(self, fraction: float, *, generator: torch.Generator | None = None) -> tuple[InMemoryData, InMemoryData]:
        """Shuffle and cut in two: the first holds ``round(fraction * N)`` items, the second the rest."""
        if not 0.0 <= fraction <= 1.0:
            raise ConfigError(f"split fraction must lie in [0, 1], got {fraction}")
        order = self._permutation(generator)
        cut = round(fraction * len(self))
        return self.subset(order[:cut]), self.subset(order[cut:])

    def to(self, device: torch.device | str) -> InMemoryData:
        """The same data stored on ``device`` (e.g. the whole uint8 set on the GPU)."""
        return self._with(self.data.to(device), self.labels.to(device) if self.labels is not None else None)
