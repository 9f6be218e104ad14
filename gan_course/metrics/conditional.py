"""Metrics of a conditional generator per requested class: does it draw the class it was asked
for, and how good is each class?

- **Class accuracy** (the "classification accuracy score" view of a conditional GAN, as in
  Odena et al. 2017, "Conditional Image Synthesis with Auxiliary Classifier GANs",
  https://arxiv.org/abs/1610.09585, section 4.1): the package's own classifier of the dataset
  (:mod:`gan_course.metrics.classifier`) labels every generated image, and the accuracy is the
  share whose predicted class is the requested one, overall and per requested class. The
  classifier's own test accuracy (about 93 % on Fashion-MNIST) bounds what a perfect generator
  can score, so it is reported beside the numbers.
- **Per-class FID** (intra-FID, Miyato & Koyama 2018, "cGANs with Projection Discriminator",
  https://arxiv.org/abs/1802.05637, section 5.1): for each class, the FID (Heusel et al. 2017)
  between the images generated for that class and the real images of that class, with its
  :class:`~gan_course.metrics.fid.Protocol` (real statistics cached per class).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor

from ..data.tensor_data import to_float
from ..errors import ConfigError
from .classifier import EVAL_BATCH_SIZE, load_classifier
from .features import FeatureNetwork, resolve_feature_network
from .fid import FIDResult, compute_fid
from .stats_cache import real_stats


@dataclass(frozen=True)
class ClassAccuracy:
    """The classifier's accuracy on generated images, overall and per requested class.

    by_class: ``{class id: accuracy}`` in [0, 1]; counts: ``{class id: images requested}``;
    classifier: ``"<dataset>-classifier"``; classifier_sha256 and classifier_test_accuracy
    (its accuracy on the real test split, the ceiling for generated images) come from its card.
    """

    overall: float
    by_class: dict[int, float]
    counts: dict[int, int]
    classifier: str
    classifier_sha256: str
    classifier_test_accuracy: float | None
    n_generated: int = field(default=0)

    def protocol(self) -> dict:
        return {"classifier": self.classifier, "classifier_sha256": self.classifier_sha256,
                "classifier_test_accuracy": self.classifier_test_accuracy, "n_generated": self.n_generated}


def _labels(images: Tensor, labels) -> Tensor:
    labels = torch.as_tensor(labels).detach().cpu()
    if labels.dim() != 1 or len(labels) != len(images) or labels.is_floating_point():
        raise ConfigError(f"labels must be integer class ids of shape ({len(images)},) matching the images, got "
                          f"{labels.dtype} {tuple(labels.shape)}; pass the classes the generator was asked for")
    return labels.to(torch.int64)


@torch.no_grad()
def class_accuracy(images: Tensor, labels, *, dataset: str = "fashion-mnist", batch_size: int = EVAL_BATCH_SIZE,
                   classifier_path=None) -> ClassAccuracy:
    """Accuracy of ``dataset``'s classifier on generated images against the requested classes.

    images: ``(N, C, H, W)`` float in [-1, 1] (or uint8); labels: ``(N,)`` the requested classes.
    classifier_path: weights of another classifier of the same architecture (with its card).
    """
    labels = _labels(images, labels)
    model, card = load_classifier(dataset, path=classifier_path)
    predicted = []
    for batch in images.split(batch_size):
        batch = to_float(batch) if batch.dtype == torch.uint8 else batch.float()  # (B, C, H, W) in [-1, 1]
        predicted.append(model(batch.cpu()).argmax(dim=1))  # (B,)
    correct = torch.cat(predicted) == labels  # (N,)
    classes = sorted(set(labels.tolist()))
    by_class = {c: float(correct[labels == c].double().mean()) for c in classes}
    counts = {c: int((labels == c).sum()) for c in classes}
    return ClassAccuracy(overall=float(correct.double().mean()), by_class=by_class, counts=counts,
                         classifier=f"{card['dataset']}-classifier", classifier_sha256=card["sha256"],
                         classifier_test_accuracy=card.get("test_accuracy"), n_generated=len(labels))


def per_class_fid(images: Tensor, labels, real, *, split: str = "test", feature: str | FeatureNetwork | None = None,
                  n_real: int | str | None = "match", seed: int = 0, cache: bool = True) -> dict[int, FIDResult]:
    """FID of each requested class's generated images against the real images of that class.

    images: ``(N, C, H, W)``; labels: ``(N,)`` requested classes; real: a labelled
    ``InMemoryData`` (e.g. ``load_dataset("fashion-mnist", split="test")``), ``split`` naming its
    split in the protocol. n_real: real images per class: ``"match"`` (default) as many as were
    generated for the class (the same count on both sides, as for the overall FID), a number, or
    None for every image of the class. The per-class real statistics are cached, keyed by
    ``<dataset>-class<c>`` and the sha256 of the pixels. Returns ``{class: FIDResult}``.
    """
    labels = _labels(images, labels)
    if real.labels is None:
        raise ConfigError(f"per-class FID needs labelled real data, but {real.name!r} has no labels")
    net = resolve_feature_network(feature if feature is not None else real.name)
    results = {}
    for c in sorted(set(labels.tolist())):
        members = (real.labels == c).nonzero().flatten()
        if len(members) < 2:
            raise ConfigError(f"class {c} has {len(members)} real images in {real.name!r}; per-class FID needs "
                              "at least 2 per requested class")
        subset = real.subset(members)
        subset.name = f"{real.name}-class{c}"
        wanted = int((labels == c).sum()) if n_real == "match" else n_real
        count = None if wanted is None or wanted >= len(subset) else max(2, wanted)
        stats = real_stats(subset, split=split, n=count, feature=net, seed=seed, cache=cache)
        results[c] = compute_fid(stats, images[labels == c], feature=net, seed=seed)
    return results
