"""Validation FID during training: every ``fid_every`` epochs, the FID of a small fixed set of
generated images against cached real statistics picks ``checkpoints/best.pt``.

FID (Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash
Equilibrium", https://arxiv.org/abs/1706.08500) in the package's offline feature space
(:mod:`gan_course.metrics.fid`), kept cheap enough to run inside training:

- the real side is ``fid_samples`` images of the ``train`` split (the image datasets have no
  validation split, and the ``test`` split is kept for the final report of ``gan-course
  evaluate``, so the checkpoint is never chosen on the images it is scored on), whose feature
  statistics are computed once and cached on disk (:mod:`gan_course.metrics.stats_cache`); when
  the trainer is handed data that did not come from the dataset registry (synthetic data, a
  subset), the real side is drawn from that data instead;
- the generated side is ``fid_samples`` images from fixed noise (and balanced class labels for
  a conditional model), drawn once from :data:`~gan_course.train.epoch_metric.EVAL_SEED`, so
  successive epochs are compared on the same latents and training's random streams are never
  touched (a resumed run stays bit-identical);
- the full protocol (10,000 samples, KID, the floor) runs only after training, in
  ``gan-course evaluate``.

The trainer records every epoch's evaluation seconds (this FID plus the per-epoch sample
distance) in the history's ``eval_time`` column and the FID in ``val_fid``, so the evaluation
overhead is the sum of ``eval_time`` over the training ``time``.
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import ConfigError
from .epoch_metric import EVAL_SEED, generate

VALIDATION_SPLIT = "train"  # the final report (gan-course evaluate) uses the test split
VALIDATION_SEED = EVAL_SEED + 1  # the fixed latents of the validation FID


class ValidationFID:
    """``val(G)`` -> FID of ``n`` fixed-noise samples of G against cached held-out real statistics.

    config: the resolved TrainConfig (``dataset``, ``fid_samples``, ``fid_every``);
    data: the InMemoryData being trained on (its classes give the labels; when its name is not
    the config's dataset it is also the real side); latent_dim: G's input size; device: where
    the noise lives.
    """

    def __init__(self, config, data, latent_dim: int, device: torch.device):
        from ..metrics.features import resolve_feature_network

        if data.kind != "image":
            raise ConfigError("fid_every applies to image datasets; the ring is measured by its energy distance "
                              "every epoch (leave fid_every unset)")
        self.every = int(config.fid_every)
        self.feature = resolve_feature_network(config.dataset)  # fails now, naming the fix, when there is none
        if self.feature.input_shape is not None and tuple(data.shape) != self.feature.input_shape:
            raise ConfigError(f"fid_every: the feature network {self.feature.name} takes images "
                              f"{self.feature.input_shape} but this run trains on {tuple(data.shape)}; train at the "
                              "dataset's own size (leave image_size unset) or leave fid_every unset")
        # the registry's dataset -> its train split by name; handed-over data (synthetic, a subset) -> itself
        self._real_source = config.dataset if data.name == config.dataset else data.to("cpu")
        self._n_real = config.fid_samples if data.name == config.dataset else min(config.fid_samples, len(data))
        self.real = None  # RealStats, on the first call: so its cost is measured as evaluation time
        n = config.fid_samples
        rng = torch.Generator().manual_seed(VALIDATION_SEED)
        self.z = torch.randn(n, latent_dim, generator=rng).to(device)  # (n, latent_dim)
        self.labels = (torch.arange(n) % data.num_classes).to(device) if data.num_classes else None  # (n,) or None

    def due(self, epoch: int, last: bool) -> bool:
        """Whether epoch ``epoch`` (1-based) is measured: every ``fid_every``-th and the last."""
        return last or epoch % self.every == 0

    def __call__(self, generator: nn.Module) -> float:
        """FID of G's fixed-noise samples ``(n, C, H, W)`` against the cached real statistics."""
        from ..metrics.fid import compute_fid
        from ..metrics.stats_cache import real_stats

        if self.real is None:
            split = VALIDATION_SPLIT
            self.real = real_stats(self._real_source, split=split, n=self._n_real, feature=self.feature,
                                   seed=VALIDATION_SEED)
        fake = generate(generator, self.z, self.labels).float().cpu()  # (n, C, H, W) in [-1, 1]
        if not bool(torch.isfinite(fake).all()):
            return float("inf")
        return compute_fid(self.real, fake, feature=self.feature).value


def cache_validation_stats(config) -> bool:
    """Compute and cache the real statistics ``ValidationFID`` will read for ``config`` (a
    resolved TrainConfig with ``fid_every`` set, training on a registry dataset), so that
    runs sharing them -- the members of a comparison -- do not charge their one-time cost to
    the first run's evaluation time. Returns False when there is nothing to cache."""
    from ..metrics.features import resolve_feature_network
    from ..metrics.stats_cache import real_stats

    if not config.fid_every or config.dataset == "ring":
        return False
    real_stats(config.dataset, split=VALIDATION_SPLIT, n=config.fid_samples,
               feature=resolve_feature_network(config.dataset), seed=VALIDATION_SEED)
    return True
